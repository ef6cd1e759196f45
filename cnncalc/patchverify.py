"""Execute a patch schedule (cnncalc/patches.py) in numpy and hold it to the whole run. Pure data, no printing.

1. **whole run**: the first part of the network, up to the cut, with random weights and a random input drawn as
   ``cnncalc verify`` draws them (:class:`cnncalc.execute.Context`, one seed), each layer's tensors kept;
2. **patch run**: for every patch, every first-part layer on its tile only, with the same tensors (replayed
   as tied weights are), each window layer given the padding of its tile (its own padding at the input's
   border, none inside); the cut's tiles are written into one buffer of the cut's whole output.

The stitched buffer must equal the whole run's cut output (``np.allclose`` at float64; ``exact`` says whether
every element is bit for bit equal). While the patch run goes, the arrays it holds are counted by reference —
a tile is dropped when its last reader in the patch has run, the input when its last reader has run in the last
patch (a streamed input, ``--patch-input streamed``: its tile, like any tile), the cut's buffer never — at the schedule's dtype, independently of peak.py: the most bytes held at any
step must equal the schedule's ``patch_peak_bytes``.

numpy is imported here (and in cnncalc.execute) only: ``cnncalc analyze`` never loads this module.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from cnncalc.analysis import DTYPE_BITS, Analysis, analyze
from cnncalc.execute import Context, executor_for
from cnncalc.verify import executor_of
from cnncalc.patches import PatchSchedule, tile_needs
from cnncalc.record import record, replace
from cnncalc.spec import Spec


@record
class PatchRun:
    """What executing a patch schedule showed."""
    schedule: PatchSchedule
    seed: int
    equal: bool = False             # the stitched cut output equals the whole run's (allclose, float64)
    exact: bool = False             # ... bit for bit
    max_difference: float = 0.0     # the largest |stitched − whole|
    measured_peak_bytes: int = 0    # the most bytes the patch run held at one step
    measured_peak_at: tuple = ()    # (patch index, layer) where it first held them
    refused: tuple = ()             # (layer, why) when a first-part layer cannot be run on a tile: nothing ran

    @property
    def ok(self) -> bool:
        return not self.refused and self.equal and self.measured_peak_bytes == self.schedule.patch_peak_bytes


def _at(region: tuple) -> tuple:
    """The index of ``region`` (per spatial axis, [first, end)) in a [B, C, *spatial] array."""
    return (slice(None), slice(None)) + tuple(slice(a, b) for a, b in region)


def _tile_layer(layer, in_shape: tuple, step, region: tuple, extents: tuple):
    """``layer`` as it runs on a tile whose output positions are ``region`` (per axis), reading input tiles of
    ``extents``: a window layer with the padding its tile needs (a record copy); None when it cannot."""
    if step is None:
        return layer
    if "padding" not in {f.name for f in type(layer).arg_fields()}:
        return None
    geometry = getattr(layer, "geometry", None)
    own = geometry(in_shape).padding if geometry is not None else None
    pads = []
    for axis, ((lo, hi), n) in enumerate(zip(region, in_shape[1:])):
        span, stride, offset = step[0][axis], step[1][axis], step[2][axis]
        first, end = lo * stride + offset, (hi - 1) * stride + offset + span
        after = end - min(end, n)
        if own is not None:
            after = min(after, own[axis][1])      # ceil mode's last window: its overhang stays the layer's rule
        pads.append((max(0, -first), after))
    tiled = replace(layer, padding=tuple(pads))
    try:
        facts = tiled.infer([(in_shape[0], *extents)])
    except ValueError:
        return None
    return tiled if tuple(facts.output[1:]) == tuple(hi - lo for lo, hi in region) else None


def run_patches(spec: Spec, schedule: PatchSchedule, report: Optional[Analysis] = None, seed: int = 0) -> PatchRun:
    """Execute ``schedule`` (made for ``spec`` at ``report``'s dtype, batch 1) and compare it with the whole run."""
    report = report if report is not None else analyze(spec)
    if report.memory.batch != 1:
        raise ValueError("the patch run executes one sample: analyse at batch 1")
    bits = DTYPE_BITS[report.memory.dtype]
    graph = spec.graph
    rows = {row.name: row for row in report.rows}
    part = schedule.first_part
    source, cut = part[0], schedule.cut
    tied = {name: graph.nodes[name].shares for name in graph.nodes if graph.nodes[name].shares}
    tied.update({owner: owner for owner in tied.values()})

    refused = []
    for name in part[1:]:
        node = graph.nodes[name]
        if executor_for(node.layer.type_name) is None:
            refused.append((name, f"cnncalc has no executor for '{node.layer.type_name}'"))
        elif node.layer.shape_refs and node.layer.shape_references():
            refused.append((name, "it reads another layer for its shape"))
    if refused:
        return PatchRun(schedule, seed, refused=tuple(refused))

    # the whole run, as verify's numeric run draws it
    ctx = Context(structural=False, seed=seed)
    x = ctx.rng.standard_normal((1, *report.input_shape))
    values: dict[str, np.ndarray] = {source: x}
    weights: dict[str, list] = {}
    for name in part[1:]:
        node = graph.nodes[name]
        out = ctx.run(executor_of(node.layer), node.layer, [values[u] for u in node.inputs],
                      tied.get(name, ""))
        weights[name] = list(ctx.made)
        values[name] = out
    whole = values[cut]
    del values

    needs = tile_needs(spec, report, schedule)
    readers = {name: [v for v in part if name in graph.nodes[v].inputs] for name in part}
    last_input_reader = max(part.index(v) for v in readers[source])
    stitched = np.zeros_like(whole)
    replay = Context(structural=False, seed=seed)
    cut_buffer, held_input = False, True
    streamed = schedule.input_streamed         # the input's tile is read per patch and held like any tile
    best, best_at = -1, ((), "")

    def nbytes(array: np.ndarray) -> int:
        return -(-array.size * bits // 8)

    for k, patch in enumerate(schedule.patches):
        regions = {tile.layer: tile.region for tile in patch.tiles}
        tiles: dict[str, np.ndarray] = {}
        waiting = {name: len(readers[name]) for name in part}
        for j, name in enumerate(part):
            node = graph.nodes[name]
            if name == source:
                tiles[name] = x[_at(regions[name])]
            else:
                step, inputs = needs.steps[name], []
                for u in node.inputs:
                    want = needs.input_region(name, regions[name], u)
                    have = regions[u]
                    inputs.append(tiles[u][_at(tuple((a - h, b - h) for (a, b), (h, _) in zip(want, have)))])
                layer = _tile_layer(node.layer, rows[node.inputs[0]].output_shape, step, regions[name],
                                    tuple(inputs[0].shape[2:]))
                if layer is None:
                    return PatchRun(schedule, seed, refused=((name, "it cannot be run on a tile by its own "
                                                                    "executor (no padding of its own to set)"),))
                replay.tied[name] = weights[name]
                try:
                    out = replay.run(executor_of(node.layer), layer, inputs, name)
                except ValueError as err:
                    return PatchRun(schedule, seed, refused=((name, f"its weights depend on its input's size: {err}"),))
                if name == cut:
                    stitched[_at(regions[name])] = out
                    cut_buffer = True
                else:
                    tiles[name] = out
            # bytes held while this layer runs: its tile and every tile still to be read, the buffers
            held = sum(nbytes(t) for u, t in tiles.items() if u != source or streamed)
            held += nbytes(x) if held_input and not streamed else 0
            held += nbytes(whole) if cut_buffer else 0
            if held > best:
                best, best_at = held, (patch.index, name)
            for u in dict.fromkeys(node.inputs):
                waiting[u] -= 1
                if waiting[u] == 0:
                    tiles.pop(u, None)
            if k == len(schedule.patches) - 1 and j == last_input_reader:
                held_input = False
            if name != cut and not readers[name]:
                tiles.pop(name, None)
    difference = float(np.max(np.abs(stitched - whole))) if whole.size else 0.0
    return PatchRun(schedule, seed, equal=bool(np.allclose(stitched, whole, rtol=1e-12, atol=1e-12)),
                    exact=bool(np.array_equal(stitched, whole)), max_difference=difference,
                    measured_peak_bytes=best, measured_peak_at=best_at)
