"""Pixel shuffle and unshuffle in numpy (cnncalc/layers/pixel.py): a reshape, a transpose, a reshape."""

from __future__ import annotations

from cnncalc.execute import SAME, executes


@executes("pixel_shuffle", structural=SAME)      # a permutation of the elements: its own structural run
def pixel_shuffle(layer, inputs, ctx):
    """output `(c, y, x)` is input channel `c·r² + (y mod r)·r + (x mod r)` (crd) or
    `((y mod r)·r + (x mod r))·C + c` (dcr) at `(y // r, x // r)`"""
    (x,) = inputs
    batch, channels, height, width = x.shape
    r, c = layer.factor, channels // (layer.factor ** 2)
    if layer.order == "crd":
        x = x.reshape(batch, c, r, r, height, width).transpose(0, 1, 4, 2, 5, 3)
    else:
        x = x.reshape(batch, r, r, c, height, width).transpose(0, 3, 4, 1, 5, 2)
    return x.reshape(batch, c, height * r, width * r)


@executes("pixel_unshuffle", structural=SAME)
def pixel_unshuffle(layer, inputs, ctx):
    """output channel `c·r² + dy·r + dx` (crd) or `(dy·r + dx)·C + c` (dcr) at `(y, x)` is input channel `c`
    at `(y·r + dy, x·r + dx)`"""
    (x,) = inputs
    batch, channels, height, width = x.shape
    r = layer.factor
    x = x.reshape(batch, channels, height // r, r, width // r, r)
    x = x.transpose(0, 1, 3, 5, 2, 4) if layer.order == "crd" else x.transpose(0, 3, 5, 1, 2, 4)
    return x.reshape(batch, channels * r * r, height // r, width // r)
