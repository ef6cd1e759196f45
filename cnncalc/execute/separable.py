"""Depthwise and depthwise-separable convolution in numpy, as the grouped convolutions they are."""

from __future__ import annotations

from cnncalc.execute import SAME, executes
from cnncalc.execute.conv import conv
from cnncalc.layers.conv import Conv


def _depthwise(layer, x, ctx, bias: bool):
    """A conv with groups = C_in and C_in·multiplier outputs: output channel c·m + j filters input channel c."""
    channels = x.shape[1]
    grouped = Conv(out=channels * layer.multiplier, kernel=layer.kernel, stride=layer.stride,
                   padding=layer.padding, dilation=layer.dilation, groups=channels, bias=bias)
    return conv(grouped, [x], ctx)


@executes("depthwise_conv", structural=SAME)
def depthwise_conv(layer, inputs, ctx):
    """the `conv` executor with `groups = C_in`, `out = C_in·multiplier` (weight `[C_in·m, 1, *kernel]`)"""
    (x,) = inputs
    return _depthwise(layer, x, ctx, layer.bias)


@executes("separable_conv", structural=SAME)
def separable_conv(layer, inputs, ctx):
    """the `depthwise_conv` executor without bias, then a 1×1 `conv` with the bias

    The depthwise convolution (no bias) then a 1×1 convolution to ``out`` channels with the bias.
    ``ctx.drawn`` holds 'depthwise_weight', 'pointwise_weight' [out, C_in·m, 1, ...] and 'bias'."""
    (x,) = inputs
    mid = _depthwise(layer, x, ctx, bias=False)
    ctx.drawn["depthwise_weight"] = ctx.drawn.pop("weight")
    pointwise = Conv(out=layer.out, kernel=1, stride=1, padding=0, dilation=1, groups=1, bias=layer.bias)
    out = conv(pointwise, [mid], ctx)
    ctx.drawn["pointwise_weight"] = ctx.drawn.pop("weight")
    return out
