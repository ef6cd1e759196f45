"""Adaptive pooling: the output size is given and the windows follow PyTorch's start/end rule."""

from __future__ import annotations

from fractions import Fraction
from math import gcd
from typing import ClassVar

from cnncalc import shapes
from cnncalc.errors import LayerArgError
from cnncalc.layers.base import (KEEPS_INPUT, KEEPS_NOTHING, POSITIVE_INTS, Facts, KeepsArgmax, Layer, Window, arg, register,
                                 spatial_axes)
from cnncalc.layers.periodic import ceil_offsets, floor_offsets, hull
from cnncalc.record import record
from cnncalc.shapes import product


def adaptive_window(i: int, size: int, out: int) -> tuple[int, int]:
    """PyTorch's rule: output i pools input [floor(i·q), ceil((i+1)·q)), q = size/out.

    The layer never enumerates the windows (there may be 10^18 of them): :func:`adaptive_axis` derives their
    totals from this rule in closed form, and the tests check it against this function, window by window."""
    return (i * size) // out, -(-((i + 1) * size) // out)


def adaptive_axis(size: int, out: int) -> tuple[int, tuple]:
    """On one axis: the summed length of the ``out`` windows of :func:`adaptive_window`, and their hull
    (span, stride, offset), in constant time.

    Sum: Σ ceil((i+1)·q) − floor(i·q) = Σ [floor((i+1)·q) − floor(i·q)] + #{i: (i+1)·q not whole}; the first
    sum telescopes to floor(out·q) = size, and (i+1)·size is a multiple of out for gcd(size, out) of the
    i+1 in 1..out. So size + out − gcd(size, out).

    Hull: window i reads floor(0 + i·q) .. ceil(q + i·q) − 1.
    """
    q = Fraction(size, out)
    window = hull(q, floor_offsets(0, q)[0], ceil_offsets(q, q)[1] - 1)
    return size + out - gcd(size, out), window


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
        axes = [adaptive_axis(n, m) for n, m in zip(spatial, out)]
        total_taps = product(taps for taps, _ in axes)
        positions = product(out)
        per_channel = total_taps + self.flops_beyond_taps * positions
        spans, strides, offsets = zip(*(window for _, window in axes))
        return Facts(output=(shape[0], *out), flops=shape[0] * per_channel,
                     rf=Window(spans, strides, offsets, tuple((0, n - 1) for n in spatial)),
                     label=f"{self.type_name} →{'×'.join(map(str, out))}")


@register("adaptive_maxpool")
@record
class AdaptiveMaxPool(KeepsArgmax, _AdaptivePool):
    """Max pooling to a given output size: window i covers [floor(i·in/out), ceil((i+1)·in/out)) on
    each axis (PyTorch); windows may overlap and differ in size. taps−1 comparisons per output element."""

    flops_rule = "taps−1 comparisons per output element (taps: that element's window)"


@register("adaptive_avgpool")
@record
class AdaptiveAvgPool(_AdaptivePool):
    """Average pooling to a given output size, with PyTorch's windows (see adaptive_maxpool): taps−1
    additions and one division per output element."""

    flops_rule = "taps per output element (taps−1 adds, 1 divide)"

    saves_rule = ("its input, unless every output spatial size is 1 (torch then takes the mean, which keeps only "
                  "the sizes)")

    def saved_for_backward(self, inputs, output) -> tuple:
        return KEEPS_NOTHING if all(n == 1 for n in output[1:]) else KEEPS_INPUT

    flops_beyond_taps: ClassVar[int] = 0
