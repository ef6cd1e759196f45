"""Element-wise activations. No parameters; FLOPs per element as written in docs/conventions.md."""

from __future__ import annotations

from typing import ClassVar

from cnncalc.layers.base import KEEPS_INPUT, KEEPS_OUTPUT, NUMBER, WHOLE, Facts, Layer, arg, choice, register
from cnncalc.record import record, replace
from cnncalc.shapes import product


@record
class _Activation(Layer):
    flops_per_element: ClassVar[int] = 1
    in_place = True
    # what its backward pass reads: the input (relu6, leaky_relu, elu, gelu) or the output (relu, tanh,
    # sigmoid, softmax), as torch saves them
    keeps = KEEPS_INPUT

    def infer(self, inputs) -> Facts:
        (shape,) = inputs
        return Facts(output=tuple(shape), flops=self.flops_per_element * product(shape))


@register("relu")
@record
class ReLU(_Activation):
    """max(0, x): 1 FLOP per element."""

    flops_rule = "1 per element (a max)"
    keeps = KEEPS_OUTPUT


@register("relu6")
@record
class ReLU6(_Activation):
    """min(max(0, x), 6) (MobileNetV2): 2 FLOPs per element (a max and a min)."""

    flops_rule = "2 per element (a max with 0, a min with 6)"

    flops_per_element: ClassVar[int] = 2


@register("leaky_relu")
@record
class LeakyReLU(_Activation):
    """x if x > 0 else a·x: 2 FLOPs per element (compare, multiply)."""

    flops_rule = "2 per element (compare, multiply)"

    negative_slope: float = arg(NUMBER, "slope a for x < 0", 0.01)
    flops_per_element: ClassVar[int] = 2


@register("elu")
@record
class ELU(_Activation):
    """x if x > 0 else α·(exp(x) − 1): 4 FLOPs per element (compare, exp, subtract, multiply)."""

    flops_rule = "4 per element (compare, exp, subtract, multiply)"

    alpha: float = arg(NUMBER, "α", 1.0)
    flops_per_element: ClassVar[int] = 4


@register("gelu")
@record
class GELU(_Activation):
    """x·Φ(x). Exact (erf): 5 FLOPs per element; tanh approximation: 9."""

    flops_rule = "5 per element (divide by √2, erf, add 1, multiply by ½, multiply by x); `approximate: tanh`: 9"

    approximate: str = arg(choice("none", "tanh"), "erf form (none) or PyTorch's tanh approximation", "none")

    def infer(self, inputs) -> Facts:
        (shape,) = inputs
        per_element = 9 if self.approximate == "tanh" else 5
        return Facts(output=tuple(shape), flops=per_element * product(shape))


@register("tanh")
@record
class Tanh(_Activation):
    """tanh(x): 1 FLOP per element (a transcendental function counts as one)."""

    flops_rule = "1 per element (a transcendental function counts as one)"
    keeps = KEEPS_OUTPUT


@register("sigmoid")
@record
class Sigmoid(_Activation):
    """1 / (1 + exp(−x)): 4 FLOPs per element (negate, exp, add, divide)."""

    flops_rule = "4 per element (negate, exp, add, divide)"
    keeps = KEEPS_OUTPUT

    flops_per_element: ClassVar[int] = 4


@register("softmax")
@record
class Softmax(_Activation):
    """exp(x_c) / Σ exp over the channel axis, at each position: 3 FLOPs per element (exp, add to the
    sum, divide). The max-subtraction of stable implementations is not counted. On a flat input [N] the
    channels are all N elements, so every output sees the whole input."""

    flops_rule = ("3 per element (exp, add into the sum, divide); the max-subtraction of stable versions is not "
                  "counted")
    keeps = KEEPS_OUTPUT

    flops_per_element: ClassVar[int] = 3

    def infer(self, inputs) -> Facts:
        facts = super().infer(inputs)
        return replace(facts, rf=WHOLE) if len(inputs[0]) == 1 else facts
