"""ONNX Split along the channels → ``split`` (cnncalc/layers/split.py), part i named ``NAME.i``; channel
Slices that together split the channels are one split too (cnncalc/onnximport/patterns.py); Gathers of one
index each that together take every entry of an axis (nn.MultiheadAttention's q, k, v) are a split as well,
and a Gather of one position a ``crop`` (cnncalc/layers/crop.py)."""

from __future__ import annotations

from cnncalc.layers.crop import Crop
from cnncalc.layers.misc import Reshape
from cnncalc.layers.split import Split
from cnncalc.onnxmap.structure import channel_axis
from cnncalc.onnximport.mapping import Unmapped, attrs, maps, padding
from cnncalc.onnximport.patterns import split_args
from cnncalc.onnximport.translate import Act, Translator
from cnncalc.onnxmap.misc import unit_batch_reshape
from cnncalc.onnxmap.tensor import batch_one, to_front
from cnncalc.onnximport.slim import Stub


@maps("Split")
def split(t: Translator, node) -> None:
    """`split` along the channels (`parts` or `sizes`; part *i* is `NAME.i`); other axes are refused"""
    x = t.act(node, any_layout=True)
    axis = int(attrs(node).get("axis", 0))
    channel_axis(x, axis)
    sizes = [t.shape(name)[axis] for name in node.output]
    t.emit(node, Split, split_args(sizes), [x], perm=x.perm, parts=list(node.output))


def _index(t: Translator, reader, tensor: str, axis: int):
    """The one index a Gather ``reader`` of ``tensor`` takes along ``axis`` (a constant scalar), else None."""
    if reader.op_type != "Gather" or reader.input[0] != tensor or reader.input[1] not in t.model.consts:
        return None
    value = t.model.consts[reader.input[1]]
    if getattr(value, "ndim", 1) != 0 or int(attrs(reader).get("axis", 0)) % len(t.shape(tensor)) != axis:
        return None
    return int(value) % t.shape(tensor)[axis]


def _drop_axis(t: Translator, node, x: Act, axis: int) -> None:
    """The Gather's output: ``x`` (its node's ``axis`` reduced to one entry) without that axis, a ``reshape``
    of the node's other axes in their order; the layout follows."""
    shape = t.shape(node.output[0])
    kept = [p for p in x.perm if p != axis]
    perm = tuple(p - (p > axis) for p in kept)
    sizes = [0] * (len(perm) - (0 in perm))
    for p, n in zip(perm, shape):
        if p:
            sizes[p - 1] = int(n)
    t.emit(node, Reshape, {"shape": sizes}, [x], perm=perm)


def _in_order(t: Translator, node, shape: tuple) -> bool:
    """Whether the Gather ``node`` of a flat tensor of ``shape`` takes each entry once, in order (constant
    indices 0, 1, …, n − 1 in any shape)."""
    indices = t.model.consts.get(node.input[1])
    if len(shape) != 1 or indices is None or isinstance(indices, Stub) or indices.size != shape[0]:
        return False
    return indices.reshape(-1).tolist() == list(range(shape[0]))


@maps("Gather")
def gather(t: Translator, node) -> None:
    """of an activation, one index each (a constant scalar): Gathers that together take every entry of an
    axis once, a `split` of it (after a `permute` making it the channel axis) and a `reshape` per part;
    one entry of another axis, a `crop` and a `reshape` (of the channel axis, after a `permute` that makes
    another axis the channels); in a model of batch 1, every entry of a flat tensor in order, a `reshape`;
    the batch axis is refused

    On constants it is folded (the last row). nn.MultiheadAttention's export takes q, k and v from its
    [3, L, N, C] projection so; torchvision's ViT takes its class token (x[:, 0]) so."""
    tensor = node.input[0]
    x = t.act(node, any_layout=True)
    shape = t.shape(tensor)
    axis = int(attrs(node).get("axis", 0)) % len(shape)
    index = _index(t, node, tensor, axis)
    if index is None and _in_order(t, node, shape) and batch_one(t):
        # every entry of a flat tensor in order (the dynamo exporter's as_strided of a flatten): a reshape
        return unit_batch_reshape(t, node, shape, t.shape(node.output[0]))
    if index is None:
        raise Unmapped("a Gather of indices that are not one constant")
    along = x.perm[axis]
    if along == 0:
        raise Unmapped("it gathers along the batch axis")
    siblings = [r for r in t.consumers.get(tensor, []) if _index(t, r, tensor, axis) is not None]
    taken = sorted(_index(t, r, tensor, axis) for r in siblings)
    if taken == list(range(shape[axis])) and len(taken) > 1:
        key = f"{tensor}\x00gathered{axis}"
        if f"{key}0" not in t.acts:
            front = to_front(t, node, x, along, tensor)
            parts = [f"{key}{i}" for i in range(shape[axis])]
            t.emit(node, Split, split_args([1] * shape[axis]), [front], perm=front.perm, parts=parts,
                   name=f"{t.names[id(node)]}.split")
        part = t.acts[f"{key}{index}"]
        return _drop_axis(t, node, part, 1)
    if along == 1:        # cnncalc crops spatial axes: another axis of the tensor becomes the channels first
        other = next((k for k in reversed(range(len(shape))) if k != axis and x.perm[k] != 0), None)
        if other is None:
            raise Unmapped(f"it takes entry {index} of the channel axis (cnncalc has no channel crop)")
        x = to_front(t, node, x, x.perm[other], tensor)
        along = x.perm[axis]
    pairs = [(0, 0)] * (len(x.perm) - (0 in x.perm))
    pairs[along - 1] = (index, shape[axis] - 1 - index)
    name = t.emit(node, Crop, {"amount": padding(pairs[1:])}, [x], perm=x.perm,
                  name=f"{t.names[id(node)]}.crop", outputs=[f"{tensor}\x00crop{axis}.{index}"])
    _drop_axis(t, node, Act(name, x.perm), along)
