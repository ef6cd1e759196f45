"""Fully connected layers in numpy."""

from __future__ import annotations

from cnncalc.execute import SAME, executes


@executes("dense", structural=SAME)
def dense(layer, inputs, ctx):
    """`x @ W + b`

    x @ W + b with W [in, out] (PyTorch stores W transposed: [out, in])."""
    (x,) = inputs
    weight = ctx.weight("weight", (x.shape[1], layer.out), fan_in=x.shape[1])
    out = x @ weight.astype(x.dtype)
    if layer.bias:
        out = out + ctx.shift("bias", (layer.out,)).astype(x.dtype)
    return out
