"""The network input, flatten, and the merges of two or more inputs: concat, add, mul."""

from __future__ import annotations

from typing import ClassVar

from cnncalc.errors import LayerArgError
from cnncalc.layers.base import (KEEPS_NOTHING, POSITIVE_INTS, RESIDUAL, Facts, Grads, Kept, Layer, Routing, arg,
                                 register)
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
    """Two or more inputs (``from: [a, b]`` or parallel branches) joined into one."""

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
    keeps = KEEPS_NOTHING
    mismatch = "concat joins on channels, so the other axes must match"

    def infer(self, inputs) -> Facts:
        first = self.check_inputs(inputs, lambda shape, first: len(shape) == len(first) and shape[1:] == first[1:])
        return Facts(output=(sum(shape[0] for shape in inputs), *first[1:]))


def broadcast(inputs, type_name: str) -> tuple:
    """The shape two or more inputs broadcast to (numpy's rule, equal ranks): on every axis each input has
    the one size n > 1 the others have, or 1. Channels broadcast as spatial axes do."""
    first = tuple(inputs[0])
    out = list(first)
    for index, shape in enumerate(inputs[1:], start=1):
        shape = tuple(shape)
        fits = len(shape) == len(first) and all(a == b or 1 in (a, b) for a, b in zip(out, shape))
        if not fits:
            raise LayerArgError(f"{type_name} needs inputs of one shape, or shapes that broadcast (of one rank, "
                                f"on each axis one size or 1): input 0 is {list(first)}, input {index} is "
                                f"{list(shape)}")
        out = [max(a, b) for a, b in zip(out, shape)]
    return tuple(out)


@record
class _Elementwise(_Merge):
    """An element-wise merge with broadcasting: (n−1) operations per output element."""

    in_place = True         # into an input of the output's shape, when one has it

    def infer(self, inputs) -> Facts:
        out = broadcast(inputs, self.type_name)
        return Facts(output=out, flops=(len(inputs) - 1) * product(out))


@register("add")
@record
class Add(_Elementwise):
    """Element-wise sum of two or more inputs: (n−1) additions per output element. Inputs of one shape, or
    shapes that broadcast (an axis of size 1 is repeated along the others' size: [C, 1, 1] + [C, H, W])."""

    flops_rule = "(inputs − 1) per output element"
    fuses = RESIDUAL        # a residual add runs in its producer's epilogue (cnncalc.deploy)
    keeps = KEEPS_NOTHING   # a sum's gradient is the output's, passed to every input


@register("mul")
@record
class Mul(_Elementwise):
    """Element-wise product of two or more inputs: (n−1) multiplications per output element. Shapes
    broadcast as add's do; squeeze-and-excitation's gate is `{from: [features, gate], mul: {}}` with
    features [C, H, W] and gate [C, 1, 1]."""

    flops_rule = "(inputs − 1) multiplications per output element"
    saves_rule = ("each factor whose partner needs a gradient (a factor's gradient is the product of the others; "
                  "torch multiplies pairwise, left to right, so with n > 2 inputs the n − 2 partial products "
                  "too, each kept when the factor it multiplies needs a gradient)")

    def saved_for_backward(self, inputs, output) -> tuple:
        return self.saved_when(inputs, output, Grads(inputs=(True,) * len(inputs), weights=False))

    def saved_when(self, inputs, output, grads) -> tuple:
        # torch: ((x0·x1)·x2)·…; the product p·x_k keeps p when x_k needs a gradient and x_k when p does
        # (p needs one when any of its factors does)
        needs = grads.inputs
        kept = [Kept(input=0)] if needs[1] else []
        kept += [Kept(input=1)] if needs[0] else []
        for k in range(2, len(inputs)):
            if needs[k]:                       # the partial product x0·…·x(k−1)
                kept.append(Kept(elements=product(broadcast(inputs[:k], self.type_name))))
            if any(needs[:k]):
                kept.append(Kept(input=k))
        return tuple(kept)
