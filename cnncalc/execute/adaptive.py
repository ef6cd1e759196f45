"""Adaptive pooling in numpy: PyTorch's windows, enumerated here."""

from __future__ import annotations

import numpy as np

from cnncalc import shapes
from cnncalc.execute import SAME, executes


def pool_boxes(x: np.ndarray, per_axis: list, reduce) -> np.ndarray:
    """Reduce [B, C, *spatial] over boxes: ``per_axis[a]`` lists the [start, end) windows on spatial axis a;
    output [B, C, *(len(windows) per axis)]. A box is a product of intervals, so its max (or mean) is the
    max (mean) over one axis after another."""
    for axis, wins in enumerate(per_axis, start=2):
        x = np.stack([reduce(np.take(x, range(start, end), axis=axis), axis=axis) for start, end in wins], axis=axis)
    return x


def adaptive_windows(size: int, out: int) -> list[tuple[int, int]]:
    """PyTorch's rule: output i pools [floor(i·size/out), ceil((i+1)·size/out))."""
    return [((i * size) // out, -(-((i + 1) * size) // out)) for i in range(out)]


def _adaptive(layer, x, reduce):
    sizes = shapes.per_axis(layer.size, x.ndim - 2, "size")
    return pool_boxes(x, [adaptive_windows(n, m) for n, m in zip(x.shape[2:], sizes)], reduce)


@executes("adaptive_avgpool", structural=SAME)
def adaptive_avgpool(layer, inputs, ctx):
    """mean / maximum over `[floor(i·in/out), ceil((i+1)·in/out))` per axis (PyTorch)"""
    (x,) = inputs
    return _adaptive(layer, x, np.mean)


@executes("adaptive_maxpool", structural=SAME)
def adaptive_maxpool(layer, inputs, ctx):
    """mean / maximum over `[floor(i·in/out), ceil((i+1)·in/out))` per axis (PyTorch)"""
    (x,) = inputs
    return _adaptive(layer, x, np.max)
