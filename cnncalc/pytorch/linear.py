"""PyTorch writer of linear (cnncalc/layers/linear.py): nn.Linear on the channels, moved last and back."""

from __future__ import annotations

from cnncalc.export.code import args, channels_last, writes


@writes("linear")
def linear(layer, shapes, out):
    return channels_last("nn.Linear(" + args(shapes[0][0], layer.out, bias=(layer.bias, True)) + ")", shapes[0])
