"""Element-wise activations. No parameters but prelu's slopes; FLOPs per element as written in
docs/conventions.md."""

from __future__ import annotations

from typing import ClassVar

from cnncalc.layers.base import BOOLEAN, EPILOGUE, KEEPS_INPUT, KEEPS_OUTPUT, NUMBER, WHOLE, Facts, Layer, arg, choice, register
from cnncalc.layers.tensor import AXIS, mixing_rf, resolve_axes
from cnncalc.record import record, replace
from cnncalc.shapes import product


@record
class _Activation(Layer):
    # The operations per element, in words: their count is the FLOPs per element, and they make the written
    # rule (flops_rule), so the two cannot disagree. ``flops_note`` follows the rule.
    flops_ops: ClassVar[tuple[str, ...]] = ()
    flops_note: ClassVar[str] = ""
    flops_per_element: ClassVar[int] = 1
    in_place = True
    fuses = EPILOGUE          # element-wise: runs in its producer's epilogue (softmax, which is not, overrides)
    # what its backward pass reads, as torch saves it: the input (relu6, leaky_relu, elu, gelu), or the
    # output (_OutputKeeping)
    keeps = KEEPS_INPUT

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if "flops_ops" in cls.__dict__:
            cls.flops_per_element = len(cls.flops_ops)
            cls.flops_rule = f"{len(cls.flops_ops)} per element ({', '.join(cls.flops_ops)}){cls.flops_note}"

    def infer(self, inputs) -> Facts:
        (shape,) = inputs
        return Facts(output=tuple(shape), flops=self.flops_per_element * product(shape))


@record
class _OutputKeeping(_Activation):
    keeps = KEEPS_OUTPUT          # its backward pass reads its output (relu, tanh, sigmoid, softmax)


@register("relu")
@record
class ReLU(_OutputKeeping):
    """max(0, x): 1 FLOP per element."""

    flops_ops = ("a max",)
    clamps = True


@register("relu6")
@record
class ReLU6(_Activation):
    """min(max(0, x), 6) (MobileNetV2): 2 FLOPs per element (a max and a min)."""

    flops_ops = ("a max with 0", "a min with 6")
    clamps = True


@register("leaky_relu")
@record
class LeakyReLU(_Activation):
    """x if x > 0 else a·x: 2 FLOPs per element (compare, multiply)."""

    flops_ops = ("compare", "multiply")

    negative_slope: float = arg(NUMBER, "slope a for x < 0", 0.01)


@register("elu")
@record
class ELU(_Activation):
    """x if x > 0 else α·(exp(x) − 1): 4 FLOPs per element (compare, exp, subtract, multiply)."""

    flops_ops = ("compare", "exp", "subtract", "multiply")

    alpha: float = arg(NUMBER, "α", 1.0)


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
class Tanh(_OutputKeeping):
    """tanh(x): 1 FLOP per element (a transcendental function counts as one)."""

    flops_ops = ("a transcendental function counts as one",)


@register("sigmoid")
@record
class Sigmoid(_OutputKeeping):
    """1 / (1 + exp(−x)): 4 FLOPs per element (negate, exp, add, divide)."""

    flops_ops = ("negate", "exp", "add", "divide")


@register("softmax")
@record
class Softmax(_OutputKeeping):
    """exp(x_i) / Σ exp along one axis (by default the channel axis, at each position): 3 FLOPs per element
    (exp, add to the sum, divide). The max-subtraction of stable implementations is not counted. `axis`
    (batch excluded, negative from the end) softmaxes another axis: attention's scores over the keys,
    SK-Net's over its branches, global context's over the positions. Receptive field: element-wise over the
    channel axis; the whole input when the axis is a spatial one (every value along it is read), and on a
    flat input [N], whose channels are all N elements."""

    flops_ops = ("exp", "add into the sum", "divide")
    flops_note = "; the max-subtraction of stable versions is not counted"
    fuses = ""                # a reduction along an axis, not element-wise

    axis: int = arg(AXIS, "the axis normalised (batch excluded; 0: channels; −1: the last)", 0)

    def along(self, shape) -> int:
        """The axis normalised, non-negative."""
        (axis,) = resolve_axes((self.axis,), len(shape), self.type_name, "axis")
        return axis

    def infer(self, inputs) -> Facts:
        facts = super().infer(inputs)
        shape = tuple(inputs[0])
        return replace(facts, rf=WHOLE) if len(shape) == 1 else replace(facts, rf=mixing_rf(shape, (self.along(shape),)))


# The gated and hard activations of MobileNetV3, EfficientNet and their kin. Each keeps its input for
# backward, as torch's SiLU, Hardswish, Hardsigmoid, Mish and PReLU save it.

@register("silu", "swish")
@record
class SiLU(_Activation):
    """x·sigmoid(x) (EfficientNet's swish): 5 FLOPs per element, sigmoid's 4 and the multiply by x."""

    flops_ops = ("negate", "exp", "add 1", "divide", "multiply by x")


@register("hardswish")
@record
class Hardswish(_Activation):
    """x·relu6(x + 3)/6 (MobileNetV3): 5 FLOPs per element (add 3, max with 0, min with 6, multiply by x,
    divide by 6)."""

    flops_ops = ("add 3", "a max with 0", "a min with 6", "multiply by x", "divide by 6")


@register("hardsigmoid")
@record
class Hardsigmoid(_Activation):
    """relu6(x + 3)/6 (MobileNetV3's squeeze-and-excitation gate): 4 FLOPs per element (add 3, max with 0,
    min with 6, divide by 6)."""

    flops_ops = ("add 3", "a max with 0", "a min with 6", "divide by 6")


@register("mish")
@record
class Mish(_Activation):
    """x·tanh(softplus(x)), softplus(x) = log(1 + exp(x)): 5 FLOPs per element (exp, add 1, log, tanh,
    multiply by x; a transcendental function counts as one)."""

    flops_ops = ("exp", "add 1", "log", "tanh", "multiply by x")


@register("prelu")
@record
class PReLU(_Activation):
    """x if x > 0 else a·x with a learnt slope a: one for the whole layer (torch's nn.PReLU()), or one per
    channel with `per_channel: true` (nn.PReLU(C)). 2 FLOPs per element (compare, multiply), as leaky_relu."""

    flops_ops = ("compare", "multiply")

    per_channel: bool = arg(BOOLEAN, "one slope per channel (C parameters) instead of one for all", False)

    def infer(self, inputs) -> Facts:
        facts = super().infer(inputs)
        return replace(facts, params=inputs[0][0] if self.per_channel else 1)
