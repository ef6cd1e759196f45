"""ONNX writer of scale (cnncalc/layers/scale.py): Mul by a constant with one value per channel, which the
importer reads back as scale (ConvNeXt's layer scale)."""

from __future__ import annotations

from cnncalc.onnxexport import writes


@writes("scale")
def scale(b, node, in_shapes, out_shape, weights):
    shape = in_shapes[0]
    gamma = weights["weight"].reshape((shape[0], *([1] * (len(shape) - 1))))
    b.op("Mul", b.inputs(node) + [b.constant(f"{node.name}.weight", gamma)], node.name)
