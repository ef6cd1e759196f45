"""Convolution in numpy, tap by tap over the sliding windows of cnncalc/execute/sliding.py."""

from __future__ import annotations

import numpy as np

from cnncalc import shapes
from cnncalc.execute import SAME, channel_shape, executes
from cnncalc.execute.sliding import pad, taps, windows


@executes("conv", structural=SAME)
def conv(layer, inputs, ctx):
    """cross-correlation with PyTorch's weight layout `[out, in/groups, *kernel]`, zero padding, stride,
    dilation, groups, bias; 1-, 2- and 3-D. One matrix product per kernel tap, over all positions and the
    batch at once"""
    (x,) = inputs
    win = windows(x.shape[2:], layer.kernel, layer.stride, layer.padding, layer.dilation)
    c_in = x.shape[1] // layer.groups
    weight = ctx.weight("weight", (layer.out, c_in, *win.kernel), fan_in=c_in * shapes.product(win.kernel))
    return _convolve(layer, x, win, weight, ctx)


def _convolve(layer, x, win, weight, ctx):
    """The convolution of ``x`` with ``weight`` [out, in/groups, *kernel] over the windows ``win``, and the
    layer's bias."""
    batch, channels = x.shape[0], x.shape[1]
    groups = layer.groups
    c_in, c_out = channels // groups, layer.out // groups
    per_group = weight.reshape(groups, c_out, c_in, *win.kernel)
    # channels outermost, batch folded into the positions: one (c_out × c_in) @ (c_in × batch·positions)
    # product per group and tap
    padded = np.moveaxis(pad(x, win, 0.0), 1, 0)
    padded = padded.reshape(groups, c_in, *padded.shape[1:])
    columns = batch * shapes.product(win.counts)
    out = np.zeros((groups, c_out, columns), dtype=np.result_type(x, weight))
    for offsets, view in taps(padded, win):
        index = (..., *offsets)      # a tuple of its own: Python 3.10 has no a[..., *offsets]
        out += per_group[index] @ view.reshape(groups, c_in, columns)
    out = np.moveaxis(out.reshape(layer.out, batch, *win.counts), 0, 1)
    if layer.bias:
        out = out + ctx.shift("bias", (layer.out,)).reshape(channel_shape(out))
    return out


def _plain(layer, inputs, ctx):
    """Structural run: the convolution of the weights as drawn (ones), whose support is the standardised
    one's (standardising ones would give zeros)."""
    return conv(layer, inputs, ctx)


@executes("std_conv", structural=_plain)
def std_conv(layer, inputs, ctx):
    """the `conv` executor after each filter is standardised over its fan-in, `(w − mean) / √(var + ε)`
    (biased variance), times its drawn gain with `gain`"""
    (x,) = inputs
    win = windows(x.shape[2:], layer.kernel, layer.stride, layer.padding, layer.dilation)
    c_in = x.shape[1] // layer.groups
    raw = ctx.weight("weight", (layer.out, c_in, *win.kernel), fan_in=c_in * shapes.product(win.kernel))
    flat = raw.reshape(layer.out, -1)
    weight = (flat - flat.mean(axis=1, keepdims=True)) / np.sqrt(flat.var(axis=1, keepdims=True) + layer.eps)
    if layer.gain:
        weight = weight * ctx.positive("gain", (layer.out,)).reshape(-1, 1)
    return _convolve(layer, x, win, weight.reshape(raw.shape), ctx)
