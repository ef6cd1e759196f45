"""A learnt per-channel multiplier: ConvNeXt's layer scale."""

from __future__ import annotations

from cnncalc.layers.base import Facts, KeepsInputForWeights, Layer, register
from cnncalc.record import record
from cnncalc.shapes import product


@register("scale")
@record
class Scale(KeepsInputForWeights, Layer):
    """y_c = γ_c · x_c: one learnt factor per channel (ConvNeXt's layer scale, torch's nn.Parameter of shape
    (C, 1, 1) multiplied in). C parameters, no MACs (a factor is not accumulated), 1 FLOP per element."""

    flops_rule = "1 per element (a multiply)"
    in_place = True
    # γ's gradient needs x (torch saves x; γ is a weight): KeepsInputForWeights

    def infer(self, inputs) -> Facts:
        (shape,) = inputs
        return Facts(output=tuple(shape), params=shape[0], flops=product(shape))
