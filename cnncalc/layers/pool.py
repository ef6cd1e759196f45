"""Pooling: windowed max / average / sum, and global pooling."""

from __future__ import annotations

from typing import ClassVar, Optional

from cnncalc.layers.base import (BOOLEAN, KEEPS_NOTHING, PADDING, POSITIVE_INTS, WHOLE, Facts, KeepsArgmax, Layer, arg,
                                 register, spatial_axes)
from cnncalc.layers.sliding import Sliding, check_pool_padding, sliding_label
from cnncalc.record import record
from cnncalc.shapes import product


@record
class _WindowPool(Sliding):
    stride: Optional[object] = arg(POSITIVE_INTS, "stride (default: the window size)", None, shown="kernel")
    padding: object = arg(PADDING, "padding; at most half the window on each side (PyTorch's rule)", 0)
    ceil_mode: bool = arg(BOOLEAN, "round the output size up (PyTorch's ceil_mode rule)", False)

    # FLOPs per output element for a window of ``taps`` elements
    flops_per_output: ClassVar = staticmethod(lambda taps: taps - 1)

    def geometry(self, shape, stride=None, ceil_mode=False):
        """The pooling windows on ``shape``: the stride defaults to the window, ceil_mode is the layer's."""
        if stride is None:
            stride = self.kernel if self.stride is None else self.stride
        return super().geometry(shape, stride, ceil_mode or self.ceil_mode)

    def infer(self, inputs) -> Facts:
        (shape,) = inputs
        geo = self.geometry(shape)
        check_pool_padding(geo, self.type_name)
        out_elements = shape[0] * product(geo.output)
        return Facts(output=(shape[0], *geo.output),
                     flops=out_elements * self.flops_per_output(product(geo.kernel)),
                     rf=geo.rf_step, label=sliding_label(self.type_name, geo))


@register("maxpool")
@record
class MaxPool(KeepsArgmax, _WindowPool):
    """Max pooling over each window: k−1 comparisons per output element."""

    flops_rule = "k−1 comparisons per output element (k = taps of the window)"


@register("avgpool")
@record
class AvgPool(_WindowPool):
    """Average pooling: k−1 additions and one division per output element. Zero padding counts in the
    average (PyTorch's count_include_pad=True); the FLOPs are the same either way."""

    flops_rule = "k per output element (k−1 adds, 1 divide)"

    flops_per_output: ClassVar = staticmethod(lambda taps: taps)


@register("sumpool")
@record
class SumPool(_WindowPool):
    """Sum pooling (L1 pooling without the division): k−1 additions per output element."""

    flops_rule = "k−1 per output element"


@record
class _GlobalPool(Layer):
    keepdims: bool = arg(BOOLEAN, "keep the spatial axes as size 1 ([C, 1, 1]) instead of [C]", False)

    extra_flops_per_channel: ClassVar[int] = 0

    def infer(self, inputs) -> Facts:
        (shape,) = inputs
        spatial = spatial_axes(shape, self.type_name)
        channels, positions = shape[0], product(spatial)
        output = (channels, *([1] * len(spatial))) if self.keepdims else (channels,)
        flops = channels * (positions - 1 + self.extra_flops_per_channel)
        return Facts(output=output, flops=flops, rf=WHOLE)


@register("global_avgpool")
@record
class GlobalAvgPool(_GlobalPool):
    """Average over all spatial positions, per channel: n−1 additions and one division."""

    flops_rule = "per channel: n−1 adds and 1 divide (n = spatial positions)"

    extra_flops_per_channel: ClassVar[int] = 1

    keeps = KEEPS_NOTHING


@register("global_maxpool")
@record
class GlobalMaxPool(KeepsArgmax, _GlobalPool):
    """Maximum over all spatial positions, per channel: n−1 comparisons."""

    flops_rule = "per channel: n−1 comparisons"

