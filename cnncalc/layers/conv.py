"""Convolution over 1, 2 or 3 spatial axes."""

from __future__ import annotations

from cnncalc.errors import LayerArgError
from cnncalc.layers.base import (BOOLEAN, PADDING, POSITIVE_INT, POSITIVE_INTS, Facts, Layer, arg,
                                 register, spatial_axes)
from cnncalc.layers.window import geometry, window_label
from cnncalc.record import record
from cnncalc.shapes import product


class Grouped:
    """Channel checks shared by grouped convolutions (fields `out` and `groups`)."""

    def validate(self) -> None:
        if self.out % self.groups:
            raise LayerArgError(f"output channels {self.out} are not divisible by groups {self.groups}", "groups")

    def input_channels(self, shape) -> int:
        if shape[0] % self.groups:
            raise LayerArgError(f"input channels {shape[0]} are not divisible by groups {self.groups}", "groups")
        return shape[0]


@register("conv")
@record
class Conv(Grouped, Layer):
    """Convolution; 1-D, 2-D or 3-D by the input's rank ([C, L], [C, H, W], [C, D, H, W])."""

    out: int = arg(POSITIVE_INT, "output channels")
    kernel: object = arg(POSITIVE_INTS, "kernel size")
    stride: object = arg(POSITIVE_INTS, "stride", 1)
    padding: object = arg(PADDING, "padding (see docs/conventions.md)", 0)
    dilation: object = arg(POSITIVE_INTS, "dilation: the kernel spans d·(k−1)+1", 1)
    groups: int = arg(POSITIVE_INT, "groups: input and output channels must both divide by it", 1)
    bias: bool = arg(BOOLEAN, "a learnable bias per output channel", True)

    def infer(self, inputs) -> Facts:
        (shape,) = inputs
        spatial = spatial_axes(shape, "conv")
        c_in = self.input_channels(shape)
        geo = geometry(spatial, self.kernel, self.stride, self.padding, self.dilation)
        taps = (c_in // self.groups) * product(geo.kernel)   # multiplications per output element
        out_elements = self.out * product(geo.output)
        weights = self.out * taps
        bias = self.out if self.bias else 0
        macs = out_elements * taps
        flops = 2 * macs + (out_elements if self.bias else 0)
        return Facts(output=(self.out, *geo.output), params=weights + bias, macs=macs, flops=flops,
                     rf=geo.window, label=window_label("conv", geo, self.groups))
