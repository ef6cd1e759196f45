"""Global response normalisation in numpy (cnncalc/layers/grn.py)."""

from __future__ import annotations

import numpy as np

from cnncalc.execute import channel_shape, executes


def whole_sample(layer, inputs, ctx):
    """Structural run: every output unit of a sample depends on every input unit of it (the norms are over
    all positions, their mean over all channels)."""
    (x,) = inputs
    reached = x.reshape(x.shape[0], -1).max(axis=1)
    return np.broadcast_to(reached.reshape(-1, *([1] * (x.ndim - 1))), x.shape).copy()


@executes("grn", structural=whole_sample)
def grn(layer, inputs, ctx):
    """`y = x + β + γ·x·N`, `N_c = G_c / (mean_c G + ε)`, `G_c` the L2 norm of channel `c` over the positions"""
    (x,) = inputs
    gamma = ctx.weight("weight", (x.shape[1],), fan_in=1).reshape(channel_shape(x))
    beta = ctx.shift("bias", (x.shape[1],)).reshape(channel_shape(x))
    g = np.sqrt((x * x).sum(axis=tuple(range(2, x.ndim)), keepdims=True))
    n = g / (g.mean(axis=1, keepdims=True) + layer.eps)
    return x + beta + gamma * (x * n)
