"""Element-wise layers in numpy: activations, batch normalisation, dropout."""

from __future__ import annotations

import numpy as np

from cnncalc.execute import channel_shape, executes


@executes("relu")
def relu(layer, inputs, ctx):
    (x,) = inputs
    return np.maximum(x, 0)


@executes("relu6")
def relu6(layer, inputs, ctx):
    (x,) = inputs
    return np.minimum(np.maximum(x, 0), 6)


@executes("leaky_relu")
def leaky_relu(layer, inputs, ctx):
    (x,) = inputs
    return np.where(x > 0, x, layer.negative_slope * x)


@executes("elu")
def elu(layer, inputs, ctx):
    (x,) = inputs
    return np.where(x > 0, x, layer.alpha * np.expm1(np.minimum(x, 0)))


def erf(x: np.ndarray) -> np.ndarray:
    """The error function (numpy has none): Abramowitz & Stegun 7.1.26, absolute error below 1.5e-7."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-a * a))


@executes("gelu")
def gelu(layer, inputs, ctx):
    (x,) = inputs
    if layer.approximate == "tanh":
        return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * x ** 3)))
    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))


@executes("tanh")
def tanh(layer, inputs, ctx):
    (x,) = inputs
    return np.tanh(x)


@executes("sigmoid")
def sigmoid(layer, inputs, ctx):
    (x,) = inputs
    if ctx.structural:          # sigmoid(0) = ½ ≠ 0: each output depends on its own input only
        return x
    return 1.0 / (1.0 + np.exp(-x))


@executes("softmax")
def softmax(layer, inputs, ctx):
    """Softmax over the channel axis (axis 1), at each position."""
    (x,) = inputs
    if ctx.structural:          # every channel at a position depends on every channel there
        return np.broadcast_to(x.max(axis=1, keepdims=True), x.shape).copy()
    shifted = np.exp(x - x.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


@executes("batchnorm")
def batchnorm(layer, inputs, ctx):
    """Inference form: (x − running mean) / √(running var + ε) · γ + β, with random statistics. (Without
    running statistics PyTorch would normalise with the batch's own; verify uses random ones as well.)"""
    (x,) = inputs
    channels = (x.shape[1],)
    mean = ctx.shift("running_mean", channels)
    var = ctx.positive("running_var", channels)
    gamma = ctx.positive("weight", channels) if layer.affine else np.ones(channels)
    beta = ctx.shift("bias", channels) if layer.affine else np.zeros(channels)
    scale = (gamma / np.sqrt(var + layer.eps)).astype(x.dtype)
    return (x - mean.reshape(channel_shape(x)).astype(x.dtype)) * scale.reshape(channel_shape(x)) \
        + beta.reshape(channel_shape(x)).astype(x.dtype)


@executes("dropout")
def dropout(layer, inputs, ctx):
    """The identity, as at inference."""
    (x,) = inputs
    return x
