"""PyTorch writers of depthwise_conv and separable_conv (cnncalc/layers/separable.py)."""

from __future__ import annotations

from cnncalc.export.code import PAD_SAME, Code, args, ndim, writes
from cnncalc.pytorch.conv import conv_code, used


@writes("depthwise_conv", helpers=(PAD_SAME,))
def depthwise_conv(layer, shapes, out):
    c = shapes[0][0]
    module, inner = conv_code(shapes[0], c * layer.multiplier, layer.kernel, layer.stride, layer.padding,
                              layer.dilation, c, layer.bias)
    return Code(modules=(module,), expr="{m}(" + inner + ")", helpers=used(inner))


@writes("separable_conv", helpers=(PAD_SAME,))
def separable_conv(layer, shapes, out):
    # the depthwise part has no bias; the pointwise 1×1 convolution carries it (docs/spec.md)
    c = shapes[0][0]
    module, inner = conv_code(shapes[0], c * layer.multiplier, layer.kernel, layer.stride, layer.padding,
                              layer.dilation, c, False, "_depthwise")
    pointwise = ("_pointwise", f"nn.Conv{ndim(shapes[0])}d(" + args(c * layer.multiplier, layer.out, 1,
                                                                    bias=(layer.bias, True)) + ")")
    return Code(modules=(module, pointwise), expr="{m_pointwise}({m_depthwise}(" + inner + "))",
                helpers=used(inner))
