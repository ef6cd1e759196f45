"""PyTorch writer of conv (cnncalc/layers/conv.py), and the convolution code the other windows share."""

from __future__ import annotations

from cnncalc.export.code import Code, args, axes, ndim, padded, symmetric_padding, writes
from cnncalc.layers.sliding import geometry


def conv_code(shape, out, kernel, stride, padding, dilation, groups, bias, suffix=""):
    """(attribute suffix, nn.ConvNd constructor) and the expression of its input (behind an F.pad when the
    padding is asymmetric) of a convolution on an input of ``shape``."""
    count = ndim(shape)
    geo = geometry(shape[1:], kernel, stride, padding, dilation)
    ctor = f"nn.Conv{count}d(" + args(shape[0], out, axes(geo.kernel), stride=(axes(geo.stride), "1"),
                                      padding=(symmetric_padding(geo.padding), "0"),
                                      dilation=(axes(geo.dilation), "1"), groups=(groups, 1),
                                      bias=(bias, True)) + ")"
    return (suffix, ctor), padded(geo.padding)


@writes("conv")
def conv(layer, shapes, out):
    module, inner = conv_code(shapes[0], layer.out, layer.kernel, layer.stride, layer.padding, layer.dilation,
                              layer.groups, layer.bias)
    return Code(modules=(module,), expr="{m}(" + inner + ")")
