"""Layers that route or reshape data without arithmetic of their own: input, flatten, concat, add."""

from __future__ import annotations

from typing import ClassVar

from cnncalc.errors import LayerArgError
from cnncalc.layers.base import KEEPS_NOTHING, POSITIVE_INTS, Facts, Layer, Routing, arg, register
from cnncalc.record import record
from cnncalc.shapes import product


@register("input")
@record
class Input(Routing, Layer):
    """The network input, declared by the spec's top-level `input:` (channels first, no batch)."""

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


@record
class _Merge(Layer):
    """Two or more inputs (``from: [a, b]`` or parallel branches) joined into one; keeps nothing for backward."""

    keeps = KEEPS_NOTHING
    arity = None
    has_branches = True
    mismatch: ClassVar[str] = ""        # what the inputs must share, for the error

    def check_inputs(self, inputs, same) -> tuple:
        """The first input's shape, after checking every other input agrees with it by ``same``."""
        first = tuple(inputs[0])
        for index, shape in enumerate(inputs[1:], start=1):
            if not same(tuple(shape), first):
                raise LayerArgError(f"{self.mismatch}: input 0 is {list(first)}, input {index} is {list(shape)}")
        return first


@register("concat")
@record
class Concat(_Merge):
    """Join two or more inputs along the channel axis; all other axes must match. No arithmetic."""

    flops_rule = "0"
    mismatch = "concat joins on channels, so the other axes must match"

    def infer(self, inputs) -> Facts:
        first = self.check_inputs(inputs, lambda shape, first: len(shape) == len(first) and shape[1:] == first[1:])
        return Facts(output=(sum(shape[0] for shape in inputs), *first[1:]))


@register("add")
@record
class Add(_Merge):
    """Element-wise sum of two or more inputs of the same shape: (n−1) additions per element."""

    flops_rule = "(inputs − 1) per output element"
    in_place = True         # into one of its inputs
    mismatch = "add needs inputs of one shape"

    def infer(self, inputs) -> Facts:
        first = self.check_inputs(inputs, lambda shape, first: shape == first)
        return Facts(output=first, flops=(len(inputs) - 1) * product(first))
