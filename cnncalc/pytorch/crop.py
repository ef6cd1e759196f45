"""PyTorch writer of crop (cnncalc/layers/crop.py): a slice, or a centred crop to another layer's size."""

from __future__ import annotations

from cnncalc.export.code import Code, Helper, ndim, slices, writes

CENTER_CROP = '''
def center_crop(x, like):
    """x cropped to like's spatial size, centred: (n - m) // 2 before, the rest after."""
    for axis in range(2, x.dim()):
        n, m = x.size(axis), like.size(axis)
        x = x.narrow(axis, (n - m) // 2, m)
    return x
'''


@writes("crop", helpers=(Helper("center_crop", CENTER_CROP),))
def crop(layer, shapes, out):
    if layer.like is not None:
        return Code(expr="center_crop({0}, {1})", helpers=("center_crop",))
    count = ndim(shapes[0])
    items = [layer.amount] * count if isinstance(layer.amount, int) else list(layer.amount)
    pairs = [tuple(v) if isinstance(v, (list, tuple)) else (v, v) for v in items]
    return Code(expr="{0}" + slices(pairs))
