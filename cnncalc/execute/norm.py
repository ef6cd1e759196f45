"""Batch normalisation and dropout in numpy."""

from __future__ import annotations

import numpy as np

from cnncalc.execute import SAME, channel_shape, executes


@executes("batchnorm", structural=SAME)
def batchnorm(layer, inputs, ctx):
    """inference form with random running statistics, `(x − mean)/√(var + ε)·γ + β`. Without running
    statistics PyTorch would normalise by the batch's own; verify does not model that"""
    (x,) = inputs
    channels = (x.shape[1],)
    mean = ctx.shift("running_mean", channels)
    var = ctx.positive("running_var", channels)
    gamma = ctx.positive("weight", channels) if layer.affine else np.ones(channels)
    beta = ctx.shift("bias", channels) if layer.affine else np.zeros(channels)
    scale = (gamma / np.sqrt(var + layer.eps)).astype(x.dtype)
    return (x - mean.reshape(channel_shape(x)).astype(x.dtype)) * scale.reshape(channel_shape(x)) \
        + beta.reshape(channel_shape(x)).astype(x.dtype)


@executes("dropout", structural=SAME)
def dropout(layer, inputs, ctx):
    """the identity (inference)"""
    (x,) = inputs
    return x


def statistics_as_constants(layer, inputs, ctx):
    """Structural run of the normalisations by the input's own statistics: what the receptive field follows
    (docs/conventions.md) is the normalised value itself, each output element depending on its own input
    element; the mean and 1/σ, which depend on the whole group, are not followed (unit γ, zero β)."""
    (x,) = inputs
    return x


def _normalised(x, axes, eps):
    """(x − mean) / √(var + ε) over ``axes``, the variance the population's (divided by n), as torch's."""
    mean = x.mean(axis=axes, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(var + eps)


def _affine(y, ctx, shape, broadcast):
    """y · γ + β, γ and β of ``shape`` reshaped to ``broadcast``."""
    gamma = ctx.positive("weight", shape).reshape(broadcast).astype(y.dtype)
    beta = ctx.shift("bias", shape).reshape(broadcast).astype(y.dtype)
    return y * gamma + beta


NORMALISED = """`(x − mean)/√(var + ε)·γ + β` with each sample's own mean and (population) variance over the group:
the channels at each position (`layernorm over: channels`), every value (`over: all`), a channel group over all
positions (`groupnorm`), a channel over its positions (`instancenorm`; with `track_running_stats` batchnorm's
inference form). Their structural run is the input itself: the field follows the normalised value, not the
statistics (docs/conventions.md)"""


def _normalising(func):
    """The three normalisations' one description (docs/verify.md's table groups the types that share it)."""
    func.__doc__ = NORMALISED
    return func


@_normalising
@executes("layernorm", structural=statistics_as_constants)
def layernorm(layer, inputs, ctx):
    (x,) = inputs
    if layer.over == "channels":
        y = _normalised(x, (1,), layer.eps)
        return _affine(y, ctx, (x.shape[1],), channel_shape(x)) if layer.affine else y
    y = _normalised(x, tuple(range(1, x.ndim)), layer.eps)
    return _affine(y, ctx, x.shape[1:], (1, *x.shape[1:])) if layer.affine else y


@_normalising
@executes("groupnorm", structural=statistics_as_constants)
def groupnorm(layer, inputs, ctx):
    (x,) = inputs
    grouped = x.reshape(x.shape[0], layer.groups, -1)
    y = _normalised(grouped, (2,), layer.eps).reshape(x.shape)
    return _affine(y, ctx, (x.shape[1],), channel_shape(x)) if layer.affine else y


@_normalising
@executes("instancenorm", structural=statistics_as_constants)
def instancenorm(layer, inputs, ctx):
    (x,) = inputs
    if layer.track_running_stats:
        return batchnorm(layer, inputs, ctx)
    y = _normalised(x, tuple(range(2, x.ndim)), layer.eps)
    return _affine(y, ctx, (x.shape[1],), channel_shape(x)) if layer.affine else y
