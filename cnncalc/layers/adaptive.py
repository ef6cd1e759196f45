"""Adaptive pooling: the output size is given and the windows follow PyTorch's start/end rule."""

from __future__ import annotations

from fractions import Fraction
from typing import ClassVar

from cnncalc import shapes
from cnncalc.errors import LayerArgError
from cnncalc.layers.base import POSITIVE_INTS, Facts, Layer, Window, arg, register, spatial_axes
from cnncalc.layers.periodic import hull
from cnncalc.record import record
from cnncalc.shapes import product


def adaptive_windows(size: int, out: int) -> list[tuple[int, int]]:
    """PyTorch's rule: output i pools input [floor(i·size/out), ceil((i+1)·size/out))."""
    return [((i * size) // out, -(-((i + 1) * size) // out)) for i in range(out)]


@record
class _AdaptivePool(Layer):
    size: object = arg(POSITIVE_INTS, "output size per spatial axis (an int: the same on every axis)")

    # FLOPs of a window of ``taps`` elements: taps + this (max: taps − 1 comparisons)
    flops_beyond_taps: ClassVar[int] = -1

    def infer(self, inputs) -> Facts:
        (shape,) = inputs
        spatial = spatial_axes(shape, self.type_name)
        try:
            out = shapes.per_axis(self.size, len(spatial), "size")
        except ValueError as err:
            raise LayerArgError(str(err), "size") from None
        # The windows are a product over axes, so the sum over output positions of the window's taps
        # is the product over axes of the summed window lengths.
        lengths = [[end - start for start, end in adaptive_windows(n, m)] for n, m in zip(spatial, out)]
        total_taps = product(sum(axis) for axis in lengths)
        positions = product(out)
        per_channel = total_taps + self.flops_beyond_taps * positions
        spans, strides, offsets = [], [], []
        for n, m in zip(spatial, out):
            q = Fraction(n, m)
            span, stride, offset = hull(q, lambda o, n=n, m=m: range((o * n) // m, -(-((o + 1) * n) // m)))
            spans.append(span), strides.append(stride), offsets.append(offset)
        return Facts(output=(shape[0], *out), flops=shape[0] * per_channel,
                     rf=Window(tuple(spans), tuple(strides), tuple(offsets)),
                     label=f"{self.type_name} →{'×'.join(map(str, out))}")


@register("adaptive_maxpool")
@record
class AdaptiveMaxPool(_AdaptivePool):
    """Max pooling to a given output size: window i covers [floor(i·in/out), ceil((i+1)·in/out)) on
    each axis (PyTorch); windows may overlap and differ in size. taps−1 comparisons per output element."""


@register("adaptive_avgpool")
@record
class AdaptiveAvgPool(_AdaptivePool):
    """Average pooling to a given output size, with PyTorch's windows (see adaptive_maxpool): taps−1
    additions and one division per output element."""

    flops_beyond_taps: ClassVar[int] = 0
