"""Pixel shuffle and unshuffle: [C·r², H, W] ↔ [C, H·r, W·r], moving data between the channels and the
positions (sub-pixel convolution's upsampling, TResNet's space-to-depth stem). No parameters, no arithmetic."""

from __future__ import annotations

from fractions import Fraction

from cnncalc.errors import LayerArgError
from cnncalc.layers.base import KEEPS_NOTHING, POSITIVE_INT, Facts, Layer, Routing, Window, arg, choice, register
from cnncalc.record import record

ORDERS = ("crd", "dcr")
ORDER_DOC = ("the channel order: crd (torch's, channel c·r² + dy·r + dx) or dcr (ONNX's SpaceToDepth and "
             "DepthToSpace default, TensorFlow's, TResNet's: channel (dy·r + dx)·C + c)")


def _image(shape, type_name: str) -> tuple:
    if len(shape) != 3:
        raise LayerArgError(f"{type_name} needs an input shaped [C, H, W]; got {list(shape)}")
    return tuple(shape)


@register("pixel_shuffle")
@record
class PixelShuffle(Routing, Layer):
    """[C·r², H, W] → [C, H·r, W·r] (torch's nn.PixelShuffle, ONNX's DepthToSpace): output (c, y, x) is input
    channel c·r² + (y mod r)·r + (x mod r) at (y // r, x // r) (`order: crd`), or channel
    ((y mod r)·r + (x mod r))·C + c (`order: dcr`). Moves data only: no parameters, no arithmetic."""

    keeps = KEEPS_NOTHING       # a permutation's gradient is the inverse permutation

    factor: int = arg(POSITIVE_INT, "the factor r: H and W grow r times, the channels shrink r² times")
    order: str = arg(choice(*ORDERS), ORDER_DOC, "crd")

    def infer(self, inputs) -> Facts:
        channels, height, width = _image(inputs[0], self.type_name)
        r = self.factor
        if channels % (r * r):
            raise LayerArgError(f"pixel_shuffle: {channels} input channels do not divide by factor² = {r * r}",
                                "factor")
        # output unit o reads input position o // r only, as nearest upsampling by r does: its window
        # (docs/conventions.md, "Upsampling and adaptive pooling"), stride 1/r, span (2r − 1)/r, offset
        # −(r − 1)/r, its reads within the input
        window = Window(spans=(Fraction(2 * r - 1, r),) * 2, strides=(Fraction(1, r),) * 2,
                        offsets=(Fraction(1 - r, r),) * 2, reads=((0, height - 1), (0, width - 1)))
        return Facts(output=(channels // (r * r), height * r, width * r), rf=window)


@register("pixel_unshuffle")
@record
class PixelUnshuffle(Routing, Layer):
    """[C, H, W] → [C·r², H/r, W/r] (torch's nn.PixelUnshuffle; ONNX's SpaceToDepth and TResNet's stem with
    `order: dcr`): output channel c·r² + dy·r + dx (crd) or (dy·r + dx)·C + c (dcr) at (y, x) is input channel
    c at (y·r + dy, x·r + dx). H and W must divide by r. Moves data only: no parameters, no arithmetic."""

    keeps = KEEPS_NOTHING       # a permutation's gradient is the inverse permutation

    factor: int = arg(POSITIVE_INT, "the factor r: H and W shrink r times, the channels grow r² times")
    order: str = arg(choice(*ORDERS), ORDER_DOC, "crd")

    def infer(self, inputs) -> Facts:
        channels, height, width = _image(inputs[0], self.type_name)
        r = self.factor
        if height % r or width % r:
            raise LayerArgError(f"pixel_unshuffle: the size {height}×{width} does not divide by the factor {r}",
                                "factor")
        # output position (y, x) reads input positions y·r .. y·r + r − 1 (each channel one of them): the
        # window of a non-overlapping r×r pooling
        window = Window(spans=(r, r), strides=(r, r), offsets=(0, 0))
        return Facts(output=(channels * r * r, height // r, width // r), rf=window)
