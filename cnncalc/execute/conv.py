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
        index = (..., *offsets)      # a tuple of its own: Python 3.10 has no a[..., *offsets]
        out += per_group[index] @ view.reshape(groups, c_in, columns)
    out = np.moveaxis(out.reshape(layer.out, batch, *win.counts), 0, 1)
    if layer.bias:
        out = out + ctx.shift("bias", (layer.out,)).reshape(channel_shape(out))
    return out
