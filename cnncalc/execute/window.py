"""Sliding-window layers in numpy: convolution and windowed pooling.

The executors share only the padding forms with the analysis (:func:`cnncalc.shapes.resolve_padding`);
they find the output size by enumerating window positions over the padded array, not by the analysis's
formula, so that ``verify`` compares two independent derivations. A window is applied tap by tap: for
each kernel offset, one strided slice of the padded input covers every output position at once.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from cnncalc import shapes
from cnncalc.execute import channel_shape, executes


@dataclass(frozen=True)
class Windows:
    kernel: tuple       # taps per axis
    dilation: tuple
    stride: tuple
    padding: tuple      # ((before, after), ...) as the layer asks
    extension: tuple    # elements past the right padding that ceil-mode's last, partial window reaches
    counts: tuple       # window positions (output size) per axis


def windows(spatial, kernel, stride, padding, dilation=1, ceil_mode=False) -> Windows:
    ndim = len(spatial)
    k = shapes.per_axis(kernel, ndim, "kernel")
    s = shapes.per_axis(stride, ndim, "stride")
    d = shapes.per_axis(dilation, ndim, "dilation")
    spans = [di * (ki - 1) + 1 for ki, di in zip(k, d)]
    pads = shapes.resolve_padding(padding, spatial, spans, s)
    counts, extension = [], []
    for n, span, step, (before, after) in zip(spatial, spans, s, pads):
        padded = before + n + after
        starts = list(range(0, padded - span + 1, step))        # every window wholly inside the padding
        # PyTorch's ceil_mode: one more, partial window when it overhangs the padded end by less than a
        # stride (the full ones left the end uncovered, or none fits), provided it starts inside the
        # input or the left padding
        following = starts[-1] + step if starts else 0
        if ceil_mode and following + span - padded < step and following < before + n:
            starts.append(following)
        counts.append(len(starts))
        extension.append(max(0, starts[-1] + span - padded) if starts else 0)
    return Windows(k, d, s, pads, tuple(extension), tuple(counts))


def pad(x: np.ndarray, win: Windows, value: float, extension_value: float | None = None) -> np.ndarray:
    """Pad the spatial axes of [B, C, *spatial]: the layer's padding with ``value``, ceil-mode's
    extension with ``extension_value`` (default: the same)."""
    extension_value = value if extension_value is None else extension_value
    widths = [(0, 0), (0, 0)] + [(before, after) for before, after in win.padding]
    x = np.pad(x, widths, constant_values=value)
    if any(win.extension):
        x = np.pad(x, [(0, 0), (0, 0)] + [(0, e) for e in win.extension], constant_values=extension_value)
    return x


def taps(padded: np.ndarray, win: Windows):
    """(offsets, view) per kernel tap: the view [..., *counts] holds, at each output position, the input
    element that tap reads."""
    lead = padded.ndim - len(win.kernel)
    for offsets in itertools.product(*(range(k) for k in win.kernel)):
        index = tuple(slice(o * d, o * d + (n - 1) * s + 1, s)
                      for o, d, n, s in zip(offsets, win.dilation, win.counts, win.stride))
        yield offsets, padded[(slice(None),) * lead + index]


@executes("conv")
def conv(layer, inputs, ctx):
    """Cross-correlation, PyTorch's layout: weight [out, in/groups, *kernel], zero padding, groups."""
    (x,) = inputs
    batch, channels, spatial = x.shape[0], x.shape[1], x.shape[2:]
    win = windows(spatial, layer.kernel, layer.stride, layer.padding, layer.dilation)
    groups = layer.groups
    c_in, c_out = channels // groups, layer.out // groups
    taps_per_output = c_in * shapes.product(win.kernel)
    weight = ctx.weight("weight", (layer.out, c_in, *win.kernel), fan_in=taps_per_output)
    per_group = weight.reshape(groups, c_out, c_in, *win.kernel)
    # channels outermost, batch folded into the positions: one (c_out × c_in) @ (c_in × batch·positions)
    # product per group and tap
    padded = np.moveaxis(pad(x, win, 0.0), 1, 0)
    padded = padded.reshape(groups, c_in, *padded.shape[1:])
    columns = batch * shapes.product(win.counts)
    out = np.zeros((groups, c_out, columns), dtype=np.result_type(x, weight))
    for offsets, view in taps(padded, win):
        out += per_group[(..., *offsets)] @ view.reshape(groups, c_in, columns)
    out = np.moveaxis(out.reshape(layer.out, batch, *win.counts), 0, 1)
    if layer.bias:
        out = out + ctx.shift("bias", (layer.out,)).reshape(channel_shape(out))
    return out


def _pool_windows(layer, x) -> Windows:
    stride = layer.kernel if layer.stride is None else layer.stride
    return windows(x.shape[2:], layer.kernel, stride, layer.padding, layer.dilation, layer.ceil_mode)


def _window_sum(padded: np.ndarray, win: Windows) -> np.ndarray:
    total = None
    for _, view in taps(padded, win):
        total = view.copy() if total is None else total + view
    return total


@executes("maxpool")
def maxpool(layer, inputs, ctx):
    """Maximum over each window; padding never wins (PyTorch pads with −∞; the structural run's values are
    never negative, so 0 does the same there without turning a window of padding alone into −∞)."""
    (x,) = inputs
    win = _pool_windows(layer, x)
    out = None
    for _, view in taps(pad(x, win, 0.0 if ctx.structural else -np.inf), win):
        out = view.copy() if out is None else np.maximum(out, view)
    return out


@executes("sumpool")
def sumpool(layer, inputs, ctx):
    """Sum over each window, zero padding."""
    (x,) = inputs
    win = _pool_windows(layer, x)
    return _window_sum(pad(x, win, 0.0), win)


@executes("avgpool")
def avgpool(layer, inputs, ctx):
    """Mean over each window, PyTorch's ``count_include_pad=True``: the divisor counts the window's
    elements inside the input or its padding, but not those of ceil-mode's partial last window that lie
    past the padding."""
    (x,) = inputs
    win = _pool_windows(layer, x)
    total = _window_sum(pad(x, win, 0.0), win)
    inside = pad(np.ones((1, 1, *x.shape[2:])), win, 1.0, extension_value=0.0)
    return total / _window_sum(inside, win)
