"""A split's part in numpy: its slice of the channels."""

from __future__ import annotations

from cnncalc.execute import SAME, executes


@executes("split", structural=SAME)
def split(layer, inputs, ctx):
    """the part's slice of the channels"""
    (x,) = inputs
    sizes = layer.parts_of(x.shape[1])
    index = len(sizes) - 1 if layer.part is None else layer.part
    start = sum(sizes[:index])
    return x[:, start:start + sizes[index]]
