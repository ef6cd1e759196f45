"""Batch normalisation and dropout in numpy."""

from __future__ import annotations

import numpy as np

from cnncalc.execute import SAME, channel_shape, executes


@executes("batchnorm", structural=SAME)
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


@executes("dropout", structural=SAME)
def dropout(layer, inputs, ctx):
    """The identity, as at inference."""
    (x,) = inputs
    return x
