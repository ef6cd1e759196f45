"""ONNX Slice of spatial axes, step 1 → ``crop`` (cnncalc/layers/crop.py); Slices of the channel axis that
together split the channels are one ``split`` (cnncalc/onnximport/patterns.py)."""

from __future__ import annotations

from cnncalc.layers.crop import Crop
from cnncalc.onnximport.mapping import maps, padding
from cnncalc.onnximport.patterns import channel_slices, slice_ranges
from cnncalc.onnximport.translate import Translator


@maps("Slice")
def slice_(t: Translator, node) -> None:
    """`crop` of spatial axes, step 1 (a Slice that keeps every element is no layer); a step other than 1, or
    a slice of the batch axis, is refused

    Slices of the channel axis that together split the channels are one ``split``
    (:func:`cnncalc.onnximport.patterns.channel_slices`)."""
    x = t.act(node)
    before, after = t.shape(node.input[0]), t.shape(node.output[0])
    ranges = slice_ranges(t, node)
    if 1 in ranges:
        return channel_slices(t, node, x, ranges)
    if after == before:
        return t.alias(node, x)
    pairs = [(0, 0)] * len(before)
    for axis, (first, stop) in ranges.items():
        pairs[axis] = (first, before[axis] - stop)
    t.emit(node, Crop, {"amount": padding(pairs[2:])}, [x])
