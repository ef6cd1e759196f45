"""The budget engine: limits, one result per spec and limit, and the run over many specs. Pure data: frozen
results, exact ints, no printing.

Limits come from four places (docs/ci.md):

* the command line (``--max-params 25M``): every spec of the run;
* a budget file (``--budget budgets.yaml``, read by cnncalc.budget.file);
* the spec's own ``budget:`` block;
* a baseline spec (``--baseline OLD.yaml --max-increase 5%``): a limit of baseline × (1 + increase).

For one metric, the command line wins over the budget file, which wins over the spec's ``budget:`` (the
nearer to this invocation, the higher). Baseline limits are separate checks: a spec must pass both its
limit and its allowed increase.
"""

from __future__ import annotations

import os
from fractions import Fraction
from typing import TYPE_CHECKING, Callable, Optional

from cnncalc import units
from cnncalc.analysis import analyze
from cnncalc.errors import ExitCode, Location, SpecError, did_you_mean
from cnncalc.metrics import BUDGET_KEYS, BY_KEY, Figures, Settings
from cnncalc.record import field, record, replace
from cnncalc.spec import LocDict, ReadLimits, is_spec, read_spec

if TYPE_CHECKING:
    from cnncalc.budget.file import BudgetFile

OPTION, BUDGET_FILE, SPEC_BUDGET, BASELINE = "option", "budget-file", "spec", "baseline"


@record
class Limit:
    metric: str
    value: int                                  # the largest value that passes (a Fraction for seconds)
    source: str                                 # OPTION, BUDGET_FILE, SPEC_BUDGET or BASELINE
    origin: str                                 # for people: '--max-params', 'budgets.yaml:4', 'spec budget'
    location: Optional[Location] = None         # where the limit is written, when it is in a file
    baseline: Optional[int] = None              # BASELINE only: the baseline's value
    max_increase: Optional[Fraction] = None     # BASELINE only: the allowed relative increase


@record
class BudgetResult:
    """One spec against one limit."""
    spec: str                                   # the spec's path, as given
    metric: str
    actual: int                                 # a Fraction for seconds (latency)
    limit: Limit

    @property
    def passed(self) -> bool:
        return self.actual <= self.limit.value

    @property
    def headroom(self) -> int:
        """limit − actual: what is left (negative: how far over)."""
        return self.limit.value - self.actual


@record
class SpecResult:
    spec: str
    name: Optional[str] = None
    checks: tuple = ()                          # BudgetResult, one per limit
    error: Optional[SpecError] = None           # the spec, its budget or its baseline could not be read
    skipped: Optional[str] = None               # why it was not checked (--skip-non-specs)
    notes: tuple = ()
    seconds: float = 0.0                        # the time it took to read, analyse and check (JUnit's time)


@record
class CheckRun:
    results: tuple
    dtype: str
    batch: int
    notes: tuple = ()
    runtime: str = "eager"          # the runtime whose deployed networks were checked (--runtime)

    @property
    def checks(self) -> list:
        return [c for r in self.results for c in r.checks]

    @property
    def errors(self) -> list:
        return [r for r in self.results if r.error is not None]

    @property
    def passed(self) -> bool:
        return not self.errors and all(c.passed for c in self.checks)

    @property
    def exit_code(self) -> ExitCode:
        """2 if any spec, budget or baseline was bad; else 1 if any limit was exceeded; else 0."""
        if self.errors:
            return ExitCode.BAD_INPUT
        return ExitCode.OK if self.passed else ExitCode.BUDGET_EXCEEDED


# ----------------------------------------------------------------------------- limits from YAML

def limits_from_mapping(mapping, source: str, origin: str, where: Location) -> dict:
    """Validate a `{metric: limit}` mapping (a spec's budget, a budget-file entry) into Limits."""
    if not isinstance(mapping, LocDict):
        raise SpecError(f"{origin}: limits are a mapping such as {{params: 25M, macs: 4.1G}}", where)
    limits = {}
    for key, value in mapping.items():
        loc = mapping.where(key)
        if key not in BUDGET_KEYS:
            raise SpecError(f"unknown budget key '{key}'{did_you_mean(key, BUDGET_KEYS)}; budget keys are "
                            f"{', '.join(BUDGET_KEYS)}", loc)
        try:
            amount = units.parse(value, BY_KEY[key].kind, key)
        except units.UnitError as err:
            raise SpecError(str(err), loc) from None
        if loc.line is None:
            text = origin
        elif source == SPEC_BUDGET:
            text = f"{origin}, line {loc.line}"
        else:
            text = f"{origin}:{loc.line}"
        limits[key] = Limit(key, amount, source, text, loc)
    return limits


def spec_limits(spec) -> dict:
    """The limits of a spec's own `budget:` block (empty without one); a bad budget is a SpecError."""
    if spec.budget is None:
        return {}
    return limits_from_mapping(spec.budget, SPEC_BUDGET, "spec budget", spec.budget.loc)


# ----------------------------------------------------------------------------- the run

@record
class Request:
    specs: tuple                                # spec paths as given ('-': standard input)
    option_limits: dict = field(default_factory=dict)      # metric → Limit (source OPTION)
    budget_file: Optional["BudgetFile"] = None
    baseline: Optional[str] = None              # a spec file, or a folder of specs at the same paths
    increases: dict = field(default_factory=dict)          # metric → Fraction
    named_increases: frozenset = frozenset()    # the metrics whose increase is given by name ('params=2%')
    increase_text: dict = field(default_factory=dict)      # metric → '5%' as written
    dtype: str = "float32"
    batch: int = 1
    input_shape: Optional[tuple] = None
    read_limits: ReadLimits = ReadLimits()
    skip_non_specs: bool = False
    settings: Settings = Settings()             # in place, training, optimizer, precision, device
    overrides: dict = field(default_factory=dict)  # the specs' arguments set by --set (the baseline's too)


def _baseline_path(baseline: str, spec: str) -> Optional[str]:
    if not os.path.isdir(baseline):
        return baseline
    relative = os.path.relpath(spec)
    if relative.startswith("..") or os.path.isabs(relative):
        raise SpecError(f"the spec is outside the working directory, so it has no path under the baseline "
                        f"folder {baseline}", Location(spec))
    candidate = os.path.join(baseline, relative)
    return candidate if os.path.isfile(candidate) else None


def _analyze(path: str, request: Request, stdin) -> tuple:
    spec = read_spec(path, request.input_shape, request.read_limits, stdin=stdin, overrides=request.overrides)
    return analyze(spec, dtype=request.dtype, batch=request.batch), spec


def needed_settings(settings: Settings, keys) -> Settings:
    """``settings``, with training memory counted when a limit on one of the metrics ``keys`` needs it (check
    counts it when asked, --training, or when a limit needs it, never otherwise), and an arena planned, by
    TF-Lite Micro's greedy-by-size unless --planner names another, when a limit on the arena needs one."""
    if not settings.training and any(BY_KEY[key].needs == "training" for key in keys):
        settings = replace(settings, training=True)
    if settings.planner is None and any(BY_KEY[key].needs == "planner" for key in keys):
        from cnncalc.planner import GREEDY_BY_SIZE
        settings = replace(settings, planner=GREEDY_BY_SIZE)
    return settings


def check_one(path: str, request: Request, stdin=None) -> SpecResult:
    if request.skip_non_specs and path != "-" and not path.lower().endswith(".onnx") and \
            not is_spec(path, request.read_limits.max_bytes):
        return SpecResult(path, skipped="not a cnncalc spec (no 'layers')")
    report, spec = _analyze(path, request, stdin)
    limits: dict = {}
    if spec.budget is not None:
        limits.update(spec_limits(spec))
    if request.budget_file is not None and path != "-":
        limits.update(request.budget_file.limits_for(path))
    limits.update(request.option_limits)
    # a plain --max-increase covers training memory only when asked for (--training), as it covers latency
    # only with --device; an increase given for training memory itself ('training_memory=2%') needs it
    increases = {key: fraction for key, fraction in request.increases.items()
                 if key in request.named_increases or BY_KEY[key].needs != "training" or request.settings.training}
    settings = needed_settings(request.settings, list(limits) + list(increases))
    figures = Figures(report, spec.graph, settings)

    increase_limits: dict = {}
    notes = []
    if request.baseline is not None and increases:
        base_path = _baseline_path(request.baseline, path)
        if base_path is None:
            notes.append(f"no baseline for {path} in {request.baseline}: a new spec, its increase is not checked")
        else:
            base_report, base_spec = _analyze(base_path, request, None)
            base_figures = Figures(base_report, base_spec.graph, settings)
            for key, fraction in increases.items():
                base_value = BY_KEY[key].get(base_figures)
                if base_value is None:            # latency without --device: not computed, not checked
                    continue
                allowed = base_value * (1 + fraction)
                if BY_KEY[key].kind != units.SECONDS:
                    allowed = allowed.numerator // allowed.denominator
                increase_limits[key] = Limit(
                    key, allowed, BASELINE,
                    f"baseline {base_path} +{request.increase_text.get(key, '')}".rstrip(),
                    None, base_value, fraction)
    if not limits and not increase_limits:
        raise SpecError("no limits to check: give --max-... options, a 'budget:' block in the spec, a --budget "
                        "file entry that matches it, or --baseline with --max-increase", Location(path))
    return check_figures(path, report.name, figures, limits, increase_limits, tuple(notes))


def check_figures(path: str, name: str, figures: Figures, limits: dict, increase_limits: Optional[dict] = None,
                  notes: tuple = ()) -> SpecResult:
    """One spec's figures against its limits (metric → Limit; ``increase_limits`` those from a baseline)."""
    increase_limits = increase_limits or {}
    for key, limit in limits.items():
        if BY_KEY[key].needs == "device" and figures.settings.device is None:
            raise SpecError(f"a limit on {key} ({limit.origin}) needs a device: give --device NAME or FILE "
                            f"(cnncalc devices lists the shipped profiles)", limit.location or Location(path))
    checks = []
    for key in BUDGET_KEYS:
        if key not in limits and key not in increase_limits:
            continue
        actual = BY_KEY[key].get(figures)
        for source in (limits, increase_limits):
            if key in source:
                checks.append(BudgetResult(path, key, actual, source[key]))
    over = [c for c in checks if c.metric == "peak_memory" and not c.passed]
    # the search tries up to 64 grids, each over every candidate cut: a few seconds for ResNet-50, so not past
    # PATCH_SEARCH_LAYERS layers (a spec that large gets no note)
    if over and figures.settings.patches is None and figures.graph is not None \
            and len(figures.analysed.rows) <= PATCH_SEARCH_LAYERS:
        notes = notes + _patches_that_fit(figures, min(c.limit.value for c in over))
    return SpecResult(path, name, tuple(checks), notes=notes)


PATCH_SEARCH_LAYERS = 1_000


def _patches_that_fit(figures: Figures, limit: int) -> tuple:
    """A note naming the smallest patch grid, and its cut, under which the peak fits ``limit`` (patch-based
    inference, cnncalc.patches), when one does."""
    from cnncalc.patches import PatchError, smallest_fitting, streamed
    s = figures.settings
    try:
        found = smallest_fitting(figures.graph, limit, figures.analysed, in_place=figures._in_place(),
                                 stream=streamed(s.patch_input, s.runtime))
    except PatchError:
        return ()
    if found is None:
        return ()
    grid = "x".join(map(str, found.grid))
    how = " (the input streamed, one tile per patch)" if found.input_streamed else ""
    # a runtime whose patch_input rule streams runs patch by patch itself; the others do not
    runner = "" if streamed("runtime", s.runtime) else " (MCUNetV2's; TinyEngine runs it)"
    return (f"the peak fits with patch-based inference{runner}{how}: --patches {grid} --patch-until {found.cut} "
            f"(peak {found.peak_bytes:,} B, {found.extra_macs:,} more MACs for the recomputed halos)",)


def run(request: Request, stdin=None, on_result: Optional[Callable[[SpecResult], None]] = None) -> CheckRun:
    """Check every spec; a bad spec is recorded as an error and the others are still checked. ``on_result``
    is called with each spec's result as soon as it is known (the CLI prints it then)."""
    from time import perf_counter

    results = []
    for path in request.specs:
        started = perf_counter()
        try:
            result = check_one(path, request, stdin)
        except SpecError as err:
            result = SpecResult(path, error=err)
        except RecursionError:
            result = SpecResult(path, error=SpecError("the spec is nested too deeply to analyse", Location(path)))
        result = replace(result, seconds=perf_counter() - started)
        results.append(result)
        if on_result is not None:
            on_result(result)
    runtime = request.settings.runtime
    return CheckRun(tuple(results), request.dtype, request.batch,
                    runtime="eager" if runtime is None else runtime.name)
