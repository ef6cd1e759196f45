"""ONNX writers of matmul, reduce, permute and expand (cnncalc/layers/tensor.py), at opset 17: each one node
that the importer reads back as the same layer (cnncalc/onnxmap/tensor.py); roll, which ONNX has no operator
for, as Slices and a Concat per axis (read back as a roll per axis)."""

from __future__ import annotations

from cnncalc.onnxexport import writes

REDUCE_OPS = {"sum": "ReduceSum", "mean": "ReduceMean", "max": "ReduceMax", "l2": "ReduceL2"}

@writes("roll")
def roll(b, node, in_shapes, out_shape, weights):
    """Each rolled axis as two Slices and a Concat (output position p is input position (p − shift) mod n:
    the last `shift` elements first), the data movement roll does; the importer reads each axis's back as a
    roll of that axis (the same figures: a roll has no arithmetic)."""
    x = b.inputs(node)[0]
    pairs = [(axis, shift % in_shapes[0][axis]) for axis, shift in node.layer.rolled(in_shapes[0])]
    pairs = [(axis, shift) for axis, shift in pairs if shift]
    if not pairs:
        b.op("Identity", [x], node.name)
        return
    for i, (axis, shift) in enumerate(pairs):
        n, last = in_shapes[0][axis], i == len(pairs) - 1
        at = b.constant(f"{node.name}.axis{i}", [axis + 1], "int64")
        cut, zero, end = (b.constant(f"{node.name}.{label}{i}", [value], "int64")
                          for label, value in (("cut", n - shift), ("zero", 0), ("end", n)))
        tail = b.op("Slice", [x, cut, end, at], f"{node.name}.tail{i}")
        head = b.op("Slice", [x, zero, cut, at], f"{node.name}.head{i}")
        x = b.op("Concat", [tail, head], node.name if last else f"{node.name}.rolled{i}", axis=axis + 1)


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
