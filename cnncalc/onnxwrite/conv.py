"""ONNX writers of conv (one Conv node) and std_conv (its weight standardised by nodes before the Conv),
cnncalc/layers/conv.py."""

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


@writes("std_conv")
def std_conv(b, node, in_shapes, out_shape, weights):
    """The weight standardised in the graph as torch writes timm's ScaledStdConv2d (without folding): the
    weight reshaped to [1, C_out, fan-in], BatchNormalization by its own mean and variance (ReduceMean), the
    gain its scale (a Constant of ones without one), a Constant shift of zeros, reshaped back, then Conv."""
    import numpy as np
    from onnx import numpy_helper

    layer = node.layer
    geo = layer.geometry(in_shapes[0])
    name = node.name
    weight = weights["weight"]
    flat = b.op("Reshape", [b.constant(f"{name}.weight", weight),
                            b.constant(f"{name}.flat", [1, layer.out, -1], "int64")], f"{name}.flat_weight")
    centred = b.op("Sub", [flat, b.op("ReduceMean", [flat], f"{name}.mean_kept", axes=[0, 2], keepdims=1)],
                   f"{name}.centred")
    mean = b.op("ReduceMean", [flat], f"{name}.mean", axes=[0, 2], keepdims=0)
    var = b.op("ReduceMean", [b.op("Mul", [centred, centred], f"{name}.squares")], f"{name}.var", axes=[0, 2],
               keepdims=0)

    def fixed(what: str, value: float) -> str:
        return b.op("Constant", [], f"{name}.{what}",
                    value=numpy_helper.from_array(np.full(layer.out, value, np.float32), f"{name}.{what}"))

    scale = b.constant(f"{name}.gain", weights["gain"]) if layer.gain else fixed("ones", 1.0)
    standard = b.op("BatchNormalization", [flat, scale, fixed("zeros", 0.0), mean, var], f"{name}.standardised",
                    epsilon=float(layer.eps))
    inputs = b.inputs(node) + [b.op("Reshape", [standard, b.constant(f"{name}.shape", list(weight.shape), "int64")],
                                    f"{name}.weight_standardised")]
    if layer.bias:
        inputs.append(b.constant(f"{name}.bias", weights["bias"]))
    b.op("Conv", inputs, name, group=layer.groups, **window_attributes(geo))
