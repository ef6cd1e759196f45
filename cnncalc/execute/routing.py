"""identity, stochastic_depth and channel_shuffle in numpy."""

from __future__ import annotations

from cnncalc.execute import SAME, executes


@executes("identity", "stochastic_depth", structural=SAME)
def identity(layer, inputs, ctx):
    """the input itself (`stochastic_depth`: as at inference)"""
    (x,) = inputs
    return x


@executes("channel_shuffle", structural=SAME)
def channel_shuffle(layer, inputs, ctx):
    """`[B, g·n, *s]` read as `[B, g, n, *s]`, the two channel axes swapped, read back as `[B, n·g, *s]`"""
    (x,) = inputs
    b, c, *spatial = x.shape
    g = layer.groups
    return x.reshape(b, g, c // g, *spatial).swapaxes(1, 2).reshape(b, c, *spatial)
