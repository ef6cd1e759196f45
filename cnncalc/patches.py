"""Patch-based inference (MCUNetV2: Lin, Chen, Lin, Gan and Han, NeurIPS 2021, §3): the network's first part,
up to a *cut* layer, runs one patch of the cut's output at a time; the rest runs whole from the cut's output.
Pure data, exact ints; the rule is written in docs/conventions.md, "Patch-based inference".

* **Tiles.** The grid (one count per spatial axis) splits the cut's output into equal patches (it must divide
  each axis exactly). Going back from the cut, each layer's *tile* for a patch is the output region its
  readers need: a window layer's output positions lo .. hi−1 need its input positions
  lo·s − p_b .. (hi−1)·s − p_b + span − 1, clipped to the input (the part outside is the layer's own padding,
  which only border tiles get); an element-wise layer or a merge needs the same positions of each input; a
  layer read by several takes the hull of what they need. Axes are independent: a tile is the product of
  one interval per axis.
* **Peak.** Patches run one after another in row-major order; within a patch the first part's layers run in
  the spec's order and their tiles live by peak.py's liveness rule (a tile from its layer's step to its last
  reader's in the same patch). The network input is *resident* by default: held whole (a tile of it is a
  view) from its step until its last reader has run in the last patch. *Streamed* (TinyEngine's patch stage,
  whose code generator sizes the first layer's input to the patch: tinyengine code_generator/InputResizer.py,
  PatchResizer), each patch reads its input tile from the sensor or flash, and the tile lives like any other
  tile. The cut writes its tile into the cut's whole output buffer,
  alive from the cut's step in the first patch on. Then the rest of the network runs from that buffer by
  peak.py as for the whole network. The peak is the largest sum over every step of both phases.
* **Halo MACs.** A layer's MACs on a tile are its MACs per output position (constant for window layers)
  times the tile's positions; the extra MACs are the sum over patches and first-part layers less the first
  part's own MACs. That is the halos computed again (the tiles' MACs less those of their union, ≥ 0) less the
  MACs of positions no tile covers (a window stride larger than the window skips positions nothing reads,
  which the whole run computes and the patches do not, ≥ 0).

With no cut given, every layer that can be one is tried (before the first layer that sees its whole input,
where every path to the output passes, and whose output the grid divides) and the least peak is chosen
(ties: fewer extra MACs, then the earlier layer).
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction
from typing import Callable, Optional, Sequence, Union

from cnncalc import peak as peakmod
from cnncalc.analysis import DTYPE_BITS, Analysis, analyze, bytes_for, infer_node
from cnncalc.errors import SpecError, did_you_mean
from cnncalc.graph import Graph
from cnncalc.layers.base import ELEMENTWISE, WHOLE, Window
from cnncalc.record import record, replace
from cnncalc.runtimes import PATCH_INPUTS
from cnncalc.shapes import product
from cnncalc.spec import Spec

GIVEN, LEAST_PEAK = "given", "least peak"
BY_RUNTIME, RESIDENT, STREAMED = PATCH_INPUTS      # --patch-input's words


def streamed(patch_input: str, runtime=None) -> bool:
    """Whether the patch phase reads the network input tile by tile: ``patch_input`` (--patch-input), where
    ``runtime`` (BY_RUNTIME) defers to the runtime profile's patch_input rule; eager: resident."""
    if patch_input == BY_RUNTIME:
        return runtime is not None and runtime.value("patch_input") == STREAMED
    return patch_input == STREAMED


class PatchError(SpecError):
    """A patch schedule that cannot be made: the grid, the cut, or a layer of the first part (named)."""


@record
class Tile:
    """One layer's part of one patch: ``region`` per spatial axis (first, one past the last output position)."""
    layer: str
    region: tuple
    shape: tuple              # (channels, *sizes)
    bytes: int                # at the dtype and batch
    macs: int


@record
class Patch:
    index: tuple              # its place in the grid, per axis
    tiles: tuple              # Tile per first-part layer, in order (the input's first: a view of the input)
    peak_bytes: int           # the most bytes alive during this patch (input and cut buffers included)
    peak_layer: str


@record
class PatchSchedule:
    grid: tuple
    cut: str
    chosen: str               # GIVEN, or LEAST_PEAK: the cut that minimises the peak among the candidates
    first_part: tuple         # layer names run patch by patch, in order (the input first, the cut last)
    rest: tuple               # the layers run whole after the cut
    patches: tuple            # Patch, row-major
    input_bytes: int          # the network input whole (held during the patch phase unless streamed)
    cut_bytes: int            # the cut's whole output buffer
    patch_peak_bytes: int     # the patch phase's peak
    patch_peak_at: tuple      # (patch index, layer) where it is first reached
    rest_peak_bytes: int      # the rest's peak (peak.py, from the cut's buffer)
    rest_peak_layer: str
    peak_bytes: int           # max of the two phases
    layer_bytes: int          # the largest single step of both phases (peak.largest_step): one layer's inputs and
    layer_at: str             # output alone, nothing held for a later reader; ≤ peak_bytes (MCUNet's accounting)
    whole_peak_bytes: int     # the same network run whole (peak.py, spec order), for comparison
    first_part_macs: int      # the first part's MACs run whole
    patched_macs: int         # Σ over patches of its tiles' MACs
    extra_macs: int           # patched_macs − first_part_macs = halo_macs − skipped_macs
    halo_macs: int            # MACs computed more than once: Σ over tiles less the MACs of their union, ≥ 0
    skipped_macs: int         # MACs of positions no tile covers (nothing after reads them), ≥ 0
    total_macs: int           # the network's MACs with the halos
    considered: tuple = ()    # (cut, peak_bytes, extra_macs) of every candidate tried, when chosen
    input_streamed: bool = False   # the input read one tile per patch (not held whole)

    @property
    def peak_layer(self) -> str:
        return self.patch_peak_at[1] if self.patch_peak_bytes >= self.rest_peak_bytes else self.rest_peak_layer


def parse_grid(text: str) -> tuple:
    """'4x4' (or 4×4) → (4, 4); '4' → (4,) for a 1-D network; each count a positive int."""
    parts = str(text).strip().lower().replace("×", "x").split("x")
    try:
        grid = tuple(int(p) for p in parts)
    except ValueError:
        grid = ()
    if not grid or any(n < 1 for n in grid) or len(grid) > 3:
        raise PatchError(f"a patch grid is a count per spatial axis such as 4x4 (rows x columns), got '{text}'")
    return grid


# ----------------------------------------------------------------------------- what each layer does to a tile

class _Net:
    """The analysed graph reduced to what tiling needs: per layer, its data inputs, its step (None for
    element-wise, else (spans, strides, offsets)) or why it cannot run on a tile."""

    def __init__(self, spec, report: Analysis):
        self.report = report
        self.rows = {row.name: row for row in report.rows}
        self.order = [row.name for row in report.rows]
        self.position = {name: i for i, name in enumerate(self.order)}
        self.nodes = getattr(spec, "graph", spec).nodes          # a Spec, or its Graph
        self.ndim = len(report.input_shape) - 1
        self.data: dict[str, tuple] = {}
        self.step: dict[str, Optional[tuple]] = {}
        self.why: dict[str, str] = {}          # the layer's own reason, if it cannot run on a tile
        self.blocked: dict[str, tuple] = {}    # (layer, reason) of the first such layer among it and its inputs
        for name in self.order:
            node = self.nodes[name]
            refs = len(node.layer.shape_references()) if node.layer.shape_refs else 0
            self.data[name] = tuple(node.inputs[:len(node.inputs) - refs])
            if node.inputs:
                self._classify(node)
            for u in node.inputs:
                if name not in self.blocked and u in self.blocked:
                    self.blocked[name] = self.blocked[u]
            if name in self.why and name not in self.blocked:
                self.blocked[name] = (name, self.why[name])
        self.readers: dict[str, list] = {name: [] for name in self.order}
        for name in self.order:
            for u in dict.fromkeys(self.nodes[name].inputs):
                self.readers[u].append(name)

    def _classify(self, node) -> None:
        name = node.name
        out = self.rows[name].output_shape
        ins = [self.rows[u].output_shape for u in node.inputs]
        if node.layer.arity is not None and len(self.data[name]) != node.layer.arity:
            # a deployed graph's layer that took in a residual add (runtime 'fused'): its tiles not modelled
            self.why[name] = "a residual add is fused into it (the deployed graph), which tiles do not model yet"
            return
        op = infer_node(node, ins)[0].rf
        if op == WHOLE:
            self.why[name] = "it sees its whole input (a global or dense layer)"
        elif len(out) != self.ndim + 1 or any(len(s) != self.ndim + 1 for s in ins):
            self.why[name] = "its output has no spatial axes of the input's (flattened or reshaped)"
        elif op == ELEMENTWISE:
            if node.layer.statistics_over_positions():
                self.why[name] = "it normalises by statistics over all positions"
            elif any(tuple(self.rows[u].output_shape[1:]) != tuple(out[1:]) for u in self.data[name]):
                self.why[name] = "it broadcasts an input of another spatial size"
            else:
                self.step[name] = None
        elif isinstance(op, Window) and op.reads is None and len(op.spans) == self.ndim and all(
                type(v) is int for v in (*op.spans, *op.strides, *op.offsets)):
            self.step[name] = (op.spans, op.strides, op.offsets)
        elif isinstance(op, Window):
            self.why[name] = "its windows are fractional or clamped (a resizing layer)"
        else:
            self.why[name] = "cnncalc does not know which input positions it reads"

    def ancestors(self, cut: str) -> set:
        seen = {cut}
        stack = [cut]
        while stack:
            for u in self.nodes[stack.pop()].inputs:
                if u not in seen:
                    seen.add(u)
                    stack.append(u)
        return seen

    def escaping(self, cut: str, part: set) -> Optional[tuple]:
        """(a layer after the cut, the first-part layer it reads) when the cut is not on every path, else None."""
        for name in self.order:
            if name in part:
                continue
            for u in self.nodes[name].inputs:
                if u in part and u != cut:
                    return name, u
        if self.report.output in part and self.report.output != cut:
            return self.report.output, self.report.output
        return None


def _needed(step: Optional[tuple], axis: int, lo: int, hi: int, extent: int) -> tuple:
    """The input positions [a, b) on ``axis`` (of ``extent``) that output positions lo .. hi−1 read."""
    if step is None:
        return lo, hi
    span, stride, offset = step[0][axis], step[1][axis], step[2][axis]
    return max(lo * stride + offset, 0), min((hi - 1) * stride + offset + span, extent)


class TileNeeds:
    """What running a layer on a tile reads (for the patch run, cnncalc/patchverify.py): ``steps[layer]``, None
    for an element-wise layer or its windows' (spans, strides, offsets)."""

    def __init__(self, net: "_Net"):
        self._net = net
        self.steps = net.step

    def input_region(self, layer: str, region: tuple, source: str) -> tuple:
        """The positions of ``source`` (an input of ``layer``) that ``layer``'s tile ``region`` reads."""
        shape = self._net.rows[source].output_shape
        return tuple(_needed(self.steps[layer], axis, lo, hi, shape[1 + axis]) for axis, (lo, hi) in enumerate(region))


def tile_needs(spec: Spec, report: Analysis, schedule: "PatchSchedule") -> TileNeeds:
    return TileNeeds(_Net(spec, report))


def _regions(net: _Net, part: list, cut: str, axis: int, count: int) -> list:
    """For each of ``count`` patches along ``axis``: {layer: (lo, hi)}, the output positions of its tile."""
    n = net.rows[cut].output_shape[1 + axis]
    size = n // count
    out = []
    for i in range(count):
        need = {cut: (i * size, (i + 1) * size)}
        for name in reversed(part):
            if name not in need or not net.nodes[name].inputs:
                continue
            lo, hi = need[name]
            step = net.step[name]
            for u in net.data[name]:
                a, b = _needed(step, axis, lo, hi, net.rows[u].output_shape[1 + axis])
                if u in need:
                    a, b = min(a, need[u][0]), max(b, need[u][1])
                need[u] = (a, b)
        out.append(need)
    return out


def _union(intervals: list) -> int:
    """How many positions the intervals [a, b) cover together."""
    total, end = 0, None
    for a, b in sorted(intervals):
        if end is None or a >= end:
            total, end = total + b - a, b
        elif b > end:
            total, end = total + b - end, b
    return total


def _tile_macs(row, sizes: tuple) -> int:
    positions = product(row.output_shape[1:])
    macs = Fraction(row.macs * product(sizes), positions)
    if macs.denominator != 1:
        raise PatchError(f"its {row.macs:,} MACs are not the same at each of its {positions:,} output positions",
                         layer=row.name)
    return int(macs)


def _schedule(net: _Net, grid: tuple, cut: str, in_place, chosen: str, whole_peak: int,
              stream: bool = False) -> PatchSchedule:
    report, rows = net.report, net.rows
    batch, bits = report.memory.batch, DTYPE_BITS[report.memory.dtype]

    def nbytes(elements: int) -> int:
        return -(-elements * batch * bits // 8)

    members = net.ancestors(cut)
    part = [name for name in net.order if name in members]
    rest = [name for name in net.order if name not in members]
    source = part[0]                                  # the network input: the one node without inputs
    per_axis = [_regions(net, part, cut, axis, count) for axis, count in enumerate(grid)]
    input_bytes, cut_bytes = nbytes(rows[source].activation_elements), nbytes(rows[cut].activation_elements)
    last_input_reader = max(i for i, name in enumerate(part) if source in net.nodes[name].inputs)
    indices = list(itertools.product(*(range(count) for count in grid)))
    patches = []
    patched_macs = 0
    best = -1
    best_at: tuple = ((), "")          # (patch index, layer)
    layer: tuple = (-1, "")            # (bytes, layer) of the largest single step
    problem_inputs = [rows[name].inputs for name in part]
    for k, index in enumerate(indices):
        tiles, sizes = [], []
        for name in part:
            region = tuple(per_axis[axis][i][name] for axis, i in enumerate(index))
            extents = tuple(b - a for a, b in region)
            shape = (rows[name].output_shape[0], *extents)
            macs = _tile_macs(rows[name], extents) if rows[name].macs else 0
            patched_macs += macs
            size = nbytes(product(shape))
            tiles.append(Tile(name, region, shape, size, macs))
            # a resident input's tile is a view of it; the cut writes into its whole buffer
            sizes.append(0 if name == cut or name == source and not stream else size)
        test = (lambda i: in_place(rows[part[i]])) if in_place else None
        problem = peakmod.Problem(part, problem_inputs, sizes, cut, test)
        steps = peakmod.peak_in_order(problem).step_bytes
        # one layer's own tensors: the cut writes its whole buffer, a resident input is there whole
        own = peakmod.largest_step(peakmod.Problem(part, problem_inputs, [
            cut_bytes if name == cut else input_bytes if name == source and not stream else size
            for name, size in zip(part, sizes)], cut, test))
        if own[0] > layer[0]:
            layer = own
        patch_best, patch_at = -1, ""
        for j, during in enumerate(steps):
            during += input_bytes if not stream and (k < len(indices) - 1 or j <= last_input_reader) else 0
            during += cut_bytes if k > 0 or part[j] == cut else 0
            if during > patch_best:
                patch_best, patch_at = during, part[j]
        patches.append(Patch(index, tuple(tiles), patch_best, patch_at))
        if patch_best > best:
            best, best_at = patch_best, (index, patch_at)
    later = peakmod.Problem([cut, *rest], [(), *(rows[name].inputs for name in rest)],
                            [cut_bytes, *(nbytes(rows[name].activation_elements) for name in rest)], report.output,
                            (lambda i: i > 0 and in_place(rows[rest[i - 1]])) if in_place else None)
    rest_peak = peakmod.peak_in_order(later)
    layer = max(layer, peakmod.largest_step(later), key=lambda found: found[0])
    first_macs = sum(rows[name].macs for name in part)
    covered = sum(_tile_macs(rows[name], tuple(_union([regions[name] for regions in per_axis[axis]])
                                               for axis in range(len(grid))))
                  for name in part if rows[name].macs)
    return PatchSchedule(grid=grid, cut=cut, chosen=chosen, first_part=tuple(part), rest=tuple(rest),
                         patches=tuple(patches), input_bytes=input_bytes, cut_bytes=cut_bytes,
                         patch_peak_bytes=best, patch_peak_at=best_at, rest_peak_bytes=rest_peak.peak_bytes,
                         rest_peak_layer=rest_peak.peak_layer, peak_bytes=max(best, rest_peak.peak_bytes),
                         layer_bytes=layer[0], layer_at=layer[1],
                         whole_peak_bytes=whole_peak, first_part_macs=first_macs, patched_macs=patched_macs,
                         extra_macs=patched_macs - first_macs, halo_macs=patched_macs - covered,
                         skipped_macs=first_macs - covered, total_macs=report.totals.macs + patched_macs - first_macs,
                         input_streamed=stream)


def _refusal(net: _Net, grid: tuple, cut: str) -> Optional[str]:
    """Why ``cut`` cannot be the cut for ``grid`` (None when it can)."""
    row = net.rows[cut]
    if row.is_network_input:
        return "it is the network input: the cut is the last layer run patch by patch"
    if cut in net.blocked:
        layer, reason = net.blocked[cut]
        where = "it" if layer == cut else f"'{layer}' ({net.rows[layer].type}), which runs before it,"
        return f"{where} cannot run patch by patch: {reason}"
    spatial = row.output_shape[1:]
    if len(spatial) != len(grid):
        return f"the grid has {len(grid)} counts, its output {len(spatial)} spatial axes"
    names = ("rows", "columns") if len(grid) == 2 else tuple(f"axis {i}" for i in range(len(grid)))
    bad = [(axis, n, g) for axis, n, g in zip(names, spatial, grid) if n % g]
    if bad:
        return (f"the {'x'.join(map(str, grid))} grid does not divide its output {'x'.join(map(str, spatial))}: "
                + "; ".join(f"{axis}: {n} is not a multiple of {g}" for axis, n, g in bad))
    escape = net.escaping(cut, net.ancestors(cut))
    if escape is not None:
        later, read = escape
        if later == read:
            return f"the network output '{read}' runs before it"
        return f"'{later}', after it, reads '{read}', which would run patch by patch: not every path passes the cut"
    return None


def patch_schedule(spec: Union[Spec, Graph], grid: Sequence[int], cut: Optional[str] = None, report: Optional[Analysis] = None,
                   in_place: Optional[Callable[[object], bool]] = None, stream: bool = False) -> PatchSchedule:
    """The patch schedule of ``spec`` (or its graph) for ``grid`` (a count per spatial axis, rows first), at ``report``'s dtype
    and batch (default: ``analyze(spec)``). ``cut``: the last layer run patch by patch; None chooses the one of
    least peak. ``in_place(row)``: which layers may overwrite an input (peak.py's predicate; None: none).
    ``stream``: the input is read one tile per patch instead of held whole (:func:`streamed`).
    A grid or cut that cannot work is a PatchError naming the layer and why."""
    try:
        return _patch_schedule(spec, grid, cut, report, in_place, stream)
    except PatchError as err:           # located at the layer it names, else at the spec's first line
        graph: Graph = spec.graph if isinstance(spec, Spec) else spec
        nodes = graph.nodes
        where = nodes[err.layer].location if err.layer in nodes else next(iter(nodes.values())).location
        raise PatchError(err.message, err.location or where, err.layer) from None


def _whole_peak(report: Analysis, in_place) -> int:
    """The network's peak run whole in the spec's order (peak.py), for comparison."""
    return peakmod.peak_in_order(peakmod.problem_of_report(report, report.memory.batch,
                                                           DTYPE_BITS[report.memory.dtype], in_place=in_place)).peak_bytes


def _patch_schedule(spec, grid, cut, report, in_place, stream, made: Optional[tuple] = None) -> PatchSchedule:
    """``made``: the (_Net, whole peak) of an earlier call on the same spec and report, not made again."""
    if report is None:
        if not isinstance(spec, Spec):
            raise TypeError("patch_schedule of a graph needs its report")
        report = analyze(spec)
    grid = tuple(grid)
    net, whole_peak = made if made is not None else (_Net(spec, report), _whole_peak(report, in_place))
    if len(grid) != net.ndim:
        raise PatchError(f"the patch grid {'x'.join(map(str, grid))} has {len(grid)} counts; the network input "
                         f"{list(report.input_shape)} has {net.ndim} spatial axes: give one count per axis")
    rows = net.rows
    if cut is not None:
        if cut not in rows:
            raise PatchError(f"no layer named '{cut}' to cut after{did_you_mean(cut, list(rows))}")
        why = _refusal(net, grid, cut)
        if why is not None:
            raise PatchError(f"it cannot be the cut of patch-based inference: {why}", layer=cut)
        return _schedule(net, grid, cut, in_place, GIVEN, whole_peak, stream)
    found = []
    for name in net.order:
        if _refusal(net, grid, name) is None:
            try:
                found.append(_schedule(net, grid, name, in_place, LEAST_PEAK, whole_peak, stream))
            except PatchError:           # this cut cannot be scheduled (a tile's MACs): the others still can
                continue
    if not found:
        stop = next((net.blocked[name] for name in net.order if name in net.blocked), None)
        where = f" before '{stop[0]}' ({stop[1]})" if stop else ""
        raise PatchError(f"no layer{where} can be the cut of a {'x'.join(map(str, grid))} patch grid: none has an "
                         f"output the grid divides through which every path to the output passes")
    best = min(found, key=lambda s: (s.peak_bytes, s.extra_macs, net.position[s.cut]))
    considered = tuple((s.cut, s.peak_bytes, s.extra_macs) for s in found)
    return replace(best, considered=considered)


def grids(ndim: int, most: int) -> list:
    """Every grid of at most ``most`` patches on ``ndim`` axes, the smallest first: fewest patches, then the most
    even (the smallest spread between its counts), then in order of the counts."""
    found = [g for g in itertools.product(range(1, most + 1), repeat=ndim) if product(g) <= most]
    return sorted(found, key=lambda g: (product(g), max(g) - min(g), g))


def smallest_fitting(spec: Union[Spec, Graph], limit: int, report: Analysis, most: int = 64,
                     in_place: Optional[Callable[[object], bool]] = None,
                     stream: bool = False) -> Optional[PatchSchedule]:
    """The smallest grid (:func:`grids`, up to ``most`` patches) with a cut whose peak is at most ``limit`` bytes,
    and among its cuts that fit, the one of fewest extra MACs (then the earlier); None when none fits."""
    ndim = len(report.input_shape) - 1
    if ndim < 1:                      # a flat input has no positions to split into patches
        return None
    m = report.memory                 # a resident input is held whole: past the limit alone, none fits
    if not stream and bytes_for(math.prod(report.input_shape) * m.batch, DTYPE_BITS[m.dtype]) > limit:
        return None
    made = (_Net(spec, report), _whole_peak(report, in_place))          # once for every grid tried
    for grid in grids(ndim, most):
        try:
            least = _patch_schedule(spec, grid, None, report, in_place, stream, made)
        except PatchError:
            continue                  # no layer's output divisible by this grid
        fitting = [(extra, i, cut) for i, (cut, peak, extra) in enumerate(least.considered) if peak <= limit]
        if fitting:
            _, _, cut = min(fitting)
            return replace(_patch_schedule(spec, grid, cut, report, in_place, stream, made),
                           considered=least.considered)
    return None
