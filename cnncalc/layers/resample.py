"""Upsampling by nearest-neighbour or (multi)linear interpolation."""

from __future__ import annotations

from fractions import Fraction
from typing import Optional

from cnncalc import shapes
from cnncalc.errors import LayerArgError
from cnncalc.layers.base import KEEPS_NOTHING, BOOLEAN, POSITIVE_INTS, Facts, Layer, Window, arg, choice, register, spatial_axes
from cnncalc.layers.periodic import ceil_offsets, floor_offsets, hull
from cnncalc.record import record
from cnncalc.shapes import product

LINEAR_DIMS = {"linear": 1, "bilinear": 2, "trilinear": 3}


def source_window(mode: str, size: int, out: int, align_corners: bool) -> tuple:
    """(span, stride, offset) of the inputs output unit ``o`` reads with a non-zero weight, by PyTorch's index
    rules (without the clamping at the edges), as the hull of every unit's reads (cnncalc/layers/periodic.py):

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
    """Upsampling by ``scale`` (an int per axis) or to ``size``: nearest-neighbour (0 FLOPs) or
    linear / bilinear / trilinear interpolation over 1 / 2 / 3 spatial axes (2^n multiplies and 2^n − 1 adds
    per output element, the weights precomputed). No parameters."""

    flops_rule = ("`nearest`: 0; `linear` / `bilinear` / `trilinear` over n axes: 2^n multiplies + (2^n − 1) adds "
                  "per output element (weights precomputed): 3, 7, 15")

    saves_rule = "nothing (the backward pass needs only the sizes)"

    def saved_for_backward(self, inputs, output) -> tuple:
        return KEEPS_NOTHING      # the backward pass needs only the sizes (nearest and linear alike)

    mode: str = arg(choice("nearest", "linear", "bilinear", "trilinear"), "interpolation", "nearest")
    scale: Optional[object] = arg(POSITIVE_INTS, "integer scale factor per axis (give scale or size)", None, shown="none")
    size: Optional[object] = arg(POSITIVE_INTS, "output size per axis (give scale or size)", None, shown="none")
    align_corners: bool = arg(BOOLEAN, "PyTorch's align_corners, for the linear modes", False)

    def validate(self) -> None:
        if (self.scale is None) == (self.size is None):
            raise LayerArgError("upsample needs exactly one of 'scale' and 'size'", "scale")
        if self.align_corners and self.mode == "nearest":
            raise LayerArgError("align_corners applies to the linear modes only, not nearest", "align_corners")

    def infer(self, inputs) -> Facts:
        (shape,) = inputs
        spatial = spatial_axes(shape, self.type_name)
        ndim = len(spatial)
        if self.mode != "nearest" and LINEAR_DIMS[self.mode] != ndim:
            wanted = {v: k for k, v in LINEAR_DIMS.items()}[ndim]
            raise LayerArgError(f"mode {self.mode} interpolates over {LINEAR_DIMS[self.mode]} spatial axes, the "
                                f"input has {ndim}: use {wanted}", "mode")
        try:
            if self.scale is not None:
                out = tuple(n * s for n, s in zip(spatial, shapes.per_axis(self.scale, ndim, "scale")))
            else:
                out = shapes.per_axis(self.size, ndim, "size")
        except ValueError as err:
            raise LayerArgError(str(err), "scale" if self.scale is not None else "size") from None
        spans, strides, offsets = [], [], []
        for n, m in zip(spatial, out):
            span, stride, offset = source_window(self.mode, n, m, self.align_corners)
            spans.append(span)
            strides.append(stride)
            offsets.append(offset)
        per_element = 0 if self.mode == "nearest" else 2 ** (ndim + 1) - 1
        return Facts(output=(shape[0], *out), flops=per_element * shape[0] * product(out),
                     rf=Window(tuple(spans), tuple(strides), tuple(offsets)),
                     label=f"upsample {self.mode} →{'×'.join(map(str, out))}")
