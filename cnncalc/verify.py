"""Execute a spec in numpy and hold the analysis to what the execution shows. Pure data, no printing.

Two runs of the graph (docs/verify.md):

1. **numeric**: random weights and a random input, batch 1; every node's executed output shape is compared
   with the analysed one;
2. **structural**: a batch of probes, one per input coordinate per spatial axis (probe (a, i) marks with 1
   every input element whose coordinate on axis a is i), plus an all-zero probe; every weight is one and
   every bias zero, and each node's output is reduced to 0/1 (non-zero = depends on the probe). For every
   output unit this gives, per axis, the set of input coordinates that can change it; it is compared with
   the unit's analytic receptive field.

Whether the spec can be executed at all is decided first, before anything runs: every type needs an
executor, and the cost model (:mod:`cnncalc.verifycost`) refuses a spec too large to execute; either way the
reason is a value in :attr:`VerifyResult.unexecutable`.

numpy is imported here and only here (and in :mod:`cnncalc.execute`), so ``cnncalc analyze`` never loads it.
"""

from __future__ import annotations

import math
from enum import Enum
from fractions import Fraction
from typing import Any, Callable, Optional, Protocol

import numpy as np

from cnncalc.analysis import Analysis, analyze
from cnncalc.execute import Context, executor_for
from cnncalc.record import record, replace
from cnncalc.rf import AxisRF
from cnncalc.rf import unit as unit_field
from cnncalc.spec import Spec
from cnncalc.verifycost import (MAX_LAYER_WEIGHTS, MAX_PROBE_ELEMENTS, MAX_WORK, NoExecutor, TrySmaller,
                                Unexecutable, probes_per_run, size_limits, suggest_input)

AGREE, MISMATCH, UNVERIFIABLE = "agree", "mismatch", "unverifiable"
# receptive-field status of one node
RF_AGREE, RF_MISMATCH, RF_UNKNOWN, RF_NOT_COMPARED = "agree", "mismatch", "unknown", "not compared"

MAX_PROBLEMS_PER_AXIS = 3        # mismatching units listed per node and axis; the rest are counted


def axis_names(ndim: int) -> tuple:
    return {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}.get(ndim, tuple(f"axis{i}" for i in range(ndim)))


@record
class AxisMeasure:
    """What the structural run showed on one input axis, for display.

    ``size``: positions spanned (first to last) by a unit whose analytic field lies wholly inside the
    input; ``stride``: the distance between the first positions of two neighbouring such units; ``first``
    and ``last``: the first and last positions unit 0 depends on. None where no unit qualifies."""
    size: Optional[int]
    stride: Optional[int]
    first: Optional[int]
    last: Optional[int]


class Skip(Enum):
    """Why a layer's receptive field was not compared (render/verify.py says it in words)."""
    NOT_EXECUTED = "not_executed"        # the numeric run stopped before this layer (NodeCheck.stopped)
    SHAPES_DISAGREE = "shapes_disagree"  # its executed output shape is not the analysed one
    STOPPED = "stopped"                  # executed, but the run stopped at a later layer: no structural run
    NO_SPATIAL_AXES = "no_spatial_axes"  # the network's input has no spatial axes: no field to measure
    OTHER_AXES = "other_axes"            # its output's spatial axes do not line up with the input's
    UNKNOWN_FIELD = "unknown_field"      # the analysis reports the field as unknown (rf_status RF_UNKNOWN)


@record
class Stop:
    """Where the numeric run stopped: layer ``layer`` could not run after an earlier shape disagreement
    (``error``: numpy's message)."""
    layer: str
    error: str


@record
class NodeCheck:
    name: str
    type: str
    label: str
    analytic_shape: tuple
    executed_shape: Optional[tuple]        # None: not executed (stopped after an earlier mismatch)
    analytic_rf: tuple                     # rf.AxisRF per spatial axis of the network input
    rf_status: str                         # RF_AGREE | RF_MISMATCH | RF_UNKNOWN | RF_NOT_COMPARED
    rf_units: int = 0                      # (axis, unit) pairs compared
    measured: tuple = ()                   # AxisMeasure per axis, when measured
    problems: tuple = ()                   # one sentence per disagreement
    skipped: Optional[Skip] = None         # why the field was not compared
    stopped: Optional[Stop] = None         # with Skip.NOT_EXECUTED and Skip.STOPPED: where the run stopped

    @property
    def shape_ok(self) -> bool:
        return self.executed_shape is not None and tuple(self.executed_shape) == tuple(self.analytic_shape)

    @property
    def ok(self) -> bool:
        return self.shape_ok and self.rf_status != RF_MISMATCH


@record
class VerifyResult:
    name: str
    source: str
    input_shape: tuple
    seed: int
    nodes: tuple = ()                      # NodeCheck, in topological order
    unexecutable: tuple = ()               # verifycost.Unexecutable: why it cannot run (nothing was run)
    probes: int = 0                        # structural probes (input coordinates summed over the axes)
    runs: int = 0                          # structural runs of the graph the probes were split into

    @property
    def status(self) -> str:
        if self.unexecutable:
            return UNVERIFIABLE
        return AGREE if all(node.ok for node in self.nodes) else MISMATCH

    @property
    def mismatches(self) -> list:
        return [node for node in self.nodes if not node.ok]


class Progress(Protocol):
    def start(self, total: int) -> None: ...
    def advance(self, description: str) -> None: ...


class _Silent:
    def start(self, total: int) -> None:
        pass

    def advance(self, description: str) -> None:
        pass


def verify(spec: Spec, report: Optional[Analysis] = None, seed: int = 0, progress: Optional[Progress] = None,
           max_probe_elements: int = MAX_PROBE_ELEMENTS, max_work: int = MAX_WORK,
           max_layer_weights: int = MAX_LAYER_WEIGHTS,
           rebuild: Optional[Callable[[tuple], Spec]] = None) -> VerifyResult:
    """Execute ``spec`` and compare every node's shape and receptive field with ``report`` (its analysis).

    A spec too large to execute (one layer's weights beyond ``max_layer_weights``, one example's largest
    tensor, the structural tables, or the total work ``max_work``) is reported unverifiable, before anything
    runs. With ``rebuild`` (the spec built for another input shape) the refusal names the largest --input
    of the same proportions that would be verified, or says why none would (suggest_input)."""
    report = report if report is not None else analyze(spec)
    progress = progress or _Silent()
    order = spec.graph.topological_order()
    input_shape = tuple(spec.input_shape)
    base: dict[str, Any] = dict(name=spec.name, source=spec.source, input_shape=input_shape, seed=seed)
    rows = {row.name: row for row in report.rows}
    missing = tuple(Unexecutable(node.name, node.layer.type_name, NoExecutor(node.layer.type_name))
                    for node in order if executor_for(node.layer.type_name) is None)
    if missing:
        return VerifyResult(**base, unexecutable=missing)
    limits = dict(max_probe_elements=max_probe_elements, max_work=max_work, max_layer_weights=max_layer_weights)
    too_large = size_limits(report, input_shape, **limits)
    if too_large:
        hint = (suggest_input(rebuild, input_shape, too_large, **limits) if rebuild is not None
                else TrySmaller(input_shape))
        return VerifyResult(**base, unexecutable=tuple(replace(u, hint=hint) for u in too_large))

    spatial = input_shape[1:]
    chunk = probes_per_run(report, max_probe_elements)
    probes = [(axis, i) for axis, n in enumerate(spatial) for i in range(n)]
    chunks = [probes[i:i + chunk] for i in range(0, len(probes), chunk)]
    progress.start(len(order) * (1 + len(chunks)))

    executed, stopped = _numeric_run(order, rows, input_shape, seed, progress)
    measured = {}
    if spatial and stopped is None:
        measured = _structural_runs(order, rows, input_shape, chunks, progress)

    envelopes = _envelopes(order, rows)
    checks = []
    for node in order:
        row = rows[node.name]
        shape = executed.get(node.name)
        common = dict(name=node.name, type=node.layer.type_name, label=row.label,
                      analytic_shape=tuple(row.output_shape), executed_shape=shape, analytic_rf=tuple(row.rf))
        if shape is None:
            checks.append(NodeCheck(**common, rf_status=RF_NOT_COMPARED, skipped=Skip.NOT_EXECUTED, stopped=stopped))
        elif shape != tuple(row.output_shape):
            checks.append(NodeCheck(**common, rf_status=RF_NOT_COMPARED,
                                    problems=(f"output shape: analysed {list(row.output_shape)}, "
                                              f"executed {list(shape)}",),
                                    skipped=Skip.SHAPES_DISAGREE))
        else:
            checks.append(_compare_node(common, row, measured.get(node.name), spatial, stopped,
                                        envelopes[node.name]))
    return VerifyResult(**base, nodes=tuple(checks), probes=len(probes), runs=len(chunks) if spatial else 0)


# ----------------------------------------------------------------------------- the runs

def _readers(order) -> dict:
    count = {node.name: 0 for node in order}
    for node in order:
        for source in set(node.inputs):
            count[source] += 1
    return count


def executor_of(layer):
    """The executor of a layer whose type has one (verify and the patch run refuse the others before running
    anything)."""
    executor = executor_for(layer.type_name)
    assert executor is not None
    return executor


def _execute(order, ctx: Context, x: np.ndarray, progress: Progress, visit, label: str):
    """Run the graph once; ``visit(node, output)`` sees each node's output, which is then released as
    soon as its last reader has run. Returns (node → output shape, None) or (shapes so far, Stop)
    when a layer could not be executed after an earlier shape disagreement."""
    values: dict[str, np.ndarray] = {}
    shapes_: dict[str, tuple] = {}
    tied = {node.name: node.shares for node in order if node.shares}      # 'share:': one set of weights
    tied.update({owner: owner for owner in tied.values()})
    waiting = _readers(order)
    for node in order:
        inputs = [values[name] for name in node.inputs] if node.inputs else [x]
        try:
            out = ctx.run(executor_of(node.layer), node.layer, inputs, tied.get(node.name, ""))
        except (ValueError, IndexError) as err:
            if visit.disagreed:
                return shapes_, Stop(node.name, str(err))
            raise
        out = visit(node, out, inputs)
        shapes_[node.name] = tuple(out.shape[1:])
        values[node.name] = out
        for name in set(node.inputs):
            waiting[name] -= 1
            if waiting[name] == 0 and name != node.name:
                del values[name]
        progress.advance(f"{label} {node.name}")
    return shapes_, None


class _ShapeVisit:
    def __init__(self, rows):
        self.rows, self.disagreed = rows, False

    def __call__(self, node, out, inputs):
        if tuple(out.shape[1:]) != tuple(self.rows[node.name].output_shape):
            self.disagreed = True
        return out


def _numeric_run(order, rows, input_shape, seed, progress):
    ctx = Context(structural=False, seed=seed)
    x = ctx.rng.standard_normal((1, *input_shape))
    return _execute(order, ctx, x, progress, _ShapeVisit(rows), "executing")


class _StructuralVisit:
    """Binarises each output and records, per node and axis, which probed coordinates reach which units."""

    def __init__(self, rows, spatial, chunk, measured, ctx):
        self.rows, self.spatial, self.chunk, self.measured, self.ctx = rows, spatial, chunk, measured, ctx
        self.disagreed = False

    def __call__(self, node, out, inputs):
        if np.any(out[0] != 0):
            raise RuntimeError(f"the executor of '{node.layer.type_name}' (layer '{node.name}') turns an all-zero "
                               f"input into a non-zero output in the structural run; see cnncalc/execute/__init__.py")
        broken = union_rule(node.layer, inputs, out, self.ctx)
        if broken:
            raise RuntimeError(f"the structural run of '{node.layer.type_name}' (layer '{node.name}') loses "
                               f"dependencies: {broken}. A product of 0/1 values is non-zero only where both "
                               f"factors are: declare a structural function built from sums (structural= in "
                               f"its executes(); cnncalc/execute/__init__.py, docs/adding-a-layer.md)")
        hit = out != 0
        ndim = len(self.spatial)
        if hit.ndim == ndim + 2:            # [B, C, *spatial]: a unit is a spatial position, all channels
            units = hit.any(axis=1)
            per_unit = True
        elif hit.ndim == 2:                 # [B, N]: the unit is element 0, or the whole vector (spp)
            whole = getattr(executor_for(node.layer.type_name), "flat_unit", "element") == "vector"
            units = hit.any(axis=1, keepdims=True) if whole else hit[:, :1]
            per_unit = False
        else:
            return hit.astype(np.float32)
        deps = self.measured.setdefault(node.name, [None] * ndim)
        for axis in range(ndim):
            rows = [b for b, (a, _) in enumerate(self.chunk, start=1) if a == axis]
            if not rows:
                continue
            coords = [self.chunk[b - 1][1] for b in rows]
            sel = units[rows]
            if per_unit:
                others = tuple(1 + k for k in range(ndim) if k != axis)
                sel = sel.any(axis=others) if others else sel
            if deps[axis] is None:
                deps[axis] = np.zeros((self.spatial[axis], sel.shape[1]), dtype=bool)
            deps[axis][coords] |= sel
        return hit.astype(np.float32)


def union_rule(layer, inputs: list, out: np.ndarray, ctx: Context) -> str:
    """What breaks the structural run's union rule for one layer, in words ('' when nothing does).

    A dependency is a union: the output positions that depend on some marked input are those that depend
    on one of them. So the structural output for the probes of a batch together (their inputs' maximum, a
    logical or) must be non-zero exactly where one of the probes' outputs is; and, with two or more inputs,
    exactly where the output for one input alone (the others zero) is. An executor that multiplies two
    functions of the input breaks it (cnncalc/execute/__init__.py). ``out`` is the batch's output, probe
    0 the all-zero one."""
    if out.shape[0] <= 2 and len(inputs) == 1:
        return ""                 # one probe and one input: nothing to unite
    executor = executor_of(layer)
    together_in = [x[1:].max(axis=0, keepdims=True) for x in inputs]
    together = ctx.run(executor, layer, together_in)[0] != 0
    if out.shape[0] > 2:
        each = (out[1:] != 0).any(axis=0)
        if together.shape != each.shape or np.any(together != each):
            return (f"the probes of a run together reach {int(together.sum())} output elements, one by one "
                    f"{int(each.sum())}")
    if len(inputs) > 1:
        alone = np.zeros(together.shape, dtype=bool)
        for k in range(len(inputs)):
            only = [x if j == k else np.zeros_like(x) for j, x in enumerate(together_in)]
            alone |= ctx.run(executor, layer, only)[0] != 0
        if np.any(alone != together):
            return (f"its inputs together reach {int(together.sum())} output elements, each alone (the others "
                    f"zero) {int(alone.sum())}")
    return ""


def _structural_runs(order, rows, input_shape, chunks, progress) -> dict:
    """node name → [bool array [input positions on axis a, units on axis a] per axis]."""
    measured: dict = {}
    spatial = input_shape[1:]
    for chunk in chunks:
        x = np.zeros((len(chunk) + 1, *input_shape), dtype=np.float32)
        for b, (axis, i) in enumerate(chunk, start=1):
            index: list[Any] = [b, slice(None)] + [slice(None)] * len(spatial)
            index[2 + axis] = i
            x[tuple(index)] = 1.0
        ctx = Context(structural=True)
        _execute(order, ctx, x, progress, _StructuralVisit(rows, spatial, chunk, measured, ctx), "probing")
    return measured


# ----------------------------------------------------------------------------- the comparison

def _envelopes(order, rows) -> dict:
    """{node: True} where the analysed field is an envelope rather than every unit's exact field.

    A window with a fractional stride, span or offset (transposed convolution, upsampling, adaptive pooling
    by a ratio that is not whole) is the tightest uniform window containing each unit's inputs; units'
    real fields sit inside it at varying places (docs/conventions.md), and every node downstream of one
    keeps that property, even where the composed numbers happen to be whole, so for them only containment
    is checked. The analysis says which fields are exact (rf.AxisRF.exact): a resizing layer whose every
    unit sees the whole of what the layer reads (cnncalc/rf.py, clamped fields) is exact again."""
    return {node.name: not all(a.exact for a in rows[node.name].rf) for node in order}


def _compare_node(common, row, deps, spatial, stopped, envelope: bool = False) -> NodeCheck:
    fields = tuple(row.rf)
    if not spatial:
        return NodeCheck(**common, rf_status=RF_NOT_COMPARED, skipped=Skip.NO_SPATIAL_AXES)
    if deps is None:
        return NodeCheck(**common, rf_status=RF_NOT_COMPARED, skipped=Skip.OTHER_AXES if stopped is None
                         else Skip.STOPPED, stopped=stopped)
    if not all(a.known for a in fields):
        return NodeCheck(**common, rf_status=RF_UNKNOWN, skipped=Skip.UNKNOWN_FIELD)
    problems, measures, units = [], [], 0
    anything = any(d.any() for d in deps)
    for axis, (a, dep) in enumerate(zip(fields, deps)):
        found, measure = compare_axis(a, dep, spatial[axis], anything, envelope)
        units += dep.shape[1]
        measures.append(measure)
        name = axis_names(len(spatial))[axis]
        problems += [f"axis {name}: {text}" for text in found]
    return NodeCheck(**common, rf_status=RF_MISMATCH if problems else RF_AGREE, rf_units=units,
                     measured=tuple(measures), problems=tuple(problems))


def _interval(field: tuple, fractional: bool):
    lo, hi = field
    return (math.floor(lo), math.ceil(hi)) if fractional else (lo, hi)


def compare_axis(a: AxisRF, dep: np.ndarray, n: int, anything: bool = True,
                 envelope: bool = False) -> tuple[list, AxisMeasure]:
    """Compare one axis: ``dep[i, u]`` is True when input coordinate ``i`` can change unit ``u``.

    Unit u's analytic field is [start + u·stride, start + u·stride + size), intersected with the bounds of a
    clamped field (cnncalc/rf.py; whose units do not move by the stride, so that is not compared). Rules (docs/verify.md):
    every measured position lies inside the field; an end of the field that lies inside the input is
    reached exactly (the first or last measured position); a field wholly inside the input is reached at
    all (unless the node depends on nothing at all, when every unit sees only padding on some axis). With a
    fractional start or stride, or an ``envelope`` field (see _envelopes), only the first rule applies, on
    the field rounded outwards.
    """
    fractional = envelope or (a.hull is None and any(isinstance(v, Fraction) for v in (a.size, a.stride, a.start)))
    assert a.known                                                            # only known fields are compared
    problems: list[str] = []
    starts: dict[int, int] = {}
    spans: dict[int, int] = {}
    bad = 0
    unit0: tuple[Optional[int], Optional[int]] = (None, None)
    for u in range(dep.shape[1]):
        positions = np.flatnonzero(dep[:, u])
        lo, hi = _interval(unit_field(a, u), fractional or a.hull is not None)
        first = int(positions[0]) if positions.size else None
        last = int(positions[-1]) if positions.size else None
        inside = lo >= 0 and hi <= n
        if u == 0:
            unit0 = (first, last)
        if first is not None and last is not None:
            starts[u] = first
            if inside:
                spans[u] = last - first + 1
        wrong = []
        if first is not None and (first < lo or last >= hi):
            wrong.append("reaches outside it")
        if not fractional:
            if first is None:
                if inside and anything:
                    wrong.append("depends on no input position")
            else:
                if 0 <= lo < n and first != lo:
                    wrong.append(f"first position {first}, not {lo}")
                if 0 < hi <= n and last != hi - 1:
                    wrong.append(f"last position {last}, not {hi - 1}")
        if wrong:
            bad += 1
            if bad <= MAX_PROBLEMS_PER_AXIS:
                seen = f"{first}..{last}" if first is not None else "none"
                problems.append(f"unit {u}: analysed field {lo}..{hi - 1}, measured positions {seen}: "
                                + "; ".join(wrong))
    if bad > MAX_PROBLEMS_PER_AXIS:
        problems.append(f"and {bad - MAX_PROBLEMS_PER_AXIS} more units")
    inside_units = sorted(spans)
    stride = None
    for u in inside_units:
        if u + 1 in spans:
            stride = starts[u + 1] - starts[u]
            break
    if stride is not None and not fractional and a.hull is None and stride != a.stride:
        problems.append(f"effective stride: analysed {a.stride}, measured {stride}")
    measure = AxisMeasure(size=spans[inside_units[0]] if inside_units else None, stride=stride,
                          first=unit0[0], last=unit0[1])
    return problems, measure

