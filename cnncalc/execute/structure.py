"""The network input, flatten and the merges in numpy: concat, add, mul (numpy broadcasting)."""

from __future__ import annotations

import numpy as np

from cnncalc.execute import SAME, executes


@executes("input", structural=SAME)
def network_input(layer, inputs, ctx):
    """The verifier passes the network input as this node's only input."""
    return inputs[0]


@executes("flatten", structural=SAME)
def flatten(layer, inputs, ctx):
    """channels outermost (PyTorch's order for `[C, H, W]`)"""
    (x,) = inputs
    return x.reshape(x.shape[0], int(np.prod(x.shape[1:])))     # -1 cannot be inferred for an empty batch


@executes("concat", structural=SAME)
def concat(layer, inputs, ctx):
    """the inputs joined along the channels"""
    return np.concatenate(inputs, axis=1)


@executes("add", structural=SAME)
def add(layer, inputs, ctx):
    """element-wise sum of the inputs, numpy's broadcasting"""
    out = inputs[0].copy()
    for x in inputs[1:]:
        out = out + x
    return out


def mul_dependencies(layer, inputs, ctx):
    """Structural run of mul: a product of 0/1 values is non-zero only where every factor is, but the
    output depends on each factor, so the dependencies are their (broadcast) sum."""
    return add(layer, inputs, ctx)


@executes("mul", structural=mul_dependencies)
def mul(layer, inputs, ctx):
    """element-wise product of the inputs, numpy's broadcasting"""
    out = inputs[0]
    for x in inputs[1:]:
        out = out * x
    return out
