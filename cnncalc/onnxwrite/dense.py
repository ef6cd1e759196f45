"""ONNX writer of dense (cnncalc/layers/dense.py): Gemm on a flat input."""

from __future__ import annotations

from cnncalc.onnxexport import ExportRefused, writes


@writes("dense")
def dense(b, node, in_shapes, out_shape, weights):
    if len(in_shapes[0]) != 1:
        raise ExportRefused(f"layer '{node.name}' (dense): its input {list(in_shapes[0])} is not flat "
                            "(flatten it first): ONNX's Gemm takes [N, F]")
    inputs = b.inputs(node) + [b.constant(f"{node.name}.weight", weights["weight"])]      # [in, out]
    if node.layer.bias:
        inputs.append(b.constant(f"{node.name}.bias", weights["bias"]))
    b.op("Gemm", inputs, node.name)
