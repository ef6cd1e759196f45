"""ONNX MatMul of two activations, ReduceSum, ReduceL2 (and ReduceMean, ReduceMax over other axes than every
spatial one), Expand, and the Transpose a general operator needs → ``matmul``, ``reduce``, ``expand``,
``permute`` (cnncalc/layers/tensor.py).

A Transpose is no layer by itself (it changes the layout the next operators follow:
cnncalc/onnximport/translate.py); an operator here that reads a tensor in a transposed layout makes the
permutation a ``permute`` first (:func:`materialised`), so that its axes are the tensor's own.
"""

from __future__ import annotations

from cnncalc.layers.tensor import Expand, MatMul, Permute, Reduce
from cnncalc.onnximport.mapping import Unmapped, attrs, differing, maps
from cnncalc.onnximport.patterns import global_response_norm
from cnncalc.onnximport.translate import Act, Translator, identity

REDUCE_OPS = {"ReduceSum": "sum", "ReduceMean": "mean", "ReduceMax": "max", "ReduceL2": "l2"}


def materialised(t: Translator, node, i: int = 0) -> Act:
    """Input ``i`` of ``node`` in the channels-first layout of its own axes: an activation in a transposed
    layout first becomes a ``permute`` (the batch axis stays first)."""
    x = t.act(node, i, any_layout=True)
    rank = len(x.perm)
    if x.perm == identity(rank):
        return x
    name = t.emit(node, Permute, {"dims": [p - 1 for p in x.perm[1:]]}, [x],
                  name=f"{t.names[id(node)]}.permute", outputs=[f"{node.input[i]}\x00permuted"], perm=identity(rank))
    return Act(name, identity(rank))


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
    if not readers or node.output[0] == t.model.output or not all(_reads_own_axes(t, r) for r in readers):
        return False
    t.emit(node, Permute, {"dims": [p - 1 for p in perm[1:]]}, [x])
    return True


@maps("Expand")
def expand(t: Translator, node) -> None:
    """`expand` to the output's shape (batch excluded), of an activation whose batch axis stays first"""
    x = materialised(t, node)
    before, after = t.shape(node.input[0]), t.shape(node.output[0])
    if len(after) != len(before) or after[0] != before[0]:
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
    """`matmul` of two activations of one rank (batch first in both), the leading axes broadcast."""
    a, b = t.shape(node.input[0]), t.shape(node.input[1])
    if len(a) != len(b) or len(a) < 3 or a[0] != b[0]:
        raise Unmapped(f"a product of activations {list(a)} and {list(b)}: cnncalc's matmul takes two of one rank "
                       f"(at least 3 with the batch axis) and one batch")
    x, y = materialised(t, node, 0), materialised(t, node, 1)
    t.emit(node, MatMul, {}, [x, y])
