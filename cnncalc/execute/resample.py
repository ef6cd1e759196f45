"""Upsampling in numpy: one interpolation matrix per spatial axis, applied axis after axis (nearest and
(multi)linear interpolation are products of per-axis weights, as PyTorch computes them).

The matrices are built from exact fractions by PyTorch's index rules, clamping at the edges included. Their
weights are positive, so the structural run (the same function) is non-zero where a weight is (an input read
with weight 0, as linear interpolation's second input when the source position is whole, is not read)."""

from __future__ import annotations

from fractions import Fraction
import numpy as np

from cnncalc import shapes
from cnncalc.execute import SAME, executes
from cnncalc.layers.resample import linear_source


def nearest_weights(size: int, out: int) -> list[dict]:
    """Output o copies input floor(o·size/out) (PyTorch's 'nearest')."""
    return [{(o * size) // out: Fraction(1)} for o in range(out)]


def linear_weights(size: int, out: int, align_corners: bool) -> list[dict]:
    """PyTorch's linear rule (cnncalc/layers/resample.py, linear_source): inputs floor(src) with weight
    1 − λ and the next (the same one at the last input) with weight λ."""
    rows = []
    for o in range(out):
        low, high, weight = linear_source(o, size, out, align_corners)
        row: dict = {}
        for i, w in ((low, 1 - weight), (high, weight)):
            if w:
                row[i] = row.get(i, 0) + w
        rows.append(row)
    return rows


def matrix(rows: list[dict], size: int, dtype: type) -> np.ndarray:
    m: np.ndarray = np.zeros((len(rows), size), dtype=dtype)
    for o, row in enumerate(rows):
        for i, w in row.items():
            m[o, i] = float(w)
    return m


@executes("upsample", structural=SAME)
def upsample(layer, inputs, ctx):
    """one interpolation matrix per axis from exact fractions: nearest `floor(o·in/out)`; linear by PyTorch's
    source index (`(o + ½)·in/out − ½` clamped at 0, or `o·(in−1)/(out−1)` with `align_corners`), the upper
    neighbour clamped at the last input; bilinear and trilinear as products over the axes"""
    x = inputs[0]                     # a like: layer comes second, for its shape only
    spatial = x.shape[2:]
    if layer.scale is not None:
        sizes = [n * s for n, s in zip(spatial, shapes.per_axis(layer.scale, len(spatial), "scale"))]
    elif layer.like is not None:
        sizes = list(inputs[1].shape[2:])
    else:
        sizes = list(shapes.per_axis(layer.size, len(spatial), "size"))
    for axis, (n, m) in enumerate(zip(spatial, sizes), start=2):
        rows = nearest_weights(n, m) if layer.mode == "nearest" else linear_weights(n, m, layer.align_corners)
        x = np.moveaxis(np.tensordot(x, matrix(rows, n, ctx.dtype), axes=([axis], [1])), -1, axis)
    return x
