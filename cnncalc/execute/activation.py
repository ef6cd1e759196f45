"""Element-wise activations in numpy."""

from __future__ import annotations

import numpy as np

from cnncalc.execute import SAME, executes


@executes("relu", structural=SAME)
def relu(layer, inputs, ctx):
    """`max(x, 0)`"""
    (x,) = inputs
    return np.maximum(x, 0)


@executes("relu6", structural=SAME)
def relu6(layer, inputs, ctx):
    """`min(max(x, 0), 6)`"""
    (x,) = inputs
    return np.minimum(np.maximum(x, 0), 6)


@executes("leaky_relu", structural=SAME)
def leaky_relu(layer, inputs, ctx):
    """`x` if `x > 0` else `negative_slope·x`"""
    (x,) = inputs
    return np.where(x > 0, x, layer.negative_slope * x)


@executes("elu", structural=SAME)
def elu(layer, inputs, ctx):
    """`x` if `x > 0` else `α·(eˣ − 1)`"""
    (x,) = inputs
    return np.where(x > 0, x, layer.alpha * np.expm1(np.minimum(x, 0)))


def erf(x: np.ndarray) -> np.ndarray:
    """The error function (numpy has none): Abramowitz & Stegun 7.1.26, absolute error below 1.5e-7."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-a * a))


@executes("gelu", structural=SAME)
def gelu(layer, inputs, ctx):
    """`x·Φ(x)` with erf to 1.5·10⁻⁷ (Abramowitz & Stegun 7.1.26; numpy has no erf), or the tanh form"""
    (x,) = inputs
    if layer.approximate == "tanh":
        return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * x ** 3)))
    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))


@executes("tanh", structural=SAME)
def tanh(layer, inputs, ctx):
    """`tanh(x)`"""
    (x,) = inputs
    return np.tanh(x)


def own_input(layer, inputs, ctx):
    """Structural run of a function of each element alone that is not zero at zero (sigmoid(0) = ½):
    each output depends on its own input only."""
    (x,) = inputs
    return x


@executes("sigmoid", structural=own_input)
def sigmoid(layer, inputs, ctx):
    """`1 / (1 + e⁻ˣ)`"""
    (x,) = inputs
    return 1.0 / (1.0 + np.exp(-x))


def _softmax_axis(layer, x: np.ndarray) -> int:
    """The layer's axis as an axis of the batched array."""
    return layer.along(x.shape[1:]) + 1


def every_channel(layer, inputs, ctx):
    """Structural run of softmax (whose terms can cancel): every value along the axis depends on every
    value along it (at a position, every channel there)."""
    (x,) = inputs
    return np.broadcast_to(x.max(axis=_softmax_axis(layer, x), keepdims=True), x.shape).copy()


@executes("softmax", structural=every_channel)
def softmax(layer, inputs, ctx):
    """softmax along the layer's axis (by default the channel axis, at each position)"""
    (x,) = inputs
    axis = _softmax_axis(layer, x)
    shifted = np.exp(x - x.max(axis=axis, keepdims=True))
    return shifted / shifted.sum(axis=axis, keepdims=True)


@executes("silu", structural=SAME)
def silu(layer, inputs, ctx):
    """`x · sigmoid(x)`"""
    (x,) = inputs
    return x / (1.0 + np.exp(-x))


def relu6_of_shifted(x: np.ndarray) -> np.ndarray:
    """relu6(x + 3) / 6, the hard sigmoid."""
    return np.minimum(np.maximum(x + 3.0, 0.0), 6.0) / 6.0


@executes("hardswish", structural=SAME)
def hardswish(layer, inputs, ctx):
    """`x · min(max(x + 3, 0), 6) / 6`"""
    (x,) = inputs
    return x * relu6_of_shifted(x)


@executes("hardsigmoid", structural=own_input)
def hardsigmoid(layer, inputs, ctx):
    """`min(max(x + 3, 0), 6) / 6`"""
    (x,) = inputs
    return relu6_of_shifted(x)


@executes("mish", structural=SAME)
def mish(layer, inputs, ctx):
    """`x · tanh(log(1 + eˣ))`"""
    (x,) = inputs
    return x * np.tanh(np.logaddexp(0.0, x))


@executes("prelu", structural=SAME)
def prelu(layer, inputs, ctx):
    """`x` if `x > 0` else `a·x`, slopes `a` per channel (`per_channel`) or one"""
    (x,) = inputs
    slope = ctx.weight("weight", (x.shape[1] if layer.per_channel else 1,), fan_in=1)
    a = slope.reshape((1, -1) + (1,) * (x.ndim - 2))
    return np.where(x > 0, x, a * x)
