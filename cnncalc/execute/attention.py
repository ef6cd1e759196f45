"""numpy executor of relative_position_bias (cnncalc/layers/attention.py)."""

from __future__ import annotations

import numpy as np

from cnncalc.execute import SAME, executes
from cnncalc.layers.attention import relative_index


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
