"""ONNX writer of conv (cnncalc/layers/conv.py): one Conv node."""

from __future__ import annotations

from cnncalc.onnxexport import writes


def window_attributes(geo) -> dict:
    """kernel_shape, strides, dilations and pads (ONNX's order: every axis's start, then every axis's end)."""
    return {"kernel_shape": list(geo.kernel), "strides": list(geo.stride), "dilations": list(geo.dilation),
            "pads": [before for before, _ in geo.padding] + [after for _, after in geo.padding]}


@writes("conv")
def conv(b, node, in_shapes, out_shape, weights):
    layer = node.layer
    geo = layer.geometry(in_shapes[0])
    inputs = b.inputs(node) + [b.constant(f"{node.name}.weight", weights["weight"])]
    if layer.bias:
        inputs.append(b.constant(f"{node.name}.bias", weights["bias"]))
    b.op("Conv", inputs, node.name, group=layer.groups, **window_attributes(geo))
