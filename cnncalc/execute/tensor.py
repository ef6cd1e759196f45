"""numpy executors of matmul, reduce, permute, expand and roll (cnncalc/layers/tensor.py). Every array has the batch
axis first, so a layer's axis a is the array's axis a + 1."""

from __future__ import annotations

import numpy as np

from cnncalc.execute import SAME, executes


def _axes(layer, x: np.ndarray) -> tuple:
    """The layer's reduced axes as axes of the batched array."""
    return tuple(a + 1 for a in layer.reduced(x.shape[1:]))


def matmul_dependencies(layer, inputs, ctx):
    """Structural run of matmul (a product of two values that depend on the input): output (i, j) depends
    on every element of row i of A and of column j of B, a sum of the two."""
    a, b = inputs
    rows = a.sum(axis=-1, keepdims=True)                 # [..., M, 1]
    columns = b.sum(axis=-2, keepdims=True)              # [..., 1, N]
    return rows + columns


@executes("matmul", structural=matmul_dependencies)
def matmul(layer, inputs, ctx):
    """`A @ B` over the last two axes, the leading ones broadcast (numpy's matmul)"""
    a, b = inputs
    return np.matmul(a, b)


@executes("reduce", structural=SAME)        # sums, means, maxima and norms of 0/1 values: non-zero where one is
def reduce(layer, inputs, ctx):
    """`sum`, `mean`, `max` or `l2` (√Σx²) over the layer's axes, `keepdims` as given"""
    (x,) = inputs
    axes = _axes(layer, x)
    if layer.op == "sum":
        return x.sum(axis=axes, keepdims=layer.keepdims)
    if layer.op == "mean":
        return x.mean(axis=axes, keepdims=layer.keepdims)
    if layer.op == "max":
        return x.max(axis=axes, keepdims=layer.keepdims)
    return np.sqrt((x * x).sum(axis=axes, keepdims=layer.keepdims))


@executes("permute", structural=SAME)       # a permutation of the elements
def permute(layer, inputs, ctx):
    """numpy's `transpose` of each example's axes"""
    (x,) = inputs
    return np.ascontiguousarray(x.transpose(0, *(d + 1 for d in layer.order(x.shape[1:]))))


@executes("expand", structural=SAME)        # copies of elements
def expand(layer, inputs, ctx):
    """numpy's `broadcast_to` the layer's shape (new axes in front)"""
    (x,) = inputs
    out = layer.target(x.shape[1:])
    added = len(out) - (x.ndim - 1)
    x = x.reshape(x.shape[0], *([1] * added), *x.shape[1:])
    return np.broadcast_to(x, (x.shape[0], *out)).copy()


@executes("roll", structural=SAME)          # a permutation of the elements
def roll(layer, inputs, ctx):
    """numpy's `roll` along the layer's axes"""
    (x,) = inputs
    pairs = layer.rolled(x.shape[1:])
    return np.roll(x, [shift for _, shift in pairs], [axis + 1 for axis, _ in pairs])
