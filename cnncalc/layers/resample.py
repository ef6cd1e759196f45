"""Upsampling by nearest-neighbour or (multi)linear interpolation."""

from __future__ import annotations

from fractions import Fraction
from math import floor
from typing import ClassVar, Optional

from cnncalc import shapes
from cnncalc.errors import LayerArgError
from cnncalc.layers.base import (KEEPS_NOTHING, BOOLEAN, LAYER_NAME, POSITIVE_INTS, Facts, Layer, Window, arg, choice,
                                 register, spatial_axes)
from cnncalc.layers.periodic import ceil_offsets, floor_offsets, hull
from cnncalc.record import record
from cnncalc.shapes import product

LINEAR_DIMS = {"linear": 1, "bilinear": 2, "trilinear": 3}


def linear_source(o: int, size: int, out: int, align_corners: bool) -> tuple:
    """PyTorch's linear rule for output ``o``: the source point src = o·(size−1)/(out−1) (align_corners; 0
    when out = 1) or (o + ½)·size/out − ½ clamped below at 0; it reads floor(src) with weight 1 − λ and the
    next (the same one at the last input: the clamp above) with weight λ = src − floor(src).
    Returns (low, high, λ)."""
    if align_corners:
        src = Fraction(o * (size - 1), out - 1) if out > 1 else Fraction(0)
    else:
        src = max(Fraction(2 * o + 1, 2) * Fraction(size, out) - Fraction(1, 2), Fraction(0))
    low = floor(src)
    return low, (low + 1 if low < size - 1 else low), src - low


def clamped_reads(mode: str, size: int, out: int, align_corners: bool) -> tuple:
    """(first, last): the first input position unit 0 reads with a non-zero weight and the last one the
    last unit reads, PyTorch's clamping included (the field's bounds, cnncalc/rf.py)."""
    if mode == "nearest":
        return 0, (out - 1) * size // out
    first, _, _ = linear_source(0, size, out, align_corners)
    low, high, weight = linear_source(out - 1, size, out, align_corners)
    return first, high if weight else low


def source_window(mode: str, size: int, out: int, align_corners: bool) -> tuple:
    """(span, stride, offset) of the inputs output unit ``o`` reads with a non-zero weight, by PyTorch's index
    rules (without the clamping at the edges: clamping only moves a read inside this hull, and
    :func:`clamped_reads` bounds the field), as the hull of every unit's reads (cnncalc/layers/periodic.py):

    * nearest: floor(o·in/out);
    * linear, align_corners false: src = (o + ½)·in/out − ½, reads floor(src) and, if src is not whole, the
      next, i.e. floor(src) .. ceil(src);
    * linear, align_corners true: src = o·(in−1)/(out−1), likewise.
    """
    if mode == "nearest":
        q = Fraction(size, out)
        low, high = floor_offsets(0, q)
        return hull(q, low, high)
    if align_corners:
        q = Fraction(size - 1, out - 1) if out > 1 else Fraction(size)
        origin = Fraction(0)
    else:
        q = Fraction(size, out)
        origin = q / 2 - Fraction(1, 2)
    return hull(q, floor_offsets(origin, q)[0], ceil_offsets(origin, q)[1])


@register("upsample")
@record
class Upsample(Layer):
    """Upsampling by ``scale`` (an int per axis), to ``size``, or to the spatial size of the layer named by
    ``like`` (read for its shape only, as ``F.interpolate(x, size=y.shape[-2:])``): nearest-neighbour (0 FLOPs) or
    linear / bilinear / trilinear interpolation over 1 / 2 / 3 spatial axes (2^n multiplies and 2^n − 1 adds
    per output element, the weights precomputed). No parameters."""

    flops_rule = ("`nearest`: 0; `linear` / `bilinear` / `trilinear` over n axes: 2^n multiplies + (2^n − 1) adds "
                  "per output element (weights precomputed): 3, 7, 15")

    saves_rule = "nothing (the backward pass needs only the sizes)"

    def saved_for_backward(self, inputs, output) -> tuple:
        return KEEPS_NOTHING      # the backward pass needs only the sizes (nearest and linear alike)

    mode: str = arg(choice("nearest", "linear", "bilinear", "trilinear"), "interpolation", "nearest")
    scale: Optional[object] = arg(POSITIVE_INTS, "integer scale factor per axis (give one of scale, size, like)", None,
                                  shown="none")
    size: Optional[object] = arg(POSITIVE_INTS, "output size per axis (give one of scale, size, like)", None,
                                 shown="none")
    like: Optional[str] = arg(LAYER_NAME, "a layer whose spatial size the output takes (give one of scale, size, "
                                          "like)", None, shown="none")
    align_corners: bool = arg(BOOLEAN, "PyTorch's align_corners, for the linear modes", False)

    shape_refs: ClassVar[tuple] = ("like",)

    def validate(self) -> None:
        if sum(v is not None for v in (self.scale, self.size, self.like)) != 1:
            raise LayerArgError("upsample needs exactly one of 'scale', 'size' and 'like'", "scale")
        if self.align_corners and self.mode == "nearest":
            raise LayerArgError("align_corners applies to the linear modes only, not nearest", "align_corners")

    def infer(self, inputs) -> Facts:
        shape = inputs[0]
        spatial = spatial_axes(shape, self.type_name)
        ndim = len(spatial)
        if self.mode != "nearest" and LINEAR_DIMS[self.mode] != ndim:
            wanted = {v: k for k, v in LINEAR_DIMS.items()}[ndim]
            raise LayerArgError(f"mode {self.mode} interpolates over {LINEAR_DIMS[self.mode]} spatial axes, the "
                                f"input has {ndim}: use {wanted}", "mode")
        try:
            if self.scale is not None:
                out = tuple(n * s for n, s in zip(spatial, shapes.per_axis(self.scale, ndim, "scale")))
            elif self.like is not None:
                out = like_size(inputs[1], ndim, self.like)
            else:
                out = shapes.per_axis(self.size, ndim, "size")
        except ValueError as err:
            raise LayerArgError(str(err), "scale" if self.scale is not None else "size") from None
        spans, strides, offsets = zip(*(source_window(self.mode, n, m, self.align_corners) for n, m in zip(spatial, out)))
        reads = tuple(clamped_reads(self.mode, n, m, self.align_corners) for n, m in zip(spatial, out))
        per_element = 0 if self.mode == "nearest" else 2 ** (ndim + 1) - 1
        return Facts(output=(shape[0], *out), flops=per_element * shape[0] * product(out),
                     rf=Window(spans, strides, offsets, reads),
                     label=f"upsample {self.mode} →{'×'.join(map(str, out))}")


def like_size(reference, ndim: int, name: str) -> tuple:
    """The spatial size of the layer a ``like:`` names (its shape, read for nothing else)."""
    if len(reference) - 1 != ndim:
        raise LayerArgError(f"'like' names '{name}', shaped {list(reference)}: it has {len(reference) - 1} "
                            f"spatial axes, the input {ndim}", "like")
    return tuple(reference[1:])
