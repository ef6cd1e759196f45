"""PyTorch writer of scale (cnncalc/layers/scale.py): a learnable factor per channel, an nn.Parameter."""

from __future__ import annotations

from cnncalc.export.code import Code, writes


@writes("scale")
def scale(layer, shapes, out):
    shape = shapes[0]
    ones = ", ".join(map(str, (shape[0], *(1,) * (len(shape) - 1))))
    return Code(expr="{0} * {m}", parameter=("", f"torch.ones({ones})"))
