"""Whole-input and routing layers in numpy: input, dense, global pooling, flatten, concat, add."""

from __future__ import annotations

import numpy as np

from cnncalc.execute import executes


@executes("input")
def network_input(layer, inputs, ctx):
    """The verifier passes the network input as this node's only input."""
    (x,) = inputs
    return x


@executes("dense")
def dense(layer, inputs, ctx):
    """x @ W + b with W [in, out] (PyTorch stores W transposed: [out, in])."""
    (x,) = inputs
    weight = ctx.weight("weight", (x.shape[1], layer.out), fan_in=x.shape[1])
    out = x @ weight.astype(x.dtype)
    if layer.bias:
        out = out + ctx.shift("bias", (layer.out,)).astype(x.dtype)
    return out


def _global(x: np.ndarray, keepdims: bool, reduce) -> np.ndarray:
    axes = tuple(range(2, x.ndim))
    return reduce(x, axis=axes, keepdims=keepdims)


@executes("global_avgpool")
def global_avgpool(layer, inputs, ctx):
    (x,) = inputs
    return _global(x, layer.keepdims, np.mean)


@executes("global_maxpool")
def global_maxpool(layer, inputs, ctx):
    (x,) = inputs
    return _global(x, layer.keepdims, np.max)


@executes("flatten")
def flatten(layer, inputs, ctx):
    """[B, C, *spatial] → [B, C·prod(spatial)], channels outermost (PyTorch's order for NCHW)."""
    (x,) = inputs
    return x.reshape(x.shape[0], -1)


@executes("concat")
def concat(layer, inputs, ctx):
    return np.concatenate(inputs, axis=1)


@executes("add")
def add(layer, inputs, ctx):
    out = inputs[0].copy()
    for x in inputs[1:]:
        out = out + x
    return out
