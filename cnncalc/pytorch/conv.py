"""PyTorch writer of conv (cnncalc/layers/conv.py), and the convolution code the other windows share."""

from __future__ import annotations

from cnncalc.export.code import PAD_SAME, Code, args, axes, ndim, padded, size_dependent, symmetric_padding, writes
from cnncalc.layers.sliding import geometry


def conv_code(shape, out, kernel, stride, padding, dilation, groups, bias, suffix=""):
    """(attribute suffix, nn.ConvNd constructor) and the expression of its input (behind an F.pad when the
    padding is asymmetric) of a convolution on an input of ``shape``."""
    count = ndim(shape)
    geo = geometry(shape[1:], kernel, stride, padding, dilation)
    same = (geo.kernel, geo.stride, geo.dilation) if size_dependent(padding, stride) else None
    ctor = f"nn.Conv{count}d(" + args(shape[0], out, axes(geo.kernel), stride=(axes(geo.stride), "1"),
                                      padding=("0" if same else symmetric_padding(geo.padding), "0"),
                                      dilation=(axes(geo.dilation), "1"), groups=(groups, 1),
                                      bias=(bias, True)) + ")"
    return (suffix, ctor), padded(geo.padding, same=same)


@writes("conv", helpers=(PAD_SAME,))
def conv(layer, shapes, out):
    module, inner = conv_code(shapes[0], layer.out, layer.kernel, layer.stride, layer.padding, layer.dilation,
                              layer.groups, layer.bias)
    return Code(modules=(module,), expr="{m}(" + inner + ")", helpers=used(inner))


def used(inner: str) -> tuple:
    """The helpers an input expression calls."""
    return ("pad_same",) if inner.startswith("pad_same(") else ()
