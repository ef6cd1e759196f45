"""torch's nn.Linear over the channel axis at every position (ConvNeXt's pointwise layers on a channels-last
tensor)."""

from __future__ import annotations

from cnncalc.layers.base import (BOOLEAN, ELEMENTWISE, KEEPS_INPUT, KEEPS_NOTHING, POSITIVE_INT, WHOLE, Facts, Kept,
                                 KeepsInputForWeights, Layer, arg, register)
from cnncalc.layers.dense import dense_worked
from cnncalc.layers.sliding import Geometry, geometry
from cnncalc.record import record
from cnncalc.shapes import product


@register("linear")
@record
class Linear(KeepsInputForWeights, Layer):
    """nn.Linear applied to the C channels at every position: [C, *spatial] → [out, *spatial], each
    position's output out = W·x + b with one W [out, C] for all positions (ConvNeXt's pwconv on its
    channels-last tensor; the same as a 1×1 convolution). On a flat input [C] it is `dense`. Parameters
    C·out (+ out); MACs positions·C·out, as torch counts nn.Linear."""

    takes_fold = True
    saves_rule = ("its input if its weights are trainable (nothing if frozen): on a spatial input of more than "
                  "one channel and position, its own channels-last copy of it (torch's nn.Linear on the permuted "
                  "tensor folds it with a reshape, which copies), a tensor of the input's size")

    def saved_when(self, inputs, output, grads) -> tuple:
        if not grads.weights:
            return KEEPS_NOTHING
        shape = inputs[0]
        if len(shape) == 1 or shape[0] == 1 or product(shape[1:]) == 1:
            return KEEPS_INPUT        # the permuted tensor folds as a view
        return (Kept(elements=product(shape)),)

    flops_rule = "2·MACs (a multiply and an add each) + one add per output element if `bias`"

    out: int = arg(POSITIVE_INT, "output channels (features) at each position")
    bias: bool = arg(BOOLEAN, "a learnable bias per output channel", True)

    def geometry(self, shape) -> Geometry:
        """The 1×1 window at every position that a linear layer over the channels is."""
        spatial = tuple(shape[1:])
        return geometry(spatial, 1, 1, 0)

    def infer(self, inputs) -> Facts:
        (shape,) = inputs
        positions = product(shape[1:])
        macs = positions * shape[0] * self.out
        biases = positions * self.out if self.bias else 0
        return Facts(output=(self.out, *shape[1:]), params=shape[0] * self.out + (self.out if self.bias else 0),
                     macs=macs, flops=2 * macs + biases, rf=ELEMENTWISE if len(shape) > 1 else WHOLE,
                     label=f"linear {shape[0]}→{self.out}")

    def worked(self, inputs, facts) -> tuple:
        (shape,) = inputs
        return dense_worked(shape[0], self.out, self.bias, "C_in", "C_out", tuple(shape[1:]))
