"""Pooling: windowed max / average / sum, anti-aliased (blur) pooling, and global pooling."""

from __future__ import annotations

from fractions import Fraction
from math import comb
from typing import TYPE_CHECKING, ClassVar, Optional

from cnncalc.errors import LayerArgError
from cnncalc.layers.base import (BOOLEAN, KEEPS_NOTHING, PADDING, POSITIVE_INTS, WHOLE, Facts, KeepsArgmax, Layer,
                                 Worked, arg, register, spatial_axes, times)
from cnncalc.layers.sliding import Sliding, check_pool_padding, sliding_label
from cnncalc.record import record
from cnncalc.shapes import product

if TYPE_CHECKING:
    import numpy


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


def binomial(taps: int) -> tuple:
    """The normalised binomial filter of ``taps`` taps along one axis, exact: row taps−1 of Pascal's triangle
    over its sum 2^(taps−1) (3 taps: 1/4, 1/2, 1/4)."""
    return tuple(Fraction(comb(taps - 1, i), 2 ** (taps - 1)) for i in range(taps))


def binomial_filter(kernel) -> numpy.ndarray:
    """The normalised binomial filter of ``kernel`` taps per axis: the outer product of the axes' rows
    (:func:`binomial`), float64 (exact: every value a dyadic fraction)."""
    import numpy
    filt = numpy.ones(())
    for k in kernel:
        filt = numpy.multiply.outer(filt, [float(v) for v in binomial(k)])
    return filt


@register("blurpool")
@record
class BlurPool(Sliding):
    """Anti-aliased downsampling (Zhang, "Making Convolutional Networks Shift-Invariant Again", ICML 2019;
    timm's BlurPool2d, TResNet's anti-aliasing): each channel filtered with a fixed, normalised binomial
    filter (3 taps: [1, 2, 1]/4 along each spatial axis, their outer product over the axes) at a stride. No
    parameters and no state: the filter follows from `kernel` (timm keeps it in a non-persistent buffer,
    outside `parameters()` and `state_dict()`). MACs are the depthwise convolution's that computes it (as
    torch's FLOP counter counts it): C · output positions · taps. Zero padding; TResNet pads by reflection
    first (a `pad` layer)."""

    flops_rule = "2·MACs (a multiply and an add per tap); MACs = C · output positions · taps"

    kernel: object = arg(POSITIVE_INTS, "taps of the binomial filter per axis (k taps: row k−1 of Pascal's "
                                        "triangle over 2^(k−1); timm's filt_size)", 3)
    stride: object = arg(POSITIVE_INTS, "stride", 2)

    def validate(self) -> None:
        if any(k < 2 for k in (self.kernel if isinstance(self.kernel, tuple) else (self.kernel,))):
            raise LayerArgError(f"blurpool's kernel must have at least 2 taps on every axis (1 tap is no blur, "
                                f"a strided subsampling); got {self.kernel}", "kernel")

    def channelwise(self, inputs) -> bool:
        return True             # each output channel filters its own input channel

    def infer(self, inputs) -> Facts:
        (shape,) = inputs
        geo = self.geometry(shape)
        macs = shape[0] * product(geo.output) * product(geo.kernel)
        return Facts(output=(shape[0], *geo.output), macs=macs, flops=2 * macs, rf=geo.rf_step,
                     label=sliding_label(self.type_name, geo))

    def worked(self, inputs, facts) -> tuple:
        """One multiply-accumulate per tap of the fixed filter, per channel and output position."""
        (shape,) = inputs
        geo = self.geometry(shape)
        return (Worked("macs", "C · output positions · taps",
                       f"{shape[0]} · {times(geo.output)} · {times(geo.kernel)}",
                       shape[0] * product(geo.output) * product(geo.kernel)),)


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

