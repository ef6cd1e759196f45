"""The per-channel multiplier in numpy."""

from __future__ import annotations

from cnncalc.execute import SAME, channel_shape, executes


@executes("scale", structural=SAME)
def scale(layer, inputs, ctx):
    """a learnable factor per channel, `γ [C]` times each channel"""
    (x,) = inputs
    gamma = ctx.weight("weight", (x.shape[1],), fan_in=1)
    return x * gamma.reshape(channel_shape(x))
