"""Convolution over 1, 2 or 3 spatial axes, and its weight-standardised form."""

from __future__ import annotations

from cnncalc.errors import LayerArgError
from cnncalc.layers import scratch
from cnncalc.layers.base import BOOLEAN, NUMBER, POSITIVE_INT, Facts, arg, register
from cnncalc.layers.sliding import SlidingOut, sliding_label, worked_window
from cnncalc.record import record, replace
from cnncalc.shapes import product


class Grouped:
    """Channel checks shared by grouped convolutions (fields `out` and `groups`); a batch norm after one folds
    into its weights (conv, conv_transpose)."""

    takes_fold = True
    out: int
    groups: int

    def validate(self) -> None:
        if self.out % self.groups:
            raise LayerArgError(f"output channels {self.out} are not divisible by groups {self.groups}", "groups")

    def channelwise(self, inputs) -> bool:
        """A depthwise convolution written as a grouped one: groups = input channels = output channels."""
        return self.groups == inputs[0][0] == self.out

    def input_channels(self, shape) -> int:
        if shape[0] % self.groups:
            raise LayerArgError(f"input channels {shape[0]} are not divisible by groups {self.groups}", "groups")
        return shape[0]


@register("conv")
@record
class Conv(Grouped, SlidingOut):
    """Convolution; 1-D, 2-D or 3-D by the input's rank ([C, L], [C, H, W], [C, D, H, W])."""

    flops_rule = "2·MACs (a multiply and an add each) + one add per output element if `bias`"

    groups: int = arg(POSITIVE_INT, "groups: input and output channels must both divide by it", 1)
    bias: bool = arg(BOOLEAN, "a learnable bias per output channel", True)

    def infer(self, inputs) -> Facts:
        (shape,) = inputs
        c_in = self.input_channels(shape)
        geo = self.geometry(shape)
        taps = (c_in // self.groups) * product(geo.kernel)   # multiplications per output element
        out_elements = self.out * product(geo.output)
        weights = self.out * taps
        bias = self.out if self.bias else 0
        macs = out_elements * taps
        flops = 2 * macs + (out_elements if self.bias else 0)
        return Facts(output=(self.out, *geo.output), params=weights + bias, macs=macs, flops=flops,
                     rf=geo.rf_step, label=sliding_label("conv", geo, self.groups))

    def worked(self, inputs, facts) -> tuple:
        (shape,) = inputs
        return worked_window(shape[0], self.groups, self.out, self.geometry(shape), self.bias)

    def scratch(self, kernels, inputs, output, in_place) -> dict:
        """A dense convolution's im2col (and kernel) buffers; a grouped one with one filter per channel as a
        depthwise convolution (the converter writes it as one); other groupings none (no such int8 kernel)."""
        (shape,) = inputs
        geo = self.geometry(shape)
        if self.groups == 1:
            return scratch.convolution(kernels, shape[0], self.out, geo.kernel, geo.padding, geo.stride,
                                       geo.dilation)
        if self.channelwise(inputs):
            return scratch.depthwise(kernels, shape[0], 1, shape[1:], geo.kernel, geo.padding, geo.dilation,
                                     in_place)
        return {}


@register("std_conv")
@record
class StdConv(Conv):
    """Convolution with weight standardisation (Qiao et al., "Micro-Batch Training with Batch-Channel
    Normalization and Weight Standardization", 2019; the NF-ResNets of Brock et al., ICLR 2021: timm's
    StdConv2d and ScaledStdConv2d): before it is applied, each filter's weights are standardised over its
    fan-in (C_in/groups · taps) to mean 0 and variance 1 (biased, + `eps`), then multiplied by the filter's
    learnable gain (`gain`, ScaledStdConv2d's; its fixed γ/√fan-in factor is part of the gain's value). The
    parameters are conv's plus C_out gains; MACs and FLOPs are conv's: the standardisation reads the
    weights only (once per forward pass, a constant at inference, as batchnorm's folded scale)."""

    gain: bool = arg(BOOLEAN, "a learnable gain per output channel (ScaledStdConv2d; StdConv2d has none)", True)
    eps: float = arg(NUMBER, "ε added to each filter's variance (does not change any count)", 1e-6)

    def validate(self) -> None:
        super().validate()
        if self.eps < 0:
            raise LayerArgError(f"'eps' must be at least 0, got {self.eps}", "eps")

    def infer(self, inputs) -> Facts:
        facts = super().infer(inputs)
        return replace(facts, params=facts.params + (self.out if self.gain else 0),
                       label=facts.label.replace("conv", self.type_name, 1))

    def worked(self, inputs, facts) -> tuple:
        """conv's, with the C_out gains among the parameters."""
        if not self.gain:
            return super().worked(inputs, facts)
        return tuple(replace(w, formula=w.formula + " + gain", numbers=f"{w.numbers} + {self.out}",
                             value=w.value + self.out) if w.figure == "params" else w
                     for w in super().worked(inputs, facts))
