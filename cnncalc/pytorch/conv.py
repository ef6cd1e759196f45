"""PyTorch writers of conv and std_conv (cnncalc/layers/conv.py; std_conv a module written into the file), and
the convolution code the other windows share."""

from __future__ import annotations

from cnncalc.export.code import (PAD_SAME, Code, Helper, args, axes, ndim, padded, size_dependent, symmetric_padding,
                                 writes)
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


STD_CONV = '''
class StdConv(nn.Module):
    """A convolution whose filters are standardised over their fan-in before use (weight standardisation:
    mean 0, biased variance 1, + eps), each times a learnable gain (timm's ScaledStdConv2d, whose fixed
    gamma / sqrt(fan-in) is part of the gain's value) or not (StdConv2d)."""

    def __init__(self, conv, gain, eps):
        super().__init__()
        self.conv = conv
        self.gain = nn.Parameter(torch.ones(conv.out_channels)) if gain else None
        self.eps = eps

    def forward(self, x):
        weight = self.conv.weight
        flat = weight.reshape(weight.shape[0], -1)
        flat = (flat - flat.mean(1, keepdim=True)) / torch.sqrt(flat.var(1, unbiased=False, keepdim=True) + self.eps)
        if self.gain is not None:
            flat = flat * self.gain.unsqueeze(1)
        return self.conv._conv_forward(x, flat.reshape_as(weight), self.conv.bias)
'''


@writes("std_conv", helpers=(PAD_SAME, Helper("StdConv", STD_CONV)))
def std_conv(layer, shapes, out):
    (suffix, ctor), inner = conv_code(shapes[0], layer.out, layer.kernel, layer.stride, layer.padding,
                                      layer.dilation, layer.groups, layer.bias)
    return Code(modules=((suffix, f"StdConv({ctor}, {layer.gain}, {layer.eps!r})"),), expr="{m}(" + inner + ")",
                helpers=("StdConv", *used(inner)))
