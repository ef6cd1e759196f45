"""Locally connected and tiled convolution in numpy: a convolution's windows (enumerated as for ``conv``),
with weights per output position (``local``) or per position modulo the tile (``tiled_conv``)."""

from __future__ import annotations

import numpy as np

from cnncalc import shapes
from cnncalc.execute import SAME, executes
from cnncalc.execute.sliding import Windows, pad, taps, windows


def unshared(x: np.ndarray, win: Windows, weight: np.ndarray) -> np.ndarray:
    """out[b, o, p] = Σ over channels c and taps t of weight[p, o, c, t] · x[b, c, window p's tap t], with
    ``weight`` [positions, out, C_in, *kernel] (positions row-major over the output's axes)."""
    batch, channels = x.shape[:2]
    positions = shapes.product(win.counts)
    out = np.zeros((batch, weight.shape[1], positions), dtype=np.result_type(x, weight))
    for offsets, view in taps(pad(x, win, 0.0), win):
        out += np.einsum("poc,bcp->bop", weight[(slice(None),) * 3 + offsets], view.reshape(batch, channels, positions))
    return out.reshape(batch, weight.shape[1], *win.counts)


def _windows(layer, x) -> Windows:
    return windows(x.shape[2:], layer.kernel, layer.stride, layer.padding, layer.dilation)


@executes("local", structural=SAME)
def local(layer, inputs, ctx):
    """a convolution's windows with weights per output position, `[positions, out, C_in, *kernel]` (positions
    row-major); bias `position` `[out, *output]`, `channel` `[out]`, `none`

    Weight [output positions, out, C_in, *kernel]; bias 'position' [out, *output], 'channel' [out] or none."""
    (x,) = inputs
    win = _windows(layer, x)
    channels = x.shape[1]
    weight = ctx.weight("weight", (shapes.product(win.counts), layer.out, channels, *win.kernel),
                        fan_in=channels * shapes.product(win.kernel))
    out = unshared(x, win, weight)
    if layer.bias == "position":
        out = out + ctx.shift("bias", (layer.out, *win.counts))[None]
    elif layer.bias == "channel":
        out = out + ctx.shift("bias", (layer.out,)).reshape((1, layer.out) + (1,) * len(win.counts))
    return out


@executes("tiled_conv", structural=SAME)
def tiled_conv(layer, inputs, ctx):
    """as `local`, position `y` using weight set `y mod tile` per axis: weights `[*sets, out, C_in, *kernel]`,
    bias `[*sets, out]`

    Output position y (per axis) uses weight set y mod tile: weight [*sets, out, C_in, *kernel] and bias
    [*sets, out], where the sets per axis are the residues the output positions take."""
    (x,) = inputs
    win = _windows(layer, x)
    channels = x.shape[1]
    tile = shapes.per_axis(layer.tile, len(win.counts), "tile")
    residues = [[y % t for y in range(n)] for n, t in zip(win.counts, tile)]
    sets = tuple(max(r) + 1 for r in residues)
    weight = ctx.weight("weight", (*sets, layer.out, channels, *win.kernel),
                        fan_in=channels * shapes.product(win.kernel))
    per_position = weight[np.ix_(*residues)].reshape(shapes.product(win.counts), layer.out, channels, *win.kernel)
    out = unshared(x, win, per_position)
    if layer.bias:
        bias = ctx.shift("bias", (*sets, layer.out))[np.ix_(*residues)]       # [*output, out]
        out = out + np.moveaxis(bias, -1, 0)[None]
    return out
