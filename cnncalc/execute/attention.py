"""numpy executors of relative_position_bias and shifted_window_mask (cnncalc/layers/attention.py)."""

from __future__ import annotations

import numpy as np

from cnncalc.execute import SAME, executes
from cnncalc.execute.arith import same_position
from cnncalc.layers.attention import relative_index, shifted_regions


@executes("relative_position_bias", structural=SAME)    # structural: the table is a shift, zero: x itself
def relative_position_bias(layer, inputs, ctx):
    """scores `[B, …, N, N]` + table`[index(query, key), head]`, the heads fastest in the leading axes"""
    (x,) = inputs
    n = x.shape[-1]
    table = ctx.shift("table", (layer.table(), layer.heads))
    bias = table[np.asarray(relative_index(layer.size()))]             # [N, N, heads]
    bias = np.moveaxis(bias, 2, 0)                                     # [heads, N, N]
    groups = int(np.prod(x.shape[1:])) // (layer.heads * n * n)       # per example (numpy cannot infer a -1
    grouped = x.reshape(x.shape[0], groups, layer.heads, n, n)         # from an empty batch)
    return (grouped + bias).reshape(x.shape)


def mask_values(size: tuple, window: int, shift: int):
    """Swin's mask [windows, N, N] of a map ``size`` in windows of ``window``² tokens shifted by ``shift``: −100
    where the query's and the key's regions differ, else 0 (float32)."""
    regions = np.asarray(shifted_regions(tuple(size), window, shift))         # [windows, N]
    return np.where(regions[:, :, None] != regions[:, None, :], -100.0, 0.0).astype(np.float32)


def window_mask(layer):
    """The layer's mask [windows, N, N] (:func:`mask_values`)."""
    return mask_values(tuple(layer.size), layer.window, layer.shift)


@executes("shifted_window_mask", structural=same_position)      # x + c: each element from its own
def shifted_window_mask(layer, inputs, ctx):
    """scores `[B, …, N, N]` + mask`[window, query, key]`, the heads fastest in the leading axes"""
    (x,) = inputs
    n = x.shape[-1]
    groups = int(np.prod(x.shape[1:])) // (layer.heads * n * n)       # numpy cannot infer a -1 from an empty batch
    grouped = x.reshape(x.shape[0], groups, layer.heads, n, n)
    return (grouped + window_mask(layer)[:, None]).reshape(x.shape)
