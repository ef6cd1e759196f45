"""torch's nn.Linear over the channel axis at every position, in numpy."""

from __future__ import annotations

import numpy as np

from cnncalc.execute import SAME, executes


@executes("linear", structural=SAME)
def linear(layer, inputs, ctx):
    """`x @ W + b` over the channels at every position (`W [C, out]`)

    At every position y = x @ W + b over the channels, W [C, out] (torch stores it transposed: [out, C])."""
    (x,) = inputs
    weight = ctx.weight("weight", (x.shape[1], layer.out), fan_in=x.shape[1])
    out = np.moveaxis(x, 1, -1) @ weight.astype(x.dtype)
    if layer.bias:
        out = out + ctx.shift("bias", (layer.out,)).astype(x.dtype)
    return np.moveaxis(out, -1, 1)
