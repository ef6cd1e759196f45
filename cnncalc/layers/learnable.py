"""Learnable tensors joined to the activations: a class token prepended to a sequence (ViT's [class] token,
joined by concat) and a position embedding added to it (joined by add). Their values are parameters."""

from __future__ import annotations

from cnncalc.errors import LayerArgError
from cnncalc.layers.base import KEEPS_NOTHING, POSITIVE_INT, Facts, Layer, Window, arg, register
from cnncalc.record import record
from cnncalc.shapes import product


@register("class_token")
@record
class ClassToken(Layer):
    """Prepends `tokens` learnt vectors to a sequence [C, L] → [C, tokens + L] (ViT's [class] token,
    torch's `cat([cls_token.expand(N, -1, -1), x], dim=1)` in its own [L, C] layout): C·tokens parameters, no
    arithmetic."""

    flops_rule = "0 (a copy)"
    keeps = KEEPS_NOTHING      # the gradient of a concatenation is a split of the output's

    tokens: int = arg(POSITIVE_INT, "the learnt vectors prepended", 1)

    def infer(self, inputs) -> Facts:
        (shape,) = inputs
        if len(shape) != 2:
            raise LayerArgError(f"class_token needs a sequence shaped [C, L]; got {list(shape)}")
        channels, length = shape
        # output unit o ≥ tokens is input unit o − tokens; the tokens read no input (as padding would)
        return Facts(output=(channels, length + self.tokens), params=channels * self.tokens,
                     rf=Window((1,), (1,), (-self.tokens,)))


@register("position_embedding")
@record
class PositionEmbedding(Layer):
    """Adds a learnt tensor of the input's whole shape (ViT's position embedding, [C, L]; any rank): one
    parameter per input element, 1 FLOP per element (an add), no MACs."""

    flops_rule = "1 per element (an add)"
    keeps = KEEPS_NOTHING      # the gradient of a sum is the output's, to both
    in_place = True

    def infer(self, inputs) -> Facts:
        (shape,) = inputs
        return Facts(output=tuple(shape), params=product(shape), flops=product(shape))
