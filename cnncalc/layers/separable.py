"""Depthwise and depthwise-separable convolutions (MobileNet, Xception)."""

from __future__ import annotations

from cnncalc.layers import scratch
from cnncalc.layers.base import KEEPS_INPUT, BOOLEAN, Kept, POSITIVE_INT, Facts, Worked, arg, register, times
from cnncalc.layers.sliding import Sliding, SlidingOut, sliding_label, worked_window
from cnncalc.record import record
from cnncalc.shapes import product


@register("depthwise_conv")
@record
class DepthwiseConv(Sliding):
    """Depthwise convolution: each input channel convolved with its own ``multiplier`` filters (a conv with
    groups = C_in and C_in·multiplier outputs). Output channels C_in·multiplier."""

    flops_rule = "2·MACs + one add per output element if `bias`"
    takes_fold = True

    multiplier: int = arg(POSITIVE_INT, "channel multiplier: filters per input channel", 1)
    bias: bool = arg(BOOLEAN, "a learnable bias per output channel", True)

    def channelwise(self, inputs) -> bool:
        return self.multiplier == 1

    def infer(self, inputs) -> Facts:
        geo = self.geometry(inputs[0])
        channels = self.multiplier * inputs[0][0]          # each input channel's filters
        taps = product(geo.kernel)
        out_elements = channels * product(geo.output)
        macs = out_elements * taps
        return Facts(output=(channels, *geo.output), params=channels * taps + (channels if self.bias else 0),
                     macs=macs, flops=2 * macs + (out_elements if self.bias else 0), rf=geo.rf_step,
                     label=sliding_label("depthwise", geo) + (f" ×{self.multiplier}" if self.multiplier > 1 else ""))

    def worked(self, inputs, facts) -> tuple:
        """A convolution with groups = C_in and C_in·multiplier outputs."""
        c = inputs[0][0]
        return worked_window(c, c, c * self.multiplier, self.geometry(inputs[0]), self.bias)

    def scratch(self, kernels, inputs, output, in_place) -> dict:
        (shape,) = inputs
        geo = self.geometry(shape)
        return scratch.depthwise(kernels, shape[0], self.multiplier, shape[1:], geo.kernel, geo.padding,
                                 geo.dilation, in_place)


@register("separable_conv")
@record
class SeparableConv(SlidingOut):
    """Depthwise-separable convolution as one layer: a depthwise convolution (``kernel``, ``multiplier``)
    then a pointwise 1×1 convolution to ``out`` channels. The intermediate tensor is not counted in the
    activation memory. The window arguments (kernel, stride, padding, dilation) are the depthwise
    convolution's; ``bias`` is on the pointwise output only (as Keras's SeparableConv2D)."""

    takes_fold = True       # into the pointwise convolution

    flops_rule = "2·MACs + one add per output element if `bias`"

    saves_rule = ("its input, and the depthwise output that the pointwise half reads: C_in·multiplier channels at "
                  "the output's positions")

    def saved_for_backward(self, inputs, output) -> tuple:
        # the depthwise half keeps the input, the pointwise half the intermediate: C_in·multiplier channels
        # at the output's positions (as torch and Keras, which run the two convolutions apart)
        return KEEPS_INPUT + (Kept(elements=inputs[0][0] * self.multiplier * product(output[1:])),)

    out: int = arg(POSITIVE_INT, "output channels (of the pointwise 1×1 convolution)")
    multiplier: int = arg(POSITIVE_INT, "depthwise channel multiplier", 1)
    bias: bool = arg(BOOLEAN, "a learnable bias per output channel (pointwise only)", True)

    def infer(self, inputs) -> Facts:
        # the depthwise half, bias-free, then a 1×1 convolution at each of its output positions
        depthwise = DepthwiseConv(kernel=self.kernel, multiplier=self.multiplier, stride=self.stride,
                                  padding=self.padding, dilation=self.dilation, bias=False).infer(inputs)
        mid, *spatial = depthwise.output
        positions = product(spatial)
        pointwise = mid * self.out
        macs = depthwise.macs + positions * pointwise
        return Facts(output=(self.out, *spatial),
                     params=depthwise.params + pointwise + (self.out if self.bias else 0),
                     macs=macs, flops=2 * macs + (positions * self.out if self.bias else 0), rf=depthwise.rf,
                     label=depthwise.label.replace("depthwise", "separable", 1))

    def window_macs(self, shape, macs: int) -> int:
        """The depthwise half's (C_in·multiplier filters of kernel taps at each output position); the pointwise
        half's 1×1 taps read the depthwise output, never padding."""
        geo = self.geometry(shape)
        return shape[0] * self.multiplier * product(geo.output) * product(geo.kernel)

    def worked(self, inputs, facts) -> tuple:
        """The depthwise filters (C_in·multiplier of kernel taps, no bias) and the pointwise 1×1 convolution
        (C_in·multiplier → out, with the bias); at each output position every intermediate channel takes
        kernel taps and feeds C_out outputs."""
        c, m, out = inputs[0][0], self.multiplier, self.out
        geo = self.geometry(inputs[0])
        bias = f" + {out}" if self.bias else ""
        positions = product(geo.output)
        return (Worked("params", "kernel · C_in · multiplier + C_in · multiplier · C_out" + (" + bias" if self.bias else ""),
                       f"{times(geo.kernel)}·{c}·{m} + {c}·{m}·{out}{bias}",
                       product(geo.kernel) * c * m + c * m * out + (out if self.bias else 0)),
                Worked("macs", "output positions · C_in · multiplier · (kernel + C_out)",
                       f"{times(geo.output)} · {c}·{m} · ({times(geo.kernel)} + {out})",
                       positions * c * m * (product(geo.kernel) + out)))
