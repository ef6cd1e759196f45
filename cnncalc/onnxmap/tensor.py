"""ONNX MatMul of two activations, ReduceSum, ReduceL2 (and ReduceMean, ReduceMax over other axes than every
spatial one), Expand, and the Transpose a general operator needs → ``matmul``, ``reduce``, ``expand``,
``permute`` (cnncalc/layers/tensor.py).

A Transpose is no layer by itself (it changes the layout the next operators follow:
cnncalc/onnximport/translate.py); an operator here that reads a tensor in a transposed layout makes the
permutation a ``permute`` first (:func:`materialised`), so that its axes are the tensor's own.
"""

from __future__ import annotations

from typing import Optional

from cnncalc.layers.misc import Reshape
from cnncalc.layers.tensor import Expand, MatMul, Permute, Reduce
from cnncalc.onnximport.mapping import Unmapped, attrs, differing, maps
from cnncalc.onnximport.patterns import global_response_norm
from cnncalc.onnximport.translate import Act, Translator, identity

REDUCE_OPS = {"ReduceSum": "sum", "ReduceMean": "mean", "ReduceMax": "max", "ReduceL2": "l2"}


def batch_at(perm: tuple) -> Optional[int]:
    """The axis of a tensor in layout ``perm`` that is the batch axis; None when the tensor has none (a
    model of batch 1 whose batch axis a Reshape merged away, as nn.MultiheadAttention's export does)."""
    return perm.index(0) if 0 in perm else None


def own_layout(rank: int, batch: Optional[int]) -> tuple:
    """The layout of a tensor of ``rank`` axes whose node holds its axes in the tensor's own order, the batch
    axis at ``batch`` (None: the tensor has no batch axis; its node's per-sample axes are all of them)."""
    if batch is None:
        return tuple(range(1, rank + 1))
    axes = list(range(1, rank))
    return tuple([*axes[:batch], 0, *axes[batch:]])


def batch_one(t: Translator) -> bool:
    """Whether the model's batch is 1: then the batch axis is a unit axis that a Transpose may move and a
    Reshape merge (the layouts of :func:`batch_at`)."""
    return t.model.shapes.get(t.model.input, (0,))[0] == 1


def materialised(t: Translator, node, i: int = 0) -> Act:
    """Input ``i`` of ``node`` with its node's axes in the tensor's own order: an activation in a transposed
    layout first becomes a ``permute`` (the batch axis, wherever the tensor holds it, is not among the
    permuted axes)."""
    return own_axes(t, node, t.act(node, i, any_layout=True), node.input[i])


def own_axes(t: Translator, node, x: Act, tensor: str) -> Act:
    """``x`` (of the tensor ``tensor``, read by ``node``) with its node's axes in the tensor's order, by a
    ``permute`` when they are not."""
    rank, batch = len(x.perm), batch_at(x.perm)
    own = own_layout(rank, batch)
    if x.perm == own:
        return x
    name = t.emit(node, Permute, {"dims": [p - 1 for p in x.perm if p != 0]}, [x],
                  name=f"{t.names[id(node)]}.permute", outputs=[f"{tensor}\x00permuted{x.perm}"], perm=own)
    return Act(name, own)


def unbatched(t: Translator, node, x: Act, tensor: str) -> Act:
    """In a model of batch 1, ``x`` as a tensor without a batch axis: its (unit) batch axis becomes one of the
    node's axes, by a ``reshape`` after its axes are put in the tensor's order (two operands that hold the
    batch axis in different places then meet: a unit heads axis taken for the batch, say)."""
    x = own_axes(t, node, x, tensor)
    if batch_at(x.perm) is None:
        return x
    rank = len(x.perm)
    perm = own_layout(rank, None)
    name = t.emit(node, Reshape, {"shape": [int(n) for n in t.shape(tensor)]}, [x],
                  name=f"{t.names[id(node)]}.reshape", outputs=[f"{tensor}\x00unbatched"], perm=perm)
    return Act(name, perm)


def one_batch(t: Translator, node, inputs: list) -> list:
    """``inputs`` (of the tensors ``node.input``) in their own axes, the batch axis first in all or in none
    (in a model of batch 1, :func:`unbatched` when they differ)."""
    inputs = [own_axes(t, node, x, node.input[i]) for i, x in enumerate(inputs)]
    places = {batch_at(x.perm) for x in inputs}
    if (len(places) > 1 or not places <= {0, None}) and batch_one(t):
        inputs = [unbatched(t, node, x, node.input[i]) for i, x in enumerate(inputs)]
    return inputs


def to_front(t: Translator, node, x: Act, axis: int, tensor: str) -> Act:
    """``x`` with its node's axis ``axis`` (≥ 1) moved to its channel axis (per-sample axis 0) by a
    ``permute`` (none when it is there), the other axes in their order; the layout follows, so that the
    tensor ``tensor`` is unchanged."""
    if axis == 1:
        return x
    others = sorted(p for p in x.perm if p not in (0, axis))
    order = [axis, *others]
    place = {a: j + 1 for j, a in enumerate(order)}
    perm = tuple(0 if p == 0 else place[p] for p in x.perm)
    name = t.emit(node, Permute, {"dims": [a - 1 for a in order]}, [x], name=f"{t.names[id(node)]}.permute",
                  outputs=[f"{tensor}\x00front{axis}"], perm=perm)
    return Act(name, perm)


def channels_last(t: Translator, node, i: int = 0) -> Act:
    """Input ``i`` in a layout whose last tensor axis is the node's channel axis (for a product or a norm
    over the last axis): a ``permute`` brings that axis to the channels when it is not; Unmapped when the
    last axis is the batch axis."""
    x = t.act(node, i, any_layout=True)
    if x.perm[-1] == 0:
        raise Unmapped("it works along the batch axis")
    return to_front(t, node, x, x.perm[-1], node.input[i])


MATERIALISING = ("Reshape", "Expand", "ReduceSum", "ReduceL2", "ReduceMean", "ReduceMax", "Squeeze", "Unsqueeze")


def _reads_own_axes(t: Translator, reader) -> bool:
    """Whether ``reader`` needs a tensor's own axes (it would make a transposed input a ``permute`` first)."""
    if reader.op_type == "MatMul":        # of two activations; by a constant it follows a channels-last layout
        return all(name not in t.model.consts for name in reader.input)
    return reader.op_type in MATERIALISING


def eager_permute(t: Translator, node, x: Act, perm: tuple) -> bool:
    """A Transpose every reader of which needs its output's own axes is a ``permute`` layer at once, named
    after the Transpose (rather than one made later at each reader); True when it emitted it."""
    readers = t.consumers.get(node.output[0], [])
    if perm[0] != 0 or not readers or node.output[0] == t.model.output or \
            not all(_reads_own_axes(t, r) for r in readers):
        return False
    t.emit(node, Permute, {"dims": [p - 1 for p in perm[1:]]}, [x])
    return True


@maps("Expand")
def expand(t: Translator, node) -> None:
    """`expand` to the output's shape (batch excluded), of an activation whose batch axis stays first"""
    x = materialised(t, node)
    before, after = t.shape(node.input[0]), t.shape(node.output[0])
    if len(after) != len(before) or after[0] != before[0] or batch_at(x.perm) != 0:
        raise Unmapped(f"expands {list(before)} to {list(after)}: adds axes before the batch axis or changes it")
    if after == before:
        return t.alias(node, x)
    t.emit(node, Expand, {"shape": [int(n) for n in after[1:]]}, [x])


def reduced_axes(t: Translator, node) -> list:
    """The node's reduced axes (batch included, non-negative): its `axes` attribute or input."""
    a = attrs(node)
    rank = len(t.shape(node.input[0]))
    axes = a.get("axes")
    if axes is None and len(node.input) > 1 and node.input[1]:
        axes = [int(v) for v in t.const(node, 1, "axes")]
    if not axes:
        if a.get("noop_with_empty_axes", 0):
            raise Unmapped("reduces no axis (noop_with_empty_axes)")
        axes = list(range(rank))
    return sorted(int(v) % rank for v in axes)


def general_reduce(t: Translator, node) -> None:
    """`reduce` of the node's operation over its axes, `keepdims` as the node's; reducing the batch axis is
    refused."""
    axes = reduced_axes(t, node)
    if 0 in axes:
        raise Unmapped(f"reduces axes {axes}, the batch axis among them")
    x = materialised(t, node)
    if batch_at(x.perm) != 0:
        raise Unmapped("the batch axis is not its first axis")
    t.emit(node, Reduce, {"op": REDUCE_OPS[node.op_type], "axes": [a - 1 for a in axes],
                          **differing(Reduce, keepdims=bool(attrs(node).get("keepdims", 1)))}, [x])


@maps("ReduceSum", "ReduceL2")
def reduce(t: Translator, node) -> None:
    """`reduce` (`sum`, `l2`) over the node's axes, `keepdims` as the node's; the batch axis is refused; a
    ReduceL2 that starts ConvNeXt V2's global response normalisation is one `grn`

    The GRN pattern is :func:`cnncalc.onnximport.patterns.global_response_norm`."""
    if node.op_type == "ReduceL2" and global_response_norm(t, node):
        return
    general_reduce(t, node)


def activation_product(t: Translator, node) -> None:
    """`matmul` of two activations of one rank (batch first in both, or, in a model of batch 1, in neither:
    :func:`batch_at`), the leading axes broadcast."""
    a, b = t.shape(node.input[0]), t.shape(node.input[1])
    x, y = one_batch(t, node, [t.act(node, 0, any_layout=True), t.act(node, 1, any_layout=True)])
    batch = batch_at(x.perm)
    if len(a) != len(b) or batch != batch_at(y.perm) or batch not in (0, None) or \
            len(a) - (batch is not None) < 2 or (batch == 0 and a[0] != b[0]):
        raise Unmapped(f"a product of activations {list(a)} and {list(b)}: cnncalc's matmul takes two of one rank "
                       f"(at least 2 besides the batch axis) and one batch, first in both")
    t.emit(node, MatMul, {}, [x, y], perm=own_layout(len(a), batch))


@maps("Einsum")
def einsum(t: Translator, node) -> None:
    """`matmul` of two activations written as a batched matrix product ('bhid,bhjd->bhij': MaxViT's
    attention), either operand's last two axes in either order (then a `permute`); other equations are
    refused"""
    equation = str(attrs(node).get("equation", "")).replace(" ", "")
    terms, _, out = equation.partition("->")
    operands = terms.split(",")
    if len(operands) != 2 or len(node.input) != 2 or any(name in t.model.consts for name in node.input):
        raise Unmapped(f"equation '{equation}': cnncalc maps a product of two activations")
    a, b = operands
    lead = out[:-2]
    if not (len(a) == len(b) == len(out) >= 3 and a[:-2] == b[:-2] == lead and len(set(a)) == len(set(b)) == len(a)):
        raise Unmapped(f"equation '{equation}' is not a batched matrix product")
    i, j = out[-2], out[-1]
    shared = (set(a[-2:]) & set(b[-2:])) - {i, j}
    if len(shared) != 1 or i not in a[-2:] or j not in b[-2:] or i == j:
        raise Unmapped(f"equation '{equation}' is not a batched matrix product")
    (k,) = shared
    inputs = []
    for n, (term, first) in enumerate(((a, i), (b, k))):
        x = t.act(node, n, any_layout=True)
        if term[-2] != first:          # the operand's last two axes swapped
            x = Act(x.node, (*x.perm[:-2], x.perm[-1], x.perm[-2]))
        inputs.append(x)
    inputs = one_batch(t, node, inputs)
    batch = batch_at(inputs[0].perm)
    if batch != batch_at(inputs[1].perm) or batch not in (0, None):
        raise Unmapped("its operands hold the batch axis in different places")
    t.emit(node, MatMul, {}, inputs, perm=own_layout(len(out), batch))
