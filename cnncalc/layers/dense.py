"""Fully connected layers."""

from __future__ import annotations

from cnncalc.errors import LayerArgError
from cnncalc.layers.base import BOOLEAN, POSITIVE_INT, WHOLE, Facts, KeepsInputForWeights, Layer, arg, register
from cnncalc.record import record


@register("dense", "fc")
@record
class Dense(KeepsInputForWeights, Layer):
    """Fully connected: every output unit sees every input element. Needs a flat input [N]."""

    worked_weights = "dense"
    takes_fold = True
    flops_rule = "2·MACs (a multiply and an add each) + one add per output element if `bias`"

    out: int = arg(POSITIVE_INT, "output units")
    bias: bool = arg(BOOLEAN, "a learnable bias per output unit", True)

    def infer(self, inputs) -> Facts:
        (shape,) = inputs
        if len(shape) != 1:
            raise LayerArgError(f"dense needs a flat input [N]; got {list(shape)}: put a flatten "
                                f"(or a global pooling) before it")
        macs = shape[0] * self.out
        return Facts(output=(self.out,), params=macs + (self.out if self.bias else 0), macs=macs,
                     flops=2 * macs + (self.out if self.bias else 0), rf=WHOLE)
