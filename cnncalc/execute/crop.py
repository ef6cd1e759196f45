"""numpy executor of crop (cnncalc/layers/crop.py): a slice; a like: layer comes second, for its shape."""

from __future__ import annotations

from cnncalc.execute import SAME, executes


@executes("crop", structural=SAME)
def crop(layer, inputs, ctx):
    """a slice: the amounts cut from each side (`like:` a centred crop to that layer's spatial size, `(n − m)
    // 2` before)"""
    x = inputs[0]
    pairs = layer.crops([a.shape[1:] for a in inputs])
    index = (slice(None), slice(None)) + tuple(slice(before, n - after)
                                               for n, (before, after) in zip(x.shape[2:], pairs))
    return x[index]
