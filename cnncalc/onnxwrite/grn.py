"""ONNX writer of grn (cnncalc/layers/grn.py): the nodes of timm's GlobalResponseNorm as torch exports it,
which the importer reads back as one grn (cnncalc/onnximport/patterns.py, global_response_norm)."""

from __future__ import annotations

from cnncalc.onnxexport import writes


@writes("grn")
def grn(b, node, in_shapes, out_shape, weights):
    shape = in_shapes[0]
    per_channel = (1, shape[0], *([1] * (len(shape) - 1)))
    (x,) = b.inputs(node)
    step = f"/{node.name}/"           # one module's nodes: the importer names the layer after it
    norms = b.op("ReduceL2", [x], step + "ReduceL2", axes=list(range(2, len(shape) + 1)), keepdims=1)
    mean = b.op("ReduceMean", [norms], step + "ReduceMean", axes=[1], keepdims=1)
    shifted = b.op("Add", [mean, b.constant(step + "eps", float(node.layer.eps))], step + "Add")
    normalised = b.op("Div", [norms, shifted], step + "Div")
    scaled = b.op("Mul", [x, normalised], step + "Mul")
    gamma = b.constant(step + "weight", weights["weight"].reshape(per_channel))
    weighted = b.op("Mul", [gamma, scaled], step + "Mul_1")
    beta = b.constant(step + "bias", weights["bias"].reshape(per_channel))
    shifted_by_beta = b.op("Add", [beta, weighted], step + "Add_1")
    b.op("Add", [x, shifted_by_beta], node.name, name=step + "Add_2")
