"""ONNX writer of linear (cnncalc/layers/linear.py): MatMul (+ Add of its bias) over the channels, on the
input transposed to channels-last and back, as torch exports nn.Linear on a permuted tensor."""

from __future__ import annotations

from cnncalc.onnxexport import writes
from cnncalc.onnxwrite.norm import channels_first, channels_last


@writes("linear")
def linear(b, node, in_shapes, out_shape, weights):
    (x,) = b.inputs(node)
    shape, name = in_shapes[0], node.name
    rank = len(shape) + 1
    weight = b.constant(f"{name}.weight", weights["weight"])                         # [C, out]
    flat = rank == 2
    source = x if flat else channels_last(b, x, rank, name)
    if node.layer.bias:
        product = b.op("MatMul", [source, weight], f"{name}.product", name=name)
        y = b.op("Add", [product, b.constant(f"{name}.bias", weights["bias"])], name if flat else f"{name}.y")
    else:
        y = b.op("MatMul", [source, weight], name if flat else f"{name}.y", name=name)
    if not flat:
        channels_first(b, y, rank, name)
