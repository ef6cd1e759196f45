"""A family parsed once and evaluated per setting of its arguments (docs/api.md, "Families and sweeps"):
``cnncalc.family(source)`` reads the YAML once; ``.analyze(width=0.5, resolution=160)`` builds and analyses
one variant, as ``cnncalc.analyze(source, set={...})`` would, without reading the file again."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Mapping, Optional, Sequence

from cnncalc.api import Report, Source
from cnncalc.errors import SpecError
from cnncalc.options import Chosen, keywords

if TYPE_CHECKING:
    from cnncalc.spec import ReadLimits, Spec


class Family:
    """One spec read once, its variants built on demand. ``args``: the spec's arguments with their defaults
    (as written: a default may be an expression); ``spec(**values)`` the built spec of one setting;
    ``analyze(**values)`` its :class:`cnncalc.Report`. The values are the spec's arguments (as ``--set``
    gives them) and go over the ``set`` given to :func:`family`."""

    def __init__(self, source: Source, options: Chosen):
        self._options = options
        self._document = Document(source, options.read_limits)
        self.source = self._document.source
        self._default = None
        self._default = self.spec()        # the defaults must build: a broken spec fails here, located

    @property
    def args(self) -> dict:
        """The spec's arguments and their defaults, in order (empty for an ONNX model)."""
        return self._document.args

    def spec(self, input: Optional[Sequence[int]] = None, **values) -> "Spec":
        """The spec built with ``values`` for its arguments (no spec argument is called ``input``: ``input``
        replaces the input shape, as :func:`cnncalc.analyze`'s ``input`` does, for this variant)."""
        if input is None and not values and self._default is not None:
            return self._default           # built once already, by __init__ (specs are not changed after)
        shape = self._options.input if input is None else _shape(input)
        return self._document.spec(shape, {**(self._options.overrides or {}), **values})

    def analyze(self, input: Optional[Sequence[int]] = None, **values) -> Report:
        """The figures of the variant with ``values`` for the spec's arguments (``input``: its input shape):
        equal to ``cnncalc.analyze(source, set={**set, **values}, input=input, ...)`` with the keywords
        given to :func:`family`."""
        from cnncalc.analysis import analyze as run
        from cnncalc.metrics import Figures

        spec = self.spec(input, **values)
        options = self._options
        return Report(Figures(run(spec, dtype=options.dtype, batch=options.batch), spec.graph, options.settings))

    def __repr__(self) -> str:
        return f"<cnncalc.Family {self.source}: args {', '.join(self.args) or 'none'}>"


class Document:
    """A spec's YAML read and parsed once (``spec(shape, overrides)`` builds one setting of it); an ONNX model
    is imported again per setting, having no YAML to keep. What Family and ``compare --sweep`` share."""

    def __init__(self, source: Source, read_limits: "ReadLimits"):
        self.read_limits = read_limits
        text, self.source, self._path = _text(source, read_limits)
        self._doc = self._dollars = None
        if text is not None:                  # its extends: and imports: done once too
            from cnncalc.spec.document import load_spec_document
            self._doc, self._dollars = load_spec_document(text, self.source, read_limits, self._path)

    @property
    def args(self) -> dict:
        from cnncalc.spec import LocDict
        written = self._doc.get("args") if isinstance(self._doc, LocDict) else None
        return dict(written) if isinstance(written, LocDict) else {}

    def spec(self, shape: Optional[tuple], overrides: Mapping) -> "Spec":
        if self._doc is None:
            from cnncalc.spec import read_spec
            return read_spec(self.source, shape, self.read_limits, overrides=overrides)
        from cnncalc.spec.document import build_spec
        return build_spec(self._doc, self._dollars, self.source, shape, self.read_limits, overrides)


def _shape(input: Sequence[int]) -> tuple:
    """An input shape given per variant, checked as the ``input`` option checks one."""
    from cnncalc.options import BY_NAME, OptionError, checked
    try:
        return checked(BY_NAME["input"], input)
    except OptionError as err:
        raise SpecError(str(err)) from None


def _text(source: Source, read_limits: "ReadLimits") -> tuple:
    """The YAML text of a source, the name its messages use and the file it was read from (None for text:
    then it may extend only zoo: and seed: specs); (None, path, path) for an ONNX model."""
    if isinstance(source, Mapping):
        import yaml
        try:
            return yaml.safe_dump(dict(source), sort_keys=False, allow_unicode=True), "<dict>", None
        except yaml.YAMLError as err:
            raise SpecError(f"the dict cannot be written as YAML: {err}") from None
    if isinstance(source, os.PathLike):
        source = os.fspath(source)
    if not isinstance(source, str):
        raise TypeError(f"a source is a path, YAML text or a dict, not {type(source).__name__}")
    if "\n" in source:
        return source, "<text>", None
    if source.lower().endswith(".onnx"):
        return None, source, source
    from cnncalc import zoo
    from cnncalc.spec import yamlsource
    path = zoo.path(source) if zoo.is_shipped(source) else source
    return yamlsource.read_file(path, read_limits.max_bytes), source, path


@keywords("analyze")
def family(source: Source, *, options: Chosen) -> Family:
    """A family read once (a spec with ``args:``), to analyse many settings of its arguments fast:
    ``cnncalc.family("zoo:mobilenet_v2").analyze(width=0.5, resolution=160)``. The keywords are those of
    :func:`cnncalc.analyze` and apply to every variant (``set``: values under those given per variant)."""
    return Family(source, options)
