"""ONNX writers of matmul, reduce, permute and expand (cnncalc/layers/tensor.py), at opset 17: each one node
that the importer reads back as the same layer (cnncalc/onnxmap/tensor.py); roll is refused."""

from __future__ import annotations

from cnncalc.onnxexport import cannot_write, writes

REDUCE_OPS = {"sum": "ReduceSum", "mean": "ReduceMean", "max": "ReduceMax", "l2": "ReduceL2"}

cannot_write("ONNX has no roll operator: written as Slice and Concat nodes it would read back as those, not one "
             "roll", "roll")


@writes("matmul")
def matmul(b, node, in_shapes, out_shape, weights):
    b.op("MatMul", b.inputs(node), node.name)


@writes("reduce")
def reduce(b, node, in_shapes, out_shape, weights):
    """ReduceSum takes its axes as an input at opset 17, the others as an attribute; the batch axis is 0."""
    axes = [a + 1 for a in node.layer.reduced(in_shapes[0])]
    keep = int(node.layer.keepdims)
    op = REDUCE_OPS[node.layer.op]
    if op == "ReduceSum":
        b.op(op, b.inputs(node) + [b.constant(f"{node.name}.axes", axes, "int64")], node.name, keepdims=keep)
    else:
        b.op(op, b.inputs(node), node.name, axes=axes, keepdims=keep)


@writes("permute")
def permute(b, node, in_shapes, out_shape, weights):
    b.op("Transpose", b.inputs(node), node.name, perm=[0, *(d + 1 for d in node.layer.order(in_shapes[0]))])


@writes("expand")
def expand(b, node, in_shapes, out_shape, weights):
    """Expand to [1, *shape]: its leading axes must stay behind the batch axis, so new ones are written by a
    reshape first (which cnncalc's expand then follows)."""
    b.op("Expand", b.inputs(node) + [b.constant(f"{node.name}.shape", [1, *out_shape], "int64")], node.name)
