"""Layers that pass data on unchanged or reordered, with no arithmetic: identity, stochastic_depth,
channel_shuffle."""

from __future__ import annotations

from cnncalc.errors import LayerArgError
from cnncalc.layers.base import (KEEPS_NOTHING, NUMBER, POSITIVE_INT, Facts, Kept, Layer, Routing, arg, choice,
                                 register)
from cnncalc.record import record


@register("identity")
@record
class Identity(Routing, Layer):
    """Its input, unchanged (torch's nn.Identity): 0 FLOPs, a view that shares its input's storage."""

    view = True

    def infer(self, inputs) -> Facts:
        (shape,) = inputs
        return Facts(output=tuple(shape))


@register("stochastic_depth")
@record
class StochasticDepth(Layer):
    """Stochastic depth (torchvision.ops.StochasticDepth, on a residual branch): the identity at inference,
    so 0 FLOPs. The rate changes no count. In training it zeroes the whole input of a sample (`mode: row`)
    or of the batch (`mode: batch`) with probability `rate` and divides the rest by 1 − rate, keeping that
    random factor for backward: one value per sample (row) or one for the batch."""

    flops_rule = "0 (the identity at inference)"
    in_place = True
    saves_rule = ("the random factor: one value per sample (`mode: row`) or one for the batch (`mode: batch`), "
                  "at the activation dtype; nothing at rate 0, where its output is its input itself")

    rate: float = arg(NUMBER, "probability of dropping the input, 0 ≤ rate ≤ 1 (changes no count)", 0.5)
    mode: str = arg(choice("row", "batch"), "drop each sample on its own (row) or the whole batch (batch)", "row")

    def validate(self) -> None:
        if not 0 <= self.rate <= 1:
            raise LayerArgError(f"'rate' must be in [0, 1], got {self.rate}", "rate")

    def saved_for_backward(self, inputs, output) -> tuple:
        if self.rate == 0:
            return KEEPS_NOTHING         # torchvision returns its input unchanged
        return (Kept(elements=1, per_sample=self.mode == "row"),)

    def shares_input_storage(self) -> bool:
        return self.rate == 0           # torchvision returns its input itself: an alias

    def infer(self, inputs) -> Facts:
        (shape,) = inputs
        return Facts(output=tuple(shape))


@register("channel_shuffle")
@record
class ChannelShuffle(Routing, Layer):
    """ShuffleNet's channel shuffle: the C channels, read as `groups` rows of C/groups, are written out
    column by column (torch's nn.ChannelShuffle; ShuffleNetV2's view, transpose, contiguous, view), so
    output channel j·groups + g is input channel g·(C/groups) + j. 0 FLOPs, but a copy, not a view:
    the output has storage of its own. Positions do not move: the receptive field is unchanged."""

    groups: int = arg(POSITIVE_INT, "groups; must divide the channels")

    def infer(self, inputs) -> Facts:
        (shape,) = inputs
        if shape[0] % self.groups:
            raise LayerArgError(f"channel_shuffle's groups ({self.groups}) must divide the channels "
                                f"({shape[0]})", "groups")
        return Facts(output=tuple(shape), label=f"channel_shuffle g={self.groups}")
