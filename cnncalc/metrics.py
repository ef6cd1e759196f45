"""The whole-network figures that `compare` shows and `check` limits: one table, read from a spec's
:class:`Figures` (its Analysis, and the peak memory, training memory and latency computed from it on demand)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Optional

from cnncalc.analysis import DTYPE_BITS, Analysis
from cnncalc.errors import SpecError
from cnncalc.record import record
from cnncalc.units import BYTES, COUNT, SECONDS

if TYPE_CHECKING:
    from cnncalc.devices import Device
    from cnncalc.runtimes import Runtime


@record
class Settings:
    """How the figures beyond the Analysis are computed (docs/conventions.md, "Peak memory, training memory
    and latency"). ``training`` False: no training memory; ``device`` None: no latency estimate."""
    in_place: bool = False            # peak memory with the runtime's in-place layers (off by default)
    training: bool = False
    optimizer: str = "adam"
    precision: str = "fp32"
    device: Optional["Device"] = None
    patches: Optional[tuple] = None   # a patch grid (count per spatial axis): patch-based inference
    patch_until: Optional[str] = None  # its cut; None: the one of least peak
    patch_input: str = "runtime"      # resident | streamed | runtime (the runtime's rule; eager: resident)
    planner: Optional[str] = None     # the memory planner of the arena (cnncalc.planner); None: no arena
    runtime: Optional["Runtime"] = None   # the runtime whose deployed graph the figures describe; None: eager


class Figures:
    """One analysed spec and the figures computed from it, each on first use. ``graph`` (the spec's)
    gives the layer types' rules (in place, saved for backward); without it, in place is off and there is
    no training memory. :meth:`shown_as` keeps the figures of the whole network and shows another report
    (its blocks folded by ``analyze --depth``)."""

    def __init__(self, report: Analysis, graph=None, settings: Settings = Settings()):
        self.trained = report, graph  # the network as written: what training memory counts, whatever runtime
        if settings.runtime is not None and graph is not None:    # the deployed network (cnncalc.deploy)
            from cnncalc.deploy import deploy
            report, graph = deploy(report, graph, settings.runtime)
        self.report = report          # what the renderers show
        self.analysed = report        # what the figures are computed from
        self.graph = graph
        self.settings = settings
        self._cache: dict = {}

    def shown_as(self, report: Analysis) -> "Figures":
        """The same figures, with ``report`` (the same network, its rows grouped) shown."""
        import copy
        other = copy.copy(self)       # the same cache, deployed graph and settings
        other.report = report
        return other

    def _once(self, key: str, make: Callable[[], object]):
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def _in_place(self):
        """Which layers write into an input: with --in-place the runtimes' rule (the deployed graph's in-place
        layers included), else those the deployment runs in place (in-place depthwise), else none. The peak,
        the arena and the patch schedule read the same predicate."""
        from cnncalc import peak
        graph = self.graph
        if graph is not None and self.settings.in_place:
            return peak.runtime_in_place(graph)
        if graph is not None and graph.in_place:
            return peak.deployed_in_place(graph)
        return None

    def _problem(self):
        from cnncalc import peak
        m = self.analysed.memory
        return self._once("problem", lambda: peak.problem_of_report(
            self.analysed, m.batch, DTYPE_BITS[m.dtype], in_place=self._in_place()))

    @property
    def peak(self):
        """Peak memory at inference in the spec's order (a cnncalc.peak.Peak)."""
        from cnncalc import peak
        return self._once("peak", lambda: peak.peak_in_order(self._problem()))

    @property
    def minimum_peak(self):
        """Peak memory in a memory-minimising order (exact search or the heuristic; ``method`` says)."""
        from cnncalc import peak
        return self._once("minimum", lambda: peak.minimum_peak(self._problem(), self.peak))

    @property
    def patches(self):
        """The patch schedule (a cnncalc.patches.PatchSchedule) with --patches, else None; a grid or cut that
        cannot work is a cnncalc.patches.PatchError."""
        s, grid = self.settings, self.settings.patches
        if grid is None or self.graph is None:
            return None
        from cnncalc import patches, peak
        test, streamed = self._in_place(), patches.streamed(s.patch_input, s.runtime)
        return self._once("patches", lambda: patches.patch_schedule(self.graph, grid, s.patch_until, self.analysed,
                                                                   test, streamed))

    @property
    def arena(self):
        """The activation memory planned in one arena (a cnncalc.planner.Plan) by --planner, or the runtime's
        planner (tflite-micro: greedy-by-size), in the spec's order; None without a planner."""
        s, name = self.settings, self.settings.planner
        if name is None and s.runtime is not None:          # the runtime's own planner, when it names one
            from cnncalc.planner import PLANNERS
            name = s.runtime.value("planner") if s.runtime.value("planner") in PLANNERS else None
        if name is None:
            return None
        from cnncalc import planner
        m = self.analysed.memory
        test = self._in_place()
        runtime, scratch = s.runtime, self.scratch
        alignment = runtime.value("alignment") if runtime is not None else 1
        from cnncalc.scratch import OPERATOR
        extra = {x.layer: x.bytes for x in scratch.layers} if scratch is not None and \
            scratch.placement == OPERATOR else {}
        return self._once("arena", lambda: planner.plan_of(self.analysed, planner.SPEC, name,
                                                           DTYPE_BITS[m.dtype], m.batch, test, alignment, extra))

    @property
    def scratch(self):
        """The runtime's scratch buffers (a cnncalc.scratch.Scratch), or None without a runtime that has any."""
        runtime = self.settings.runtime
        if runtime is None or runtime.value("scratch") == "none" or self.graph is None:
            return None
        from cnncalc.scratch import scratch_of
        return self._once("scratch", lambda: scratch_of(self.analysed, self.graph, runtime.value("scratch")))

    @property
    def ram(self) -> int:
        """The RAM of inference (cnncalc.scratch): the activations as the runtime holds them (the arena when
        a planner lays them out, else the peak; the patch schedule's with --patches) plus its scratch."""
        plan, scratch = self.arena, self.scratch
        if plan is not None:
            return plan.arena_bytes          # the planner placed the per-operator scratch too
        schedule = self.patches
        if scratch is None or not scratch.counted:
            return self.peak.peak_bytes if schedule is None else schedule.peak_bytes
        from cnncalc.scratch import OPERATOR, ram_bytes
        if schedule is not None:             # the scratch of whole layers: tiles need no more
            largest = scratch.largest
            extra = scratch.static_bytes if scratch.placement != OPERATOR else largest.bytes if largest else 0
            return schedule.peak_bytes + extra
        peak = self.peak
        return ram_bytes(scratch, peak.order, peak.step_bytes)

    @property
    def flash(self) -> int:
        """The weights as the runtime stores them (cnncalc.scratch.flash_bytes)."""
        from cnncalc.scratch import flash_bytes
        graph = self.graph
        if graph is None:                     # no layer types to ask: parameters and state at the dtype
            return self.analysed.memory.param_bytes
        return self._once("flash", lambda: flash_bytes(self.analysed, graph))

    @property
    def training(self):
        """Training memory (a cnncalc.training.TrainingMemory), or None when not asked for."""
        report, graph = self.trained
        if not self.settings.training or graph is None:
            return None
        from cnncalc import training
        s = self.settings
        return self._once("training", lambda: training.training_memory(
            report, training.layer_saves(graph, report), report.memory.batch, s.optimizer, s.precision))

    def bound_network(self):
        """The runtime the bound assumes and the (analysis, graph) it is computed on: --runtime's deployed
        network, or with eager (the default) the device's own runtime's (the first of its ``runtimes``).
        A runtime that does not run on the device is a SpecError naming the ones that do."""
        device, runtime = self.settings.device, self.settings.runtime
        assert device is not None
        name = runtime.name if runtime is not None else device.runtimes[0]
        if name not in device.runtimes:
            raise SpecError(f"the runtime '{name}' does not run on the device '{device.name}'; runtimes on it: "
                            f"{', '.join(device.runtimes)} (give one with --runtime)")
        if runtime is not None or name == "eager" or self.trained[1] is None:
            return ("eager" if runtime is None else name), self.analysed, self.graph
        from cnncalc import runtimes
        from cnncalc.deploy import deploy
        report, graph = deploy(*self.trained, runtimes.load(name))
        return name, report, graph

    @property
    def roofline(self):
        """The roofline bound on the device (a cnncalc.roofline.Roofline), or None without a device."""
        if self.settings.device is None:
            return None
        from cnncalc import roofline

        def make():
            name, report, graph = self.bound_network()
            m = report.memory
            return roofline.estimate(report, self.settings.device, m.dtype, m.batch, graph, name)
        return self._once("roofline", make)

    @property
    def estimate(self):
        """The latency estimate beside the bound (a cnncalc.estimate.Estimate), or None without a device or
        when the device gives no efficiencies."""
        bound = self.roofline
        if bound is None:
            return None
        from cnncalc import estimate
        return self._once("estimate", lambda: estimate.estimate(bound, self.settings.device))


def _training_total(f: Figures) -> Optional[int]:
    t = f.training
    return None if t is None else t.total_bytes


def _peak_bytes(f: Figures) -> int:
    schedule = f.patches
    return f.peak.peak_bytes if schedule is None else schedule.peak_bytes


def _arena_bytes(f: Figures) -> Optional[int]:
    plan = f.arena
    return None if plan is None else plan.arena_bytes


def _latency(f: Figures):
    r = f.roofline
    return None if r is None else r.seconds


@record
class Metric:
    key: str                          # the name in budgets, JSON and --max-increase (params, macs, ...)
    label: str                        # for people
    kind: str                         # units.COUNT, units.BYTES or units.SECONDS
    get: Callable[[Figures], Any]     # an exact int (a Fraction for seconds); None when not computed
    budget: bool = True               # may be limited by `check`
    needs: str = ""                   # what it needs beyond the spec: 'device' (--device) or 'training'


METRICS = (
    Metric("params", "parameters", COUNT, lambda f: f.report.totals.params),
    Metric("trainable_params", "trainable parameters", COUNT, lambda f: f.report.totals.trainable_params),
    Metric("non_trainable_params", "non-trainable parameters", COUNT,
           lambda f: f.report.totals.non_trainable_params, budget=False),
    Metric("state", "state (BN running stats)", COUNT, lambda f: f.report.totals.state, budget=False),
    Metric("macs", "MACs", COUNT, lambda f: f.report.totals.macs),
    Metric("flops", "FLOPs", COUNT, lambda f: f.report.totals.flops),
    Metric("param_memory", "parameter memory", BYTES, lambda f: f.report.memory.param_bytes),
    Metric("activation_memory", "activation memory", BYTES, lambda f: f.report.memory.activation_bytes),
    Metric("peak_memory", "peak memory (spec order; with --patches the patch schedule's)", BYTES, _peak_bytes),
    Metric("min_peak_memory", "peak memory (minimising order)", BYTES, lambda f: f.minimum_peak.peak_bytes),
    Metric("arena", "arena (activation memory as a planner lays it out, --planner)", BYTES, _arena_bytes,
           needs="planner"),
    Metric("ram", "RAM (activations as the runtime holds them + its scratch buffers)", BYTES, lambda f: f.ram),
    Metric("flash", "flash (the weights as the runtime stores them)", BYTES, lambda f: f.flash),
    Metric("training_memory", "training memory", BYTES, _training_total, needs="training"),
    Metric("latency", "latency (roofline lower bound)", SECONDS, _latency, needs="device"),
)

BY_KEY = {m.key: m for m in METRICS}
BUDGET_KEYS = tuple(m.key for m in METRICS if m.budget)
