"""The Python API (docs/api.md): the figures `cnncalc analyze`, `compare` and `check` print, as data, in-process.

Every function takes a *source*: a spec file's path (``str`` or ``os.PathLike``), a shipped spec
(``"zoo:resnet50"``), YAML text (any ``str`` with a line break in it), or a spec as a ``dict``. Errors are
:class:`cnncalc.SpecError`, carrying file, line and layer as the command line prints them. Nothing here prints.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Mapping, Optional, Sequence, Union

from cnncalc.errors import SpecError
from cnncalc.metrics import Figures, Settings
from cnncalc.spec import Limits

if TYPE_CHECKING:
    from cnncalc.analysis import Memory, Totals
    from cnncalc.budget.engine import CheckRun
    from cnncalc import comparison as _comparison
    from cnncalc.spec import Spec

Source = Union[str, "os.PathLike[str]", Mapping]

__all__ = ["Report", "Comparison", "CheckResult", "analyze", "compare", "check", "read"]


def read(source: Source, *, input: Optional[Sequence[int]] = None, set: Optional[Mapping] = None,
         limits: Limits = Limits()) -> "Spec":
    """The spec of ``source``, its layer graph built (the step before :func:`analyze`). ``set``: values for
    the spec's arguments (its ``args:``), as ``--set NAME=VALUE`` gives them."""
    from cnncalc.spec import parse_spec, read_spec

    shape = _shape(input)
    overrides = _overrides(set)
    if isinstance(source, Mapping):
        import yaml
        try:
            text = yaml.safe_dump(dict(source), sort_keys=False, allow_unicode=True)
        except yaml.YAMLError as err:
            raise SpecError(f"the dict cannot be written as YAML: {err}") from None
        return parse_spec(text, "<dict>", shape, limits, overrides)
    if isinstance(source, os.PathLike):
        source = os.fspath(source)
    if not isinstance(source, str):
        raise TypeError(f"a source is a path, YAML text or a dict, not {type(source).__name__}")
    if "\n" in source:
        return parse_spec(source, "<text>", shape, limits, overrides)
    return read_spec(source, shape, limits, overrides=overrides)


def _overrides(values: Optional[Mapping]) -> Optional[dict]:
    if values is None:
        return None
    if not isinstance(values, Mapping) or not all(isinstance(k, str) for k in values):
        raise SpecError(f"set must map argument names to values, such as {{'width': 0.5}}; got {values!r}")
    return dict(values)


def _shape(input: Optional[Sequence[int]]) -> Optional[tuple]:
    if input is None:
        return None
    shape = tuple(input)
    if not 1 <= len(shape) <= 4 or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 1
                                           for n in shape):
        raise SpecError(f"input must be 1 to 4 positive ints, channels first and no batch; got {list(shape)}")
    return shape


def _first(items, wanted, key):
    for item in items:
        if wanted(item):
            return item
    raise KeyError(key)


class Report:
    """One analysed network: every figure `cnncalc analyze` shows, exact ints (docs/conventions.md).

    ``rows`` holds one :class:`cnncalc.analysis.Row` per layer (name, type, output_shape, params, macs, flops,
    rf, activation_elements, …); ``totals``, ``memory``, ``receptive_field`` (one ``AxisRF`` per spatial
    axis of the input: size, stride, start) and ``warnings`` are those of the whole network; ``peak``,
    ``minimum_peak``, ``training`` and ``latency`` are computed on first use."""

    def __init__(self, figures: Figures):
        self.figures = figures

    # -- the network's figures -----------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.figures.report.name

    @property
    def input_shape(self) -> tuple:
        return self.figures.report.input_shape

    @property
    def output_shape(self) -> tuple:
        return self.figures.report.output_shape

    @property
    def rows(self) -> tuple:
        return self.figures.report.rows

    @property
    def totals(self) -> "Totals":
        return self.figures.report.totals

    @property
    def memory(self) -> "Memory":
        return self.figures.report.memory

    @property
    def receptive_field(self) -> tuple:
        return self.figures.report.output_rf

    @property
    def warnings(self) -> tuple:
        return self.figures.report.warnings

    @property
    def peak(self):
        """Peak memory at inference in the spec's order (cnncalc.peak.Peak: peak_bytes, peak_layer, alive)."""
        return self.figures.peak

    @property
    def minimum_peak(self):
        """Peak memory in a memory-minimising order (``method`` says how it was found)."""
        return self.figures.minimum_peak

    @property
    def training(self):
        """Training memory (cnncalc.training.TrainingMemory), or None when analyze was given training=False."""
        return self.figures.training

    @property
    def latency(self):
        """The roofline estimate (cnncalc.roofline.Roofline), or None without a device."""
        return self.figures.roofline

    def row(self, name: str):
        """The row of the layer called ``name``; KeyError when there is none."""
        return _first(self.rows, lambda row: row.name == name, name)

    # -- the same documents as the command line -------------------------------------------------------
    def to_dict(self) -> dict:
        """The JSON document of `cnncalc analyze --format json` (schema cnncalc.report/3), as Python data."""
        from cnncalc.render.report import figures_dict
        return figures_dict(self.figures)

    def to_json(self) -> str:
        from cnncalc.render.report import report_json
        return report_json(self.figures)

    def to_markdown(self, quiet: bool = False) -> str:
        from cnncalc.render.report import report_markdown
        return report_markdown(self.figures, quiet=quiet)

    def to_csv(self) -> str:
        from cnncalc.render.report import report_csv
        return report_csv(self.figures)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str:
        """The summary and the per-layer table as HTML, for notebooks."""
        from cnncalc.render.report import report_html
        return report_html(self.figures)

    def __repr__(self) -> str:
        t = self.totals
        return (f"<cnncalc.Report {self.name}: {list(self.input_shape)} → {list(self.output_shape)}, "
                f"{t.params:,} params, {t.macs:,} MACs>")


def analyze(source: Source, *, input: Optional[Sequence[int]] = None, set: Optional[Mapping] = None,
            dtype: str = "float32", batch: int = 1, training: bool = False, optimizer: str = "adam", precision: str = "fp32", device: Optional[str] = None,
            in_place: bool = False, limits: Limits = Limits()) -> Report:
    """Analyse ``source`` as `cnncalc analyze` does. ``input`` replaces the spec's input shape (channels
    first, no batch); ``set`` gives values to the spec's arguments (``{"width": 0.5}``, as ``--set``); ``dtype`` and ``batch`` size the memory figures; ``training``, ``optimizer`` and
    ``precision`` add training memory; ``device`` (a shipped profile's name or a file) the latency."""
    from cnncalc.analysis import analyze as run

    _check_memory_options(dtype, batch)
    spec = read(source, input=input, set=set, limits=limits)
    settings = _settings(training, optimizer, precision, device, in_place)
    return Report(Figures(run(spec, dtype=dtype, batch=batch), spec.graph, settings))


def _settings(training: bool, optimizer: str, precision: str, device: Optional[str], in_place: bool) -> Settings:
    from cnncalc.training import OPTIMIZER_STATES, PRECISIONS

    if optimizer not in OPTIMIZER_STATES:
        raise SpecError(f"unknown optimizer '{optimizer}'; one of {', '.join(OPTIMIZER_STATES)}")
    if precision not in PRECISIONS:
        raise SpecError(f"unknown precision '{precision}'; one of {', '.join(PRECISIONS)}")
    profile = None
    if device is not None:
        from cnncalc import devices
        profile = devices.find(device)
    return Settings(in_place=in_place, training=training, optimizer=optimizer, precision=precision, device=profile)


class Comparison:
    """Networks side by side, as `cnncalc compare` shows them: ``metrics`` (one cnncalc.comparison.MetricRow
    per figure: its values and each one's change against the first), and the reports compared."""

    def __init__(self, comparison: "_comparison.Comparison", reports: Sequence[Report]):
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

    def to_dict(self) -> dict:
        from cnncalc.render.compare import compare_dict
        return compare_dict(self.comparison)

    def to_json(self) -> str:
        from cnncalc.render.compare import compare_json
        return compare_json(self.comparison)

    def to_markdown(self) -> str:
        from cnncalc.render.compare import compare_markdown
        return compare_markdown(self.comparison)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()


def compare(*sources: Source, input: Optional[Sequence[int]] = None, set: Optional[Mapping] = None,
            dtype: str = "float32", batch: int = 1, training: bool = False, device: Optional[str] = None,
            limits: Limits = Limits()) -> Comparison:
    """Compare two or more networks (or Reports already made) as `cnncalc compare` does; ``set`` applies to
    every source (for a sweep of one argument, make the Reports with :func:`analyze` and compare those)."""
    from cnncalc.comparison import compare as run

    if len(sources) < 2:
        raise SpecError("compare needs at least two sources")
    reports = [s if isinstance(s, Report) else analyze(s, input=input, set=set, dtype=dtype, batch=batch,
                                                       training=training, device=device, limits=limits)
               for s in sources]
    figures = [r.figures for r in reports]
    return Comparison(run([f.report for f in figures], figures), reports)


class CheckResult:
    """A budget check, as `cnncalc check` makes it: ``passed``, ``exit_code`` (0, 1 or 2 as the command's),
    and ``checks`` (one cnncalc.budget.engine.BudgetResult per limit: metric, actual, limit, headroom)."""

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

    def to_json(self) -> str:
        from cnncalc.render.check import check_json
        return check_json(self.run)

    def to_markdown(self) -> str:
        from cnncalc.render.check import markdown
        return markdown(self.run)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()


def _check_memory_options(dtype, batch) -> None:
    """The dtype and batch size the memory figures take, checked as the command line checks them."""
    from cnncalc.analysis import DTYPE_BITS
    if dtype not in DTYPE_BITS:
        raise SpecError(f"unknown dtype '{dtype}'; one of {', '.join(DTYPE_BITS)}")
    if not isinstance(batch, int) or isinstance(batch, bool) or batch < 1:
        raise SpecError(f"batch must be a positive int, got {batch!r}")


def check(source: Source, budget: Optional[Mapping] = None, *, input: Optional[Sequence[int]] = None,
          set: Optional[Mapping] = None, dtype: str = "float32", batch: int = 1, device: Optional[str] = None, optimizer: str = "adam",
          precision: str = "fp32", in_place: bool = False, limits: Limits = Limits()) -> CheckResult:
    """Check ``source`` against ``budget`` (``{"params": "25M", "macs": "4.1G", …}``, the keys of a spec's
    ``budget:`` block), or against the spec's own budget when ``budget`` is None. A limit exceeded is not an
    error: the result says so (``passed`` False, ``exit_code`` 1)."""
    from cnncalc.analysis import analyze as run_analysis
    from cnncalc.budget import engine
    from cnncalc.errors import Location

    _check_memory_options(dtype, batch)
    spec = read(source, input=input, set=set, limits=limits)
    settings = _settings(True, optimizer, precision, device, in_place)
    figures = Figures(run_analysis(spec, dtype=dtype, batch=batch), spec.graph, settings)
    if budget is None:
        chosen = engine.spec_limits(spec)
    else:
        if not isinstance(budget, Mapping):
            raise SpecError(f"a budget is a mapping such as {{'params': '25M'}}, not {type(budget).__name__}")
        chosen = engine.limits_from_mapping(_located(budget), engine.OPTION, "budget", Location("<budget>"))
    if not chosen:
        raise SpecError("no limits to check: give a budget, or check a spec with a 'budget:' block",
                        Location(spec.source))
    result = engine.check_figures(spec.source, spec.name, figures, chosen)
    return CheckResult(engine.CheckRun((result,), dtype, batch))


def _located(mapping: Mapping):
    """A plain mapping as the budget reader reads one (a LocDict; its keys have no lines)."""
    from cnncalc.errors import Location
    from cnncalc.spec import LocDict
    out = LocDict(mapping)
    out.loc, out.key_locs = Location("<budget>"), {}
    return out
