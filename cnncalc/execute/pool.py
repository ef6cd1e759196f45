"""Pooling in numpy: windowed max / average / sum over the sliding windows of cnncalc/execute/sliding.py,
and global pooling."""

from __future__ import annotations

import numpy as np

from cnncalc.execute import SAME, executes
from cnncalc.execute.sliding import Windows, pad, taps, windows
from cnncalc.layers.pool import binomial_filter


def _pool_windows(layer, x) -> Windows:
    stride = layer.kernel if layer.stride is None else layer.stride
    return windows(x.shape[2:], layer.kernel, stride, layer.padding, layer.dilation, layer.ceil_mode)


def _window_sum(padded: np.ndarray, win: Windows) -> np.ndarray:
    total: np.ndarray | None = None
    for _, view in taps(padded, win):
        total = view.copy() if total is None else total + view
    assert total is not None          # a window has at least one tap
    return total


@executes("sumpool", structural=SAME)
def sumpool(layer, inputs, ctx):
    """window sum, zero padding"""
    (x,) = inputs
    win = _pool_windows(layer, x)
    return _window_sum(pad(x, win, 0.0), win)


@executes("maxpool", structural=sumpool)
def maxpool(layer, inputs, ctx):
    """maximum over each window, padding −∞; `ceil_mode`: one more, partial window when the full ones leave
    the end uncovered and it starts inside the input or the left padding (PyTorch)

    Maximum over each window; padding never wins (PyTorch pads with −∞). Structural run: the window's sum,
    whose support is the max's on values ≥ 0 (padding with −∞ would make a window of padding alone non-zero)."""
    (x,) = inputs
    win = _pool_windows(layer, x)
    out = None
    for _, view in taps(pad(x, win, -np.inf), win):
        out = view.copy() if out is None else np.maximum(out, view)
    return out


@executes("avgpool", structural=SAME)
def avgpool(layer, inputs, ctx):
    """window sum / the number of the window's elements inside the input or its padding (PyTorch's
    `count_include_pad=True`); elements of a ceil-mode partial window past the padding are not counted (as
    PyTorch: `n=6, k=3, s=2, p=1` on `1..6` gives `1, 3, 5, 3`)"""
    (x,) = inputs
    win = _pool_windows(layer, x)
    total = _window_sum(pad(x, win, 0.0), win)
    inside = pad(np.ones((1, 1, *x.shape[2:])), win, 1.0, extension_value=0.0)
    return total / _window_sum(inside, win)


def _global(x: np.ndarray, keepdims: bool, reduce) -> np.ndarray:
    axes = tuple(range(2, x.ndim))
    return reduce(x, axis=axes, keepdims=keepdims)


@executes("global_avgpool", structural=SAME)
def global_avgpool(layer, inputs, ctx):
    """mean / maximum over all spatial axes, `keepdims` as declared"""
    (x,) = inputs
    return _global(x, layer.keepdims, np.mean)


@executes("global_maxpool", structural=SAME)
def global_maxpool(layer, inputs, ctx):
    """mean / maximum over all spatial axes, `keepdims` as declared"""
    (x,) = inputs
    return _global(x, layer.keepdims, np.max)


@executes("blurpool", structural=SAME)
def blurpool(layer, inputs, ctx):
    """each channel filtered by the outer product of the binomial rows `C(k−1, i) / 2^(k−1)` of each axis,
    zero padding, stride, dilation (the filter fixed: nothing drawn)"""
    (x,) = inputs
    win = windows(x.shape[2:], layer.kernel, layer.stride, layer.padding, layer.dilation)
    filt = binomial_filter(win.kernel)
    out: np.ndarray | None = None
    for offsets, view in taps(pad(x, win, 0.0), win):
        tap = float(filt[tuple(offsets)])
        out = tap * view if out is None else out + tap * view
    assert out is not None            # a window has at least one tap
    return out
