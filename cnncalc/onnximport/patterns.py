"""Multi-node patterns: several ONNX nodes that are one cnncalc layer, as exporters write them. Each pattern is
matched from its first node, by that node's handler (cnncalc/onnxmap/), and takes the other nodes into the
entry it emits (``t.absorb``), so the walk skips them. A pattern's inner nodes must have no other reader.

* x·sigmoid(x) → ``silu``, x·hardsigmoid(x) → ``hardswish`` (:func:`gated`);
* x / √2 → Erf → + 1 → · x → · ½ → ``gelu`` (:func:`erf_gelu`, GELU as exports before opset 20 write it);
* MatMul + Add of a constant → the bias of the ``dense`` or ``linear`` (:func:`bias_add`);
* Reshape → Transpose(0, 2, 1, …) → Reshape → ``channel_shuffle`` (:func:`channel_shuffle`, ShuffleNet);
* Slices of the channel axis that together split the channels → one ``split`` (:func:`channel_slices`,
  torch's ``chunk`` and ``split``).
"""

from __future__ import annotations

import math
from typing import Optional

from cnncalc.layers.activation import GELU
from cnncalc.layers.routing import ChannelShuffle
from cnncalc.layers.split import Split
from cnncalc.onnximport.mapping import Unmapped, attrs
from cnncalc.onnximport.translate import Act, Translator


def gated(t: Translator, node, cls: type) -> bool:
    """x·gate(x) as one layer of class ``cls`` (silu for a sigmoid gate, hardswish for a hard sigmoid), when
    the gate (``node``)'s only reader is that product; False (nothing emitted) otherwise."""
    reader = t.only_reader(node.output[0])
    if reader is None or reader.op_type != "Mul" or sorted(reader.input) != sorted([node.input[0], node.output[0]]):
        return False
    x = t.act(node, any_layout=True)
    t.absorb(reader)
    t.emit(reader, cls, {}, [x], perm=x.perm, outputs=[reader.output[0]])
    return True


def erf_gelu(t: Translator, node) -> bool:
    """GELU as exporters before opset 20 write it, from its Div (``node``): x / √2 → Erf → + 1 → · x → · ½,
    each step the only reader of the one before, one ``gelu``; False (nothing emitted) for any other Div."""
    x = node.input[0]
    if not _constant_is(t, node, 1, math.sqrt(2)):
        return False
    erf = t.only_reader(node.output[0])
    add = erf and erf.op_type == "Erf" and t.only_reader(erf.output[0])
    if not add or add.op_type != "Add" or not _other_constant_is(t, add, erf.output[0], 1.0):
        return False
    times_x = t.only_reader(add.output[0])
    if times_x is None or times_x.op_type != "Mul" or sorted(times_x.input) != sorted([x, add.output[0]]):
        return False
    half = t.only_reader(times_x.output[0])
    if half is None or half.op_type != "Mul" or not _other_constant_is(t, half, times_x.output[0], 0.5):
        return False
    act = t.act(node, any_layout=True)
    t.absorb(erf, add, times_x, half)
    # named as its module (torch's '/block/act/Div' → 'block.act'), the five nodes and constants being its own
    module = t.names[id(node)].rsplit(".", 1)[0] if "." in t.names[id(node)] else None
    t.emit(node, GELU, {}, [act], perm=act.perm, name=module, outputs=[half.output[0]])
    return True


def _constant_is(t: Translator, node, i: int, value: float) -> bool:
    if i >= len(node.input) or node.input[i] not in t.model.consts:
        return False
    array = t.model.consts[node.input[i]]
    return array.size == 1 and abs(float(array.reshape(-1)[0]) - value) <= 1e-6 * max(1.0, abs(value))


def _other_constant_is(t: Translator, node, tensor: str, value: float) -> bool:
    """``node`` has two inputs, ``tensor`` and a one-value constant equal to ``value``."""
    if len(node.input) != 2 or tensor not in node.input:
        return False
    return _constant_is(t, node, 1 - list(node.input).index(tensor), value)


def bias_add(t: Translator, node, out: int) -> Optional[list]:
    """The output tensors of a MatMul (``node``) of ``out`` features with its bias: the tensor of the Add of
    a constant of ``out`` values that is its only reader, that Add absorbed; None when there is none."""
    reader = t.only_reader(node.output[0])
    if reader is None or reader.op_type != "Add":
        return None
    other = [name for name in reader.input if name != node.output[0]]
    if len(other) != 1 or other[0] not in t.model.consts:
        return None
    value = t.model.consts[other[0]]
    if value.size != out or value.shape[-1:] != (out,):
        return None
    t.absorb(reader)
    return [reader.output[0]]


def channel_shuffle(t: Translator, node, x: Act, before, after) -> bool:
    """Reshape (``node``) [N, C, ...] → [N, g, C/g, ...], Transpose (0, 2, 1, ...), Reshape back: ShuffleNet's
    channel shuffle, one layer; False (nothing emitted) otherwise."""
    if len(after) != len(before) + 1 or after[0] != before[0] or after[1] * after[2] != before[1] or \
            list(after[3:]) != list(before[2:]):
        return False
    transpose = t.only_reader(node.output[0])
    if transpose is None or transpose.op_type != "Transpose":
        return False
    perm = list(attrs(transpose).get("perm", []))
    if perm != [0, 2, 1, *range(3, len(after))]:
        return False
    back = t.only_reader(transpose.output[0])
    if back is None or back.op_type not in ("Reshape", "Flatten") or \
            t.model.shapes.get(back.output[0]) != tuple(before):
        return False
    t.absorb(transpose, back)
    t.emit(back, ChannelShuffle, {"groups": int(after[1])}, [x], outputs=[back.output[0]])
    return True


def slice_ranges(t: Translator, node) -> dict:
    """axis → (first, stop) of a Slice with step 1 on every axis it slices (Unmapped otherwise)."""
    before = t.shape(node.input[0])
    rank = len(before)
    starts = [int(v) for v in t.const(node, 1, "starts")]
    ends = [int(v) for v in t.const(node, 2, "ends")]
    axes = [int(v) % rank for v in t.const(node, 3, "axes")] if len(node.input) > 3 and node.input[3] \
        else list(range(len(starts)))
    steps = [int(v) for v in t.const(node, 4, "steps")] if len(node.input) > 4 and node.input[4] \
        else [1] * len(starts)
    ranges = {}
    for axis, start, end, step in zip(axes, starts, ends, steps):
        first, stop, _ = slice(start, end, step).indices(before[axis])
        if step != 1 or axis == 0:
            raise Unmapped(f"slices axis {axis} with step {step}; cnncalc maps step-1 crops of spatial axes and "
                           f"channel slices that together split the channels")
        if (first, max(stop, first)) != (0, before[axis]):
            ranges[axis] = (first, max(stop, first))
    return ranges


def split_args(sizes: list) -> dict:
    """A split's arguments for parts of ``sizes`` channels: ``parts`` when they are equal, else ``sizes``."""
    return {"parts": len(sizes)} if len(set(sizes)) == 1 else {"sizes": sizes}


def channel_slices(t: Translator, node, x: Act, ranges: dict) -> None:
    """Slices of the channel axis alone (torch's ``chunk`` and ``split`` as ONNX Slices): every Slice of the
    same tensor that does the same, together covering each channel once, becomes one ``split``, each Slice
    one of its parts. ``node`` is the first of them, ``ranges`` its :func:`slice_ranges`."""
    if len(ranges) != 1:
        raise Unmapped("slices the channel axis and a spatial axis at once")
    channels = t.shape(node.input[0])[1]
    group = []
    for reader in t.consumers.get(node.input[0], []):
        if reader.op_type != "Slice" or id(reader) in t.absorbed:
            continue
        try:
            theirs = slice_ranges(t, reader)
        except Unmapped:
            continue
        if list(theirs) == [1]:
            group.append((theirs[1], reader))
    group.sort(key=lambda item: item[0])
    bounds = [r for r, _ in group]
    if not bounds or bounds[0][0] != 0 or bounds[-1][1] != channels or \
            any(a[1] != b[0] for a, b in zip(bounds, bounds[1:])):
        raise Unmapped(f"slices channels {ranges[1][0]}..{ranges[1][1]} of {channels}, and the channel slices of "
                       f"its input do not split the channels into parts (cnncalc has no channel crop)")
    readers = [reader for _, reader in group]
    t.emit(node, Split, split_args([stop - first for first, stop in bounds]), [x], perm=x.perm,
           parts=[reader.output[0] for reader in readers])
    t.absorb(*readers)
