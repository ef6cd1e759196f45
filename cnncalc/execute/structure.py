"""Routing layers in numpy: input, flatten, concat, add."""

from __future__ import annotations

import numpy as np

from cnncalc.execute import SAME, executes


@executes("input", structural=SAME)
def network_input(layer, inputs, ctx):
    """The verifier passes the network input as this node's only input."""
    (x,) = inputs
    return x


@executes("flatten", structural=SAME)
def flatten(layer, inputs, ctx):
    """[B, C, *spatial] → [B, C·prod(spatial)], channels outermost (PyTorch's order for NCHW)."""
    (x,) = inputs
    return x.reshape(x.shape[0], -1)


@executes("concat", structural=SAME)
def concat(layer, inputs, ctx):
    return np.concatenate(inputs, axis=1)


@executes("add", structural=SAME)
def add(layer, inputs, ctx):
    out = inputs[0].copy()
    for x in inputs[1:]:
        out = out + x
    return out
