"""A spec document: its top-level keys, read from a file or text, → a :class:`Spec` with its graph."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Optional

from cnncalc.errors import Location, SpecError, brief, did_you_mean
from cnncalc.graph import Graph
from cnncalc.record import record
from cnncalc.spec import yamlsource
from cnncalc.spec.assembly import Builder
from cnncalc.spec.templates import has_dollar, substitute
from cnncalc.spec.variants import with_variant
from cnncalc.spec.yamlsource import LocDict

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

TOP_KEYS = ("name", "description", "extends", "imports", "args", "variants", "input", "defaults", "budget", "blocks",
            "layers")


@record
class ReadLimits:
    """Guards against specs that would expand without end (docs/spec.md, "Read limits").

    max_layers, max_bytes and max_yaml_nodes are adjustable from the command line; max_depth (nested
    blocks and branches) and max_yaml_depth (YAML nesting) protect Python's stack and are fixed.
    """
    max_layers: int = 200_000
    max_depth: int = 64
    max_bytes: int = yamlsource.MAX_SPEC_BYTES
    max_yaml_nodes: int = yamlsource.MAX_NODES
    max_yaml_depth: int = yamlsource.MAX_DEPTH


@record
class Spec:
    name: str
    description: str
    source: str
    input_shape: tuple
    graph: Graph
    budget: Optional[LocDict] = None
    notes: tuple = ()          # (layer, message): what the spec's text does not say by itself (a block that
    #                            shadows a layer type), shown with the analysis's warnings


def read_spec(path: str, input_shape: Optional[tuple] = None, read_limits: ReadLimits = ReadLimits(), stdin=None,
              overrides: Optional[Mapping] = None) -> Spec:
    """Read a spec file ('-' for standard input, ``zoo:NAME`` or ``seed:NAME`` for one shipped with cnncalc,
    ``*.onnx`` for an ONNX model) and build its graph. ``overrides``: values for the spec's arguments
    (``--set NAME=VALUE``)."""
    if path == "-":
        # one byte more than the limit is enough to know that the spec is too big
        data, source = (stdin.read(read_limits.max_bytes + 1) if stdin is not None else b""), "<stdin>"
    else:
        if path.lower().endswith(".onnx"):     # an ONNX model: imported to a spec (cnncalc/onnximport, docs/onnx.md)
            from cnncalc.onnximport import read_onnx
            return read_onnx(path, input_shape, read_limits, overrides)
        source = path
        from cnncalc import zoo
        if zoo.is_shipped(path):
            path = zoo.path(path)
        data = yamlsource.read_file(path, read_limits.max_bytes)
    return parse_spec(data, source, input_shape, read_limits, overrides, path=None if path == "-" else path)


def parse_spec(text: str | bytes, source: str = "<spec>", input_shape: Optional[tuple] = None,
               read_limits: ReadLimits = ReadLimits(), overrides: Optional[Mapping] = None,
               path: Optional[str] = None) -> Spec:
    """Build a spec from its text. ``path``: the file it was read from, whose folder a relative
    ``extends:``/``imports:`` is read from (text without one may extend only zoo: and seed: specs)."""
    doc, dollars = load_spec_document(text, source, read_limits, path)
    return build_spec(doc, dollars, source, input_shape, read_limits, overrides)


def load_spec_document(text: str | bytes, source: str, read_limits: ReadLimits = ReadLimits(),
                       path: Optional[str] = None) -> tuple:
    """A spec's document read (yamlsource.load_document) and its ``extends:`` and ``imports:`` done:
    (document, whether a '$' may appear), what :func:`build_spec` builds, once per setting of its arguments."""
    doc, dollars = yamlsource.load_document(text, source, max_bytes=read_limits.max_bytes,
                                            max_nodes=read_limits.max_yaml_nodes, max_depth=read_limits.max_yaml_depth,
                                            max_layers=read_limits.max_layers)
    _check_document(doc, source)
    if "extends" in doc or "imports" in doc:
        from cnncalc.spec.inherit import Reading, compose
        doc, dollars = compose(doc, dollars, source, path, Reading(read_limits, bytes=len(text)))
    return doc, dollars


def _check_document(doc, source: str) -> None:
    here = Location(source, 1, 1)
    if doc is None:
        raise SpecError("the spec is empty; it needs at least 'input' and 'layers'", here)
    if not isinstance(doc, LocDict):
        raise SpecError("a spec is a mapping with 'input' and 'layers' (see docs/spec.md)",
                        getattr(doc, "loc", here))
    check_keys(doc)


def build_spec(doc, dollars, source: str, input_shape: Optional[tuple] = None,
               read_limits: ReadLimits = ReadLimits(), overrides: Optional[Mapping] = None) -> Spec:
    """The spec of a document already loaded, its bases composed (:func:`load_spec_document`): what
    cnncalc.family repeats per setting of a family's arguments, the YAML read once."""
    _check_document(doc, source)
    for key in ("input", "layers"):
        if key not in doc:
            raise SpecError(f"the spec has no '{key}'", doc.loc)
    name = doc.get("name", "network" if source.startswith("<") else _stem(source))
    if not isinstance(name, str):
        raise SpecError("'name' must be text", doc.where("name"))
    description = doc.get("description") or ""
    if not isinstance(description, str):
        raise SpecError("'description' must be text", doc.where("description"))
    env = read_arguments(doc, overrides or {})
    written = doc["input"]
    if has_dollar(written):
        written = substitute(written, env, doc.where("input"))
    shape = _input_shape(written, doc.where("input"))
    if input_shape is not None:
        _check_override(tuple(input_shape), shape, doc.where("input"))
        shape = input_shape
    budget = doc.get("budget")
    if budget is not None and not isinstance(budget, LocDict):
        raise SpecError("'budget' must be a mapping such as {params: 25M, macs: 4G}", doc.where("budget"))
    builder, graph = _build(doc, shape, read_limits, env, dollars)
    return Spec(name=name, description=description.strip(), source=source, input_shape=tuple(shape),
                graph=graph, budget=budget, notes=tuple((layer, message) for layer, message, _ in builder.notes))


_COUNT_PASSES = 4


def _build(doc: LocDict, shape: tuple, read_limits: ReadLimits, env: dict, dollars: bool) -> tuple:
    """(the builder, the graph). A spec that reads ``$block.count`` (how many instances of a block the network
    has) is known only once built: each build uses the counts of the one before (a first build, or a block not
    counted yet, a stand-in, spec/assembly.py), until a build ends with the counts it used; an error of a build
    that used a stand-in is not the spec's, and the next build decides. A count read inside a block can change
    the counts of the blocks that block calls, never its own (a block cannot call itself), so the counts
    settle one level of nesting per build."""
    totals: Optional[dict] = None
    for attempt in range(_COUNT_PASSES):
        builder = Builder(doc, read_limits.max_layers, read_limits.max_depth, env, dollars, totals)
        try:
            graph = builder.build(shape)
        except SpecError:
            if not builder.guessed or attempt == _COUNT_PASSES - 1:
                raise
        else:
            if not builder.counted or builder.block_counts == totals:
                return builder, graph
        totals = dict(builder.block_counts)
    assert totals is not None
    raise SpecError(f"the blocks' counts ($block.count) did not settle in {_COUNT_PASSES} builds (the last: "
                    f"{', '.join(f'{n} {b}' for b, n in totals.items())}): counts that decide how many other blocks "
                    f"are built, nested this deep, are not followed; use $block.count for values such as rates",
                    doc.where("layers"))


def check_keys(doc: LocDict) -> None:
    """Every top-level key is one a spec has."""
    for key in doc:
        if key not in TOP_KEYS:
            raise SpecError(f"unknown top-level key '{key}'{did_you_mean(key, TOP_KEYS)}; a spec has "
                            f"{', '.join(TOP_KEYS)}", doc.where(key))


def read_arguments(doc: LocDict, overrides: Mapping) -> dict:
    """The spec's arguments: top-level ``args:`` (name → default, in order; a default may be an expression of
    the arguments before it), each replaced by its value in ``overrides`` (``--set``), if given there."""
    args = doc.get("args")
    if args is None:
        args = LocDict()
        args.loc, args.key_locs = doc.loc, {}
    elif not isinstance(args, LocDict):
        raise SpecError("'args' must be a mapping of argument → default value, such as {width: 1.0}",
                        doc.where("args"))
    for name in args:
        if not isinstance(name, str) or not _WORD.fullmatch(name) or name == "input":
            raise SpecError(f"argument {brief(name)} must be a word (letters, digits, _) other than 'input', as "
                            f"$name uses it", args.where(name))
    for name in overrides:
        if name not in args:
            known = ", ".join(args) or "none"
            raise SpecError(f"--set {name}: the spec has no argument '{name}'{did_you_mean(name, list(args))}; "
                            f"its args: {known}", doc.where("args") if "args" in doc else doc.loc)
    overrides = with_variant(doc, args, overrides)     # a tabulated family's row (cnncalc/spec/variants.py)
    env: dict = {}
    for name, default in args.items():
        if name in overrides:
            env[name] = overrides[name]
        elif has_dollar(default):
            env[name] = substitute(default, env, args.where(name))
        else:
            env[name] = default
    return env


def _stem(path: str) -> str:
    """The file name without its last suffix, as pathlib's ``stem`` (pathlib is not imported: start-up)."""
    name = os.path.basename(path.rstrip("/" + os.sep))
    dot = name.rfind(".")
    return name[:dot] if 0 < dot < len(name) - 1 else name


_FORMS = {1: "[C]", 2: "[C, L]", 3: "[C, H, W]", 4: "[C, D, H, W]"}


def _check_override(given: tuple, written: tuple, loc: Location) -> None:
    """An input shape given for the spec (--input, the API's ``input=``) has the rank of the spec's own input,
    and is not the spec's shape written channels-last: both mistakes would analyse another network quietly."""
    def text(shape):
        return ",".join(map(str, shape))
    spec = f"the spec's input {list(written)} is {_FORMS[len(written)]}, channels first and no batch"
    if len(given) != len(written):
        hint = ""
        batch = " (--batch N sets the batch)"
        if len(given) == len(written) + 1 and given[1:] == written:
            hint = f"; leave out the batch axis: {text(written)}{batch}"
        elif len(given) == len(written) + 1 and given[1:] == written[1:] + written[:1]:
            hint = f"; leave out the batch axis, channels first: {text(written)}{batch}"
        elif len(given) == len(written) + 1 and given[0] == 1:
            hint = f"; the first axis looks like a batch: leave it out{batch}"
        raise SpecError(f"input {text(given)} has {len(given)} axes, but {spec}{hint}", loc)
    if len(given) > 1 and given != written and given == written[1:] + written[:1]:
        raise SpecError(f"input {text(given)} is the spec's input written channels-last; {spec}: "
                        f"{text(written)}", loc)


def _input_shape(value, loc: Location) -> tuple:
    if not isinstance(value, list) or not 1 <= len(value) <= 4:
        raise SpecError("'input' must be a list of 1 to 4 positive ints, channels first and no batch: "
                        "[C], [C, L], [C, H, W] or [C, D, H, W]", loc)
    for item in value:
        if not isinstance(item, int) or isinstance(item, bool) or item < 1:
            raise SpecError(f"'input' sizes must be positive ints, got {brief(item)}", loc)
    return tuple(value)
