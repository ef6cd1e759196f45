"""Spatial pyramid pooling in numpy."""

from __future__ import annotations

import numpy as np

from cnncalc.execute import SAME, executes
from cnncalc.execute.adaptive import pool_boxes


def level_windows(size: int, bins: int) -> list[tuple[int, int]]:
    """SPPNet's rule on one axis: windows of ceil(size/bins) positions, floor(size/bins) apart from 0, every
    one that fits in the input (no padding). [start, end) per window."""
    window, stride = -(-size // bins), size // bins
    return [(start, start + window) for start in range(0, size - window + 1, stride)]


@executes("spp", structural=SAME, flat_unit="vector")
def spp(layer, inputs, ctx):
    """per level n and axis, windows `ceil(in/n)` wide and `floor(in/n)` apart from 0, every one that fits;
    max or mean over each box; each level flattened channels outermost (`[C, *bins]`), the levels concatenated
    in the order given

    Each level pooled to [B, C, *bins] (max or mean over each box of windows), flattened channels
    outermost, then the levels concatenated in the order given: [level 1's C·bins, level 2's, ...].
    
    The output is one feature vector and verify measures it as one unit (``flat_unit="vector"``): the union
    of its bins' fields (the analysis: the whole input, docs/conventions.md); its element 0 is one bin only."""
    (x,) = inputs
    reduce = np.max if layer.mode == "max" else np.mean
    parts = []
    for bins in layer.levels:
        per_axis = [level_windows(n, bins) for n in x.shape[2:]]
        parts.append(pool_boxes(x, per_axis, reduce).reshape(x.shape[0], -1))
    return np.concatenate(parts, axis=1)

