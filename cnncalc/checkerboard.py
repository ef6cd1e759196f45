"""The overlap of transposed convolutions: how many kernel taps reach each output position.

A transposed convolution with kernel k, stride s and dilation d writes each input element's k taps d
positions apart, one input element s positions after the last; where k is not a multiple of s, or where d
and s share a factor, neighbouring output positions receive different numbers of taps, the checkerboard
artefact (Odena, Dumoulin & Olah, *Deconvolution and Checkerboard Artifacts*, Distill 2016).
Stacked layers compound: the count at an output position is the number of tap paths that reach it from the
input, every path through every layer.

Pure data: the maps are numpy arrays (numpy is imported here, lazily, never by ``cnncalc analyze``). The
per-residue count of one layer is :func:`cnncalc.layers.transpose.residue_taps`, the one the layer's
warning uses. Work is bounded by what is drawn: the map up to ``MAX_SIDE`` positions per axis, the interior
pattern up to ``MAX_PERIOD`` positions; a stack that stops growing costs nothing more however tall.
"""

from __future__ import annotations

import math
from typing import Any

from cnncalc import shapes
from cnncalc.layers.transpose import residue_taps, uneven_cause
from cnncalc.record import record

MAX_SIDE = 64          # the map is drawn up to this many output positions per axis
MAX_PERIOD = 4096      # the interior pattern (stride**stack positions) is listed up to this many positions


@record
class Overlap:
    kernel: int
    stride: int
    dims: int
    stack: int
    input_size: int
    output_size: int
    axis_counts: tuple          # the 1-D map over the output of a finite input (ints)
    grid: Any                   # numpy array, ``dims`` axes: the product of the per-axis maps
    period: tuple               # the interior pattern on one axis (an infinite input), one period
    dilation: int = 1

    @property
    def even(self) -> bool:
        return min(self.period) == max(self.period)

    @property
    def interior_range(self) -> tuple[int, int]:
        """Fewest and most taps at an interior position of the ``dims``-D map."""
        return min(self.period) ** self.dims, max(self.period) ** self.dims

    @property
    def cause(self) -> str:
        """Why one layer's overlap is uneven, in words ("" when it is even): a stack is even exactly when
        its layer is (an even layer gives every interior position the same count, and so does the next)."""
        return uneven_cause(self.kernel, self.stride, self.dilation, values=True)


def output_size(input_size: int, kernel: int, stride: int, stack: int = 1, dilation: int = 1,
                limit: int | None = None) -> int:
    """Positions per axis after ``stack`` transposed convolutions (no padding) of an input of ``input_size``.

    Stops early: once the size passes ``limit`` (then the value returned is the first one past it, not the
    final size), or once a layer leaves it unchanged (kernel 1 on one position, or kernel 1 and stride 1:
    every further layer leaves it unchanged too). So the work is bounded however large ``stack`` is.
    """
    size = input_size
    for _ in range(stack):
        grown = shapes.transposed_output_size(size, kernel, stride, 0, 0, dilation)
        if grown == size or (limit is not None and grown > limit):
            return grown
        size = grown
    return size


def period_length(stride: int, stack: int, limit: int | None = None) -> int:
    """stride**stack, the interior pattern's period; past ``limit``, the first power of the stride past it."""
    length = 1
    for _ in range(stack if stride > 1 else 0):
        length *= stride
        if limit is not None and length > limit:
            break
    return length


def overlap_1d(size: int, kernel: int, stride: int, stack: int = 1, dilation: int = 1):
    """Taps per output position on one axis, after ``stack`` transposed convolutions of an input of ``size``.

    Each layer: spread the map ``stride`` apart (zeros between) and sum ``kernel`` copies shifted by
    multiples of ``dilation``, i.e. a full convolution with a dilated kernel of ones. Output length
    (n−1)·s + d·(k−1) + 1 per layer; a layer that keeps the length (kernel 1 on one position, or kernel 1 and
    stride 1) keeps the map, and so does every layer after it.
    """
    import numpy as np

    taps = np.zeros(shapes.effective_kernel(kernel, dilation), dtype=np.int64)
    taps[::dilation] = 1
    counts = np.ones(size, dtype=np.int64)
    for _ in range(stack):
        spread = np.zeros((len(counts) - 1) * stride + 1, dtype=np.int64)
        spread[::stride] = counts
        grown = np.convolve(spread, taps)
        if len(grown) == len(counts):
            break
        counts = grown
    return counts


def interior_period(kernel: int, stride: int, stack: int = 1, dilation: int = 1) -> tuple[int, ...]:
    """The map on one axis far from the edges (an infinite input of ones), one period of stride**stack.

    Output o = s·j + r of a layer gets the taps of residue r (:func:`residue_taps`: ``first + m·s/g``,
    g = gcd(d, s)), tap t carrying the map below at (o − t·d)/s = j − e − m·d/g, e = (first·d − r)/s.
    For one layer over a map of ones that is the per-residue count itself.
    """
    period = [1]
    for _ in range(stack):
        classes = [residue_taps(r, kernel, stride, dilation) for r in range(stride)]
        step = dilation // math.gcd(dilation, stride)
        length = len(period)
        grown = []
        for o in range(length * stride):
            j, r = divmod(o, stride)
            first, count = classes[r]
            e = (first * dilation - r) // stride
            grown.append(sum(period[(j - e - m * step) % length] for m in range(count)))
        if grown == period:             # stride 1, kernel 1: every further layer keeps it
            break
        period = grown
    return tuple(period)


def overlap(kernel: int, stride: int, dims: int = 2, stack: int = 1, input_size: int = 4,
            dilation: int = 1) -> Overlap:
    """The overlap map and its interior pattern. ValueError when an argument is below 1, or when the map
    would pass ``MAX_SIDE`` positions per axis or the pattern ``MAX_PERIOD`` positions (see
    :func:`output_size` and :func:`period_length` to check first)."""
    import numpy as np

    for name, value in (("kernel", kernel), ("stride", stride), ("dims", dims), ("stack", stack),
                        ("input_size", input_size), ("dilation", dilation)):
        if value < 1:
            raise ValueError(f"{name} must be at least 1, got {value}")
    side = output_size(input_size, kernel, stride, stack, dilation, MAX_SIDE)
    if side > MAX_SIDE:
        raise ValueError(f"the output would pass {MAX_SIDE} positions per axis")
    if period_length(stride, stack, MAX_PERIOD) > MAX_PERIOD:
        raise ValueError(f"the interior pattern would repeat every stride**stack > {MAX_PERIOD} positions")
    axis = overlap_1d(input_size, kernel, stride, stack, dilation)
    grid = axis
    for _ in range(dims - 1):
        grid = np.multiply.outer(grid, axis)
    return Overlap(kernel=kernel, stride=stride, dims=dims, stack=stack, input_size=input_size,
                   output_size=len(axis), axis_counts=tuple(int(v) for v in axis), grid=grid,
                   period=interior_period(kernel, stride, stack, dilation), dilation=dilation)
