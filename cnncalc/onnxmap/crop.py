"""ONNX Slice of spatial axes, step 1 → ``crop`` (cnncalc/layers/crop.py); Slices of the channel axis that
together split the channels are one ``split`` (cnncalc/onnximport/patterns.py); two Slices of one axis
concatenated the other way round are a ``roll``, and strided Slices concatenated along the channels Swin's
patch merging (a ``reshape``, ``permute``, ``reshape``: cnncalc/layers/tensor.py, misc.py)."""

from __future__ import annotations

from typing import Optional

from cnncalc.layers.crop import Crop
from cnncalc.layers.misc import Reshape
from cnncalc.layers.tensor import Permute, Roll
from cnncalc.onnximport.mapping import attrs, maps, padding
from cnncalc.onnximport.patterns import channel_slices, pattern, slice_ranges
from cnncalc.onnximport.translate import Act, Translator, identity
from cnncalc.onnxmap.tensor import to_front


@maps("Slice")
def slice_(t: Translator, node) -> None:
    """`crop` of spatial axes, step 1 (a Slice that keeps every element is no layer); a step other than 1, or
    a slice of the batch axis, is refused

    Slices of the channel axis that together split the channels are one ``split``
    (:func:`cnncalc.onnximport.patterns.channel_slices`)."""
    before, after = t.shape(node.input[0]), t.shape(node.output[0])
    if after == before:
        return t.alias(node, t.act(node, any_layout=True))
    if slice_roll(t, node) or strided_merge(t, node):
        return
    laid = t.act(node, any_layout=True)
    ranges = slice_ranges(t, node)
    if 1 in laid.perm and laid.perm.index(1) in ranges:
        return channel_slices(t, node, laid, ranges, laid.perm.index(1))    # in any layout (MaxViT's q, k, v)
    x = t.act(node)
    if after == before:
        return t.alias(node, x)
    pairs = [(0, 0)] * len(before)
    for axis, (first, stop) in ranges.items():
        pairs[axis] = (first, before[axis] - stop)
    t.emit(node, Crop, {"amount": padding(pairs[2:])}, [x])


def _slice_of(t: Translator, node) -> Optional[tuple]:
    """(data tensor, axis, start, stop, step) of a Slice ``node`` of one axis, its bounds constant; else None."""
    if node.op_type != "Slice" or len(node.input) < 3 or any(name not in t.model.consts for name in node.input[1:]):
        return None
    before = t.shape(node.input[0])
    values = [[int(v) for v in t.model.consts[name].reshape(-1)] for name in node.input[1:]]
    starts, ends = values[0], values[1]
    axes = values[2] if len(values) > 2 and node.input[3] else list(range(len(starts)))
    steps = values[3] if len(values) > 3 and node.input[4] else [1] * len(starts)
    if len(starts) != 1 or not axes or not steps or steps[0] == 0 or not before:
        return None                               # (a step of 0 is an invalid Slice: the operator refuses it)
    axis = axes[0] % len(before)
    first, stop, step = slice(starts[0], ends[0], steps[0]).indices(before[axis])
    return node.input[0], axis, first, stop, step


@pattern("Slice [k:] and Slice [:k] of one axis → Concat along it", "Slice")
def slice_roll(t: Translator, node) -> bool:
    """`roll` of that axis by −k (torch.roll as exported: Swin's shifted windows), each Slice read by the
    Concat alone; the batch axis is refused"""
    mine = _slice_of(t, node)
    concat = t.only_reader(node.output[0])
    if mine is None or concat is None or concat.op_type != "Concat" or len(concat.input) != 2 or \
            concat.input[0] == concat.input[1]:
        return False
    other = t.producers.get(concat.input[1 - list(concat.input).index(node.output[0])])
    theirs = _slice_of(t, other) if other is not None else None
    if other is None or theirs is None or t.only_reader(other.output[0]) is not concat:
        return False
    head, tail = (mine, theirs) if concat.input[0] == node.output[0] else (theirs, mine)
    data, axis, k, stop, step = head
    n = t.shape(data)[axis]
    if tail != (data, axis, 0, k, 1) or (stop, step) != (n, 1) or \
            int(attrs(concat)["axis"]) % len(t.shape(data)) != axis or not 0 < k < n:
        return False
    x = t.act(node, any_layout=True)
    if x.perm[axis] == 0:
        return False
    t.emit(concat, Roll, {"shifts": [-k if k <= n // 2 else n - k], "axes": [x.perm[axis] - 1]}, [x], perm=x.perm)
    t.absorb(node, other, concat)
    return True


@pattern("Slices [0::2], [1::2] of two spatial axes → Concat of the four along the channels", "Slice")
def strided_merge(t: Translator, node) -> bool:
    """`reshape` [C, H/2, 2, W/2, 2], `permute` of the two parity axes before the channels in the Concat's
    order, `reshape` [4·C, H/2, W/2] (Swin's patch merging: x[0::2, 0::2], x[1::2, 0::2], ... concatenated),
    the Slices read within the pattern alone"""
    tensor = node.input[0]
    x = t.act(node, any_layout=True)
    shape = t.shape(tensor)
    if len(shape) != 4 or x.perm[0] != 0:
        return False
    # the one Concat the Slices from the node lead to
    frontier, concat = [node], None
    while frontier:
        current = frontier.pop()
        readers = t.consumers.get(current.output[0], [])
        if current.output[0] == t.model.output or not readers:
            return False
        for reader in readers:
            if reader.op_type == "Slice":
                frontier.append(reader)
            elif reader.op_type == "Concat" and concat in (None, reader):
                concat = reader
            else:
                return False
    if concat is None or len(concat.input) != 4:
        return False
    # each of its inputs: two strided Slices of the tensor, (tensor axis → parity)
    producers = t.producers
    offsets, inner = [], {}
    for name in concat.input:
        taken: dict = {}
        link = producers.get(name)
        while link is not None and link.op_type == "Slice" and len(taken) < 2:
            sliced = _slice_of(t, link)
            if sliced is None or sliced[4] != 2 or sliced[1] in taken or sliced[2] not in (0, 1):
                return False
            taken[sliced[1]] = sliced[2]
            inner[id(link)] = link
            if sliced[0] == tensor:
                break
            link = producers.get(sliced[0])
        if link is None or link.input[0] != tensor or len(taken) != 2 or 0 in taken:
            return False
        offsets.append(taken)
    inside = {link.output[0] for link in inner.values()}
    if any(reader is not concat and reader.output[0] not in inside
           for link in inner.values() for reader in t.consumers.get(link.output[0], [])):
        return False
    axis = int(attrs(concat)["axis"]) % 4
    if axis == 0 or axis in offsets[0] or any(sorted(o) != sorted(offsets[0]) for o in offsets):
        return False
    # the Concat's axis becomes the channels; the two sliced axes stay in their node's order (rows, columns)
    row, column = sorted(offsets[0], key=lambda a: x.perm[a])
    parities = [(o[row], o[column]) for o in offsets]
    channels, height, width = shape[axis], shape[row], shape[column]
    if height % 2 or width % 2:
        return False
    if parities == [(0, 0), (1, 0), (0, 1), (1, 1)]:
        dims = [4, 2, 0, 1, 3]          # the parity of W first: part oh + 2·ow
    elif parities == [(0, 0), (0, 1), (1, 0), (1, 1)]:
        dims = [2, 4, 0, 1, 3]
    else:
        return False
    x = to_front(t, node, x, x.perm[axis], tensor)
    name = t.names[id(concat)]
    first = t.emit(concat, Reshape, {"shape": [channels, height // 2, 2, width // 2, 2]}, [x],
                   name=f"{name}.split", outputs=[f"{tensor}\x00merge0"], perm=identity(6))
    second = t.emit(concat, Permute, {"dims": dims}, [Act(first, identity(6))], name=f"{name}.gather",
                    outputs=[f"{tensor}\x00merge1"], perm=identity(6))
    t.emit(concat, Reshape, {"shape": [4 * channels, height // 2, width // 2]}, [Act(second, identity(6))],
           perm=x.perm)
    t.absorb(*inner.values(), concat)
    return True
