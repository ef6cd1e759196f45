"""The Python API (docs/api.md): the figures `cnncalc analyze`, `compare` and `check` print, as data, in-process.

Every function takes a *source*: a spec file's path (``str`` or ``os.PathLike``), a shipped spec
(``"zoo:resnet50"``), YAML text (any ``str`` with a line break in it), or a spec as a ``dict``. Errors are
:class:`cnncalc.SpecError`, carrying file, line and layer as the command line prints them. Nothing here prints.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Generic, Mapping, Optional, Sequence, TypeVar, Union

from cnncalc.errors import SpecError
from cnncalc.metrics import Figures
from cnncalc.options import Chosen, keywords

if TYPE_CHECKING:
    from cnncalc.analysis import Memory, Totals
    from cnncalc.budget.engine import CheckRun
    from cnncalc import comparison as _comparison
    from cnncalc.peak import Peak
    from cnncalc.estimate import Estimate
    from cnncalc.roofline import Roofline
    from cnncalc.spec import Spec
    from cnncalc.training import TrainingMemory

Source = Union[str, "os.PathLike[str]", Mapping]

__all__ = ["Report", "Comparison", "CheckResult", "analyze", "compare", "check", "read"]

# The keyword arguments of read, analyze, compare and check are those of the commands, declared once in
# cnncalc.options (names, defaults, checks); each function below receives them as one checked ``options``.


@keywords("read")
def read(source: Source, *, options: Chosen) -> "Spec":
    """The spec of ``source``, its layer graph built (the step before :func:`analyze`). ``set``: values for
    the spec's arguments (its ``args:``), as ``--set NAME=VALUE`` gives them."""
    return _read(source, options)


def _read(source: Source, options: Chosen) -> "Spec":
    from cnncalc.spec import parse_spec, read_spec

    shape, overrides, read_limits = options.input, options.overrides, options.read_limits
    if isinstance(source, Mapping):
        import yaml
        try:
            text = yaml.safe_dump(dict(source), sort_keys=False, allow_unicode=True)
        except yaml.YAMLError as err:
            raise SpecError(f"the dict cannot be written as YAML: {err}") from None
        return parse_spec(text, "<dict>", shape, read_limits, overrides)
    if isinstance(source, os.PathLike):
        source = os.fspath(source)
    if not isinstance(source, str):
        raise TypeError(f"a source is a path, YAML text or a dict, not {type(source).__name__}")
    if "\n" in source:
        return parse_spec(source, "<text>", shape, read_limits, overrides)
    return read_spec(source, shape, read_limits, overrides=overrides)


class _Documents:
    """The documents of a result object: the text the command prints with ``--format json``, ``markdown`` and
    ``csv`` (``to_json``, ``to_markdown``, ``to_csv``), and the JSON document as Python data (``to_dict``);
    in a notebook, the Markdown. ``_RENDER``: the renderers' module (cnncalc.render) and each document's
    function there, given ``_result()``: the core's result the object wraps, ``_RESULT`` its attribute."""
    _RENDER: tuple = ("", {})
    _RESULT = ""

    def _result(self):
        return getattr(self, self._RESULT)

    def _render(self, document: str, **options):
        import importlib
        module, names = self._RENDER
        return getattr(importlib.import_module(module), names[document])(self._result(), **options)

    def to_dict(self) -> dict:
        """The JSON document of the command's ``--format json``, as Python data."""
        return self._render("dict")

    def to_json(self) -> str:
        """The command's ``--format json``: json of :meth:`to_dict`, in its versioned envelope."""
        return self._render("json")

    def to_markdown(self) -> str:
        """The command's ``--format markdown``."""
        return self._render("markdown")

    def to_csv(self) -> str:
        """The command's ``--format csv``."""
        return self._render("csv")

    def _repr_markdown_(self) -> str:
        return self.to_markdown()


def _first(items, wanted, key):
    for item in items:
        if wanted(item):
            return item
    raise KeyError(key)


T = TypeVar("T")


class _Of(Generic[T]):
    """A read-only attribute of a Report that is one of its figures' (``figures.NAME``) or, with
    ``analysis``, of its analysis (``figures.report.NAME``); computed on first use where the figures are."""

    def __init__(self, name: str, doc: str = "", analysis: bool = False):
        self.name, self.analysis, self.__doc__ = name, analysis, doc

    def __get__(self, report: Optional["Report"], owner: type) -> T:
        if report is None:                    # on the class: the descriptor (help() shows its doc)
            return self                       # type: ignore[return-value]
        return getattr(report.figures.report if self.analysis else report.figures, self.name)


class Report(_Documents):
    """One analysed network: every figure `cnncalc analyze` shows, exact ints (docs/conventions.md).

    ``rows`` holds one :class:`cnncalc.analysis.Row` per layer (name, type, output_shape, params, macs, flops,
    rf, activation_elements, …); ``totals``, ``memory``, ``receptive_field`` (one ``AxisRF`` per spatial
    axis of the input: size, stride, start) and ``warnings`` are those of the whole network; ``peak``,
    ``minimum_peak``, ``training`` and ``latency`` are computed on first use."""

    def __init__(self, figures: Figures):
        self.figures = figures

    # -- the network's figures (its analysis's and its Figures', _Of) -----------------------------------
    name = _Of[str]("name", analysis=True)
    input_shape = _Of[tuple]("input_shape", analysis=True)
    output_shape = _Of[tuple]("output_shape", analysis=True)
    rows = _Of[tuple]("rows", analysis=True)
    totals = _Of["Totals"]("totals", analysis=True)
    memory = _Of["Memory"]("memory", analysis=True)
    receptive_field = _Of[tuple]("output_rf", analysis=True)
    warnings = _Of[tuple]("warnings", analysis=True)
    peak = _Of["Peak"]("peak", "Peak memory at inference in the spec's order (cnncalc.peak.Peak: peak_bytes, "
                               "peak_layer, alive).")
    minimum_peak = _Of["Peak"]("minimum_peak", "Peak memory in a memory-minimising order (``method`` says how it "
                                               "was found).")
    training = _Of[Optional["TrainingMemory"]]("training", "Training memory (cnncalc.training.TrainingMemory), or "
                                                           "None when analyze was given training=False.")
    latency = _Of[Optional["Roofline"]]("roofline", "The roofline bound (cnncalc.roofline.Roofline), or None "
                                                    "without a device; ``runtime`` names the network it is of.")
    latency_estimate = _Of[Optional["Estimate"]]("estimate", "The latency estimate beside the bound "
                                                             "(cnncalc.estimate.Estimate), or None without a "
                                                             "device or without the device's efficiencies.")

    @property
    def runtime(self) -> str:
        """The runtime whose deployed network the figures describe (``analyze(..., runtime=...)``): 'eager',
        the spec as written, by default."""
        runtime = self.figures.settings.runtime
        return "eager" if runtime is None else runtime.name

    def row(self, name: str):
        """The row of the layer called ``name``; KeyError when there is none."""
        return _first(self.rows, lambda row: row.name == name, name)

    # -- the same documents as the command line (schema cnncalc.report/3) -------------------------------
    _RENDER = ("cnncalc.render.report", {"dict": "figures_dict", "json": "report_json", "markdown": "report_markdown",
                                         "csv": "report_csv"})
    _RESULT = "figures"

    def to_markdown(self, quiet: bool = False) -> str:
        """The command's ``--format markdown`` (``quiet``: its ``--quiet``, the totals only)."""
        return self._render("markdown", quiet=quiet)

    def _repr_html_(self) -> str:
        """The summary, the per-layer table, the warnings and the conventions as HTML, for notebooks."""
        from cnncalc.render.report import report_html
        return report_html(self.figures)

    def __repr__(self) -> str:
        t = self.totals
        return (f"<cnncalc.Report {self.name}: {list(self.input_shape)} → {list(self.output_shape)}, "
                f"{t.params:,} params, {t.macs:,} MACs>")


@keywords("analyze")
def analyze(source: Source, *, options: Chosen) -> Report:
    """Analyse ``source`` as `cnncalc analyze` does. ``input`` replaces the spec's input shape (channels
    first, no batch); ``set`` gives values to the spec's arguments (``{"width": 0.5}``, as ``--set``); ``dtype``
    and ``batch`` size the memory figures; ``training``, ``optimizer`` and ``precision`` add training memory;
    ``device`` (a shipped profile's name or a file) the latency; ``in_place`` counts peak memory with in-place
    layers. The keywords are the command's options (docs/api.md, "Options")."""
    return _analyze(source, options)


def _analyze(source: Source, options: Chosen) -> Report:
    from cnncalc.analysis import analyze as run

    spec = _read(source, options)
    return Report(Figures(run(spec, dtype=options.dtype, batch=options.batch), spec.graph, options.settings))


class Comparison(_Documents):
    """Networks side by side, as `cnncalc compare` shows them: ``metrics`` (one cnncalc.comparison.MetricRow
    per figure: its values and each one's change against the first), and the reports compared."""
    _RENDER = ("cnncalc.render.compare", {"dict": "compare_dict", "json": "compare_json",
                                          "markdown": "compare_markdown", "csv": "compare_csv"})
    _RESULT = "comparison"

    def __init__(self, comparison: "_comparison.TotalComparison", reports: Sequence[Report]):
        self.comparison = comparison
        self.reports = tuple(reports)

    @property
    def names(self) -> tuple:
        return self.comparison.names

    @property
    def metrics(self) -> tuple:
        return self.comparison.metrics

    def metric(self, key: str):
        """The row of one figure ('params', 'macs', 'peak_memory', …); KeyError when it is not compared."""
        return self.comparison.metric(key)


@keywords("compare")
def compare(*sources: Source, options: Chosen) -> Comparison:
    """Compare two or more networks (or Reports already made) as `cnncalc compare` does; the keywords apply
    to every source given as a source (for a sweep of one argument, make the Reports with :func:`analyze`
    and compare those)."""
    from cnncalc.comparison import compare as run

    if len(sources) < 2:
        raise SpecError("compare needs at least two sources")
    reports = [s if isinstance(s, Report) else _analyze(s, options) for s in sources]
    figures = [r.figures for r in reports]
    return Comparison(run([f.report for f in figures], figures), reports)


class CheckResult(_Documents):
    """A budget check, as `cnncalc check` makes it: ``passed``, ``exit_code`` (0, 1 or 2 as the command's),
    and ``checks`` (one cnncalc.budget.engine.BudgetResult per limit: metric, actual, limit, headroom)."""
    _RENDER = ("cnncalc.render.check", {"dict": "check_dict", "json": "check_json", "markdown": "markdown",
                                        "csv": "check_csv"})
    _RESULT = "run"

    def __init__(self, run: "CheckRun"):
        self.run = run

    @property
    def passed(self) -> bool:
        return self.run.passed

    @property
    def exit_code(self) -> int:
        return int(self.run.exit_code)

    @property
    def checks(self) -> list:
        return self.run.checks


@keywords("check")
def check(source: Source, budget: Optional[Mapping] = None, *, options: Chosen) -> CheckResult:
    """Check ``source`` against ``budget`` (``{"params": "25M", "macs": "4.1G", …}``, the keys of a spec's
    ``budget:`` block), or against the spec's own budget when ``budget`` is None. A limit exceeded is not an
    error: the result says so (``passed`` False, ``exit_code`` 1). Training memory is counted when asked
    (``training=True``) or when a limit needs it, as `cnncalc check` counts it."""
    from cnncalc.analysis import analyze as run_analysis
    from cnncalc.budget import engine
    from cnncalc.errors import Location

    spec = _read(source, options)
    if budget is None:
        chosen = engine.spec_limits(spec)
    else:
        if not isinstance(budget, Mapping):
            raise SpecError(f"a budget is a mapping such as {{'params': '25M'}}, not {type(budget).__name__}")
        chosen = engine.limits_from_mapping(_located(budget), engine.OPTION, "budget", Location("<budget>"))
    if not chosen:
        raise SpecError("no limits to check: give a budget, or check a spec with a 'budget:' block",
                        Location(spec.source))
    settings = engine.needed_settings(options.settings, chosen)
    figures = Figures(run_analysis(spec, dtype=options.dtype, batch=options.batch), spec.graph, settings)
    result = engine.check_figures(spec.source, spec.name, figures, chosen)
    runtime = options.settings.runtime
    return CheckResult(engine.CheckRun((result,), options.dtype, options.batch,
                                       runtime="eager" if runtime is None else runtime.name))


def _located(mapping: Mapping):
    """A plain mapping as the budget reader reads one (a LocDict; its keys have no lines)."""
    from cnncalc.errors import Location
    from cnncalc.spec import LocDict
    out = LocDict(mapping)
    out.loc, out.key_locs = Location("<budget>"), {}
    return out
