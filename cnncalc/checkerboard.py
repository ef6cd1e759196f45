"""The overlap of transposed convolutions: how many kernel taps reach each output position.

A transposed convolution with kernel k and stride s writes each input element's k taps s positions apart;
where k is not a multiple of s, neighbouring output positions receive different numbers of taps, the
checkerboard artefact (Odena, Dumoulin & Olah, *Deconvolution and Checkerboard Artifacts*, Distill 2016).
Stacked layers compound: the count at an output position is the number of tap paths that reach it from the
input, every path through every layer.

Pure data: the maps are numpy arrays (numpy is imported here, lazily, never by ``cnncalc analyze``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Overlap:
    kernel: int
    stride: int
    dims: int
    stack: int
    input_size: int
    output_size: int
    axis_counts: tuple          # the 1-D map over the output of a finite input (ints)
    grid: object                # numpy array, ``dims`` axes: the product of the per-axis maps
    period: tuple               # the interior pattern on one axis (an infinite input), one period

    @property
    def even(self) -> bool:
        return min(self.period) == max(self.period)

    @property
    def interior_range(self) -> tuple[int, int]:
        """Fewest and most taps at an interior position of the ``dims``-D map."""
        return min(self.period) ** self.dims, max(self.period) ** self.dims


def overlap_1d(size: int, kernel: int, stride: int, stack: int = 1):
    """Taps per output position on one axis, after ``stack`` transposed convolutions of an input of ``size``.

    Each layer: spread the map ``stride`` apart (zeros between) and sum ``kernel`` shifted copies, i.e. a full
    convolution with a kernel of ones. Output length (n−1)·s + k per layer.
    """
    import numpy as np

    counts = np.ones(size, dtype=np.int64)
    for _ in range(stack):
        spread = np.zeros((len(counts) - 1) * stride + 1, dtype=np.int64)
        spread[::stride] = counts
        counts = np.convolve(spread, np.ones(kernel, dtype=np.int64))
    return counts


def interior_period(kernel: int, stride: int, stack: int = 1) -> tuple[int, ...]:
    """The map on one axis far from the edges (an infinite input of ones), one period of stride**stack.

    Output o of a layer gets the taps t with o − t ≡ 0 (mod s), each carrying the input map at (o − t)/s.
    """
    period = [1]
    for _ in range(stack):
        length = len(period) * stride
        period = [sum(period[((o - t) // stride) % len(period)] for t in range(kernel) if (o - t) % stride == 0)
                  for o in range(length)]
    return tuple(period)


def overlap(kernel: int, stride: int, dims: int = 2, stack: int = 1, input_size: int = 4) -> Overlap:
    import numpy as np

    for name, value in (("kernel", kernel), ("stride", stride), ("dims", dims), ("stack", stack),
                        ("input_size", input_size)):
        if value < 1:
            raise ValueError(f"{name} must be at least 1, got {value}")
    axis = overlap_1d(input_size, kernel, stride, stack)
    grid = axis
    for _ in range(dims - 1):
        grid = np.multiply.outer(grid, axis)
    return Overlap(kernel=kernel, stride=stride, dims=dims, stack=stack, input_size=input_size,
                   output_size=len(axis), axis_counts=tuple(int(v) for v in axis), grid=grid,
                   period=interior_period(kernel, stride, stack))
