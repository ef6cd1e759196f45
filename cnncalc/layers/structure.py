"""Layers that route or reshape data without arithmetic of their own: input, flatten, concat, add."""

from __future__ import annotations

from cnncalc.errors import LayerArgError
from cnncalc.layers.base import KEEPS_NOTHING, POSITIVE_INTS, Facts, Layer, arg, register
from cnncalc.record import record
from cnncalc.shapes import product


@register("input")
@record
class Input(Layer):
    """The network input, declared by the spec's top-level `input:` (channels first, no batch)."""

    flops_rule = "0"

    keeps = KEEPS_NOTHING

    shape: tuple = arg(POSITIVE_INTS, "[C], [C, L], [C, H, W] or [C, D, H, W]")
    arity = 0

    def infer(self, inputs) -> Facts:
        return Facts(output=tuple(self.shape) if isinstance(self.shape, tuple) else (self.shape,))


@register("flatten")
@record
class Flatten(Layer):
    """[C, H, W] → [C·H·W]. No arithmetic."""

    flops_rule = "0"

    view = True

    keeps = KEEPS_NOTHING

    def infer(self, inputs) -> Facts:
        (shape,) = inputs
        return Facts(output=(product(shape),))


@register("concat")
@record
class Concat(Layer):
    """Join two or more inputs along the channel axis; all other axes must match. No arithmetic."""

    flops_rule = "0"

    keeps = KEEPS_NOTHING

    arity = None
    has_branches = True

    def infer(self, inputs) -> Facts:
        first = inputs[0]
        for index, shape in enumerate(inputs[1:], start=1):
            if len(shape) != len(first) or shape[1:] != first[1:]:
                raise LayerArgError(f"concat joins on channels, so the other axes must match: input 0 is "
                                    f"{list(first)}, input {index} is {list(shape)}")
        return Facts(output=(sum(shape[0] for shape in inputs), *first[1:]))


@register("add")
@record
class Add(Layer):
    """Element-wise sum of two or more inputs of the same shape: (n−1) additions per element."""

    flops_rule = "(inputs − 1) per output element"

    in_place = True         # into one of its inputs

    keeps = KEEPS_NOTHING

    arity = None
    has_branches = True

    def infer(self, inputs) -> Facts:
        first = inputs[0]
        for index, shape in enumerate(inputs[1:], start=1):
            if tuple(shape) != tuple(first):
                raise LayerArgError(f"add needs inputs of one shape: input 0 is {list(first)}, "
                                    f"input {index} is {list(shape)}")
        return Facts(output=tuple(first), flops=(len(inputs) - 1) * product(first))
