"""The learnable tensors in numpy (cnncalc/layers/learnable.py)."""

from __future__ import annotations

import numpy as np

from cnncalc.execute import SAME, executes


@executes("class_token", structural=SAME)       # a copy, and drawn tokens (zeros in the structural run)
def class_token(layer, inputs, ctx):
    """`tokens` drawn vectors, then the sequence, along the length"""
    (x,) = inputs
    tokens = ctx.shift("weight", (x.shape[1], layer.tokens))
    return np.concatenate([np.broadcast_to(tokens, (x.shape[0], *tokens.shape)), x], axis=2)


@executes("position_embedding", structural=SAME)
def position_embedding(layer, inputs, ctx):
    """the input plus a drawn tensor of its shape"""
    (x,) = inputs
    return x + ctx.shift("weight", x.shape[1:])
