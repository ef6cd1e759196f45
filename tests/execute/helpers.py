"""What the executor tests share: building one layer, running its executor (the Context keeps the weights
it draws in ``ctx.drawn``), random inputs, per-axis arguments and padding resolved by brute force
(tests/oracles.py), and the nested-loop convolution the other loops are checked against.
"""

from __future__ import annotations

import itertools

import numpy as np

from cnncalc.execute import Context, executor_for
from cnncalc.layers import lookup

from oracles import pads_for, window_starts


def make(type_name: str, **args):
    return lookup(type_name).from_args(args)


def run(layer, *inputs, structural=False, seed=1):
    ctx = Context(structural=structural, seed=seed)
    out = ctx.run(executor_for(layer.type_name), layer, [np.asarray(x)[None] for x in inputs])
    return out[0], ctx.drawn


def per_axis(value, ndim):
    return list(value) if isinstance(value, (list, tuple)) else [value] * ndim


def resolve(padding, shape, kernels, strides, dilations):
    """(before, after) per axis: a per-axis list gives an int (both sides) or a [before, after] pair per
    axis; any other form is resolved by brute force (pads_for)."""
    if isinstance(padding, list):
        return [tuple(item) if isinstance(item, list) else (item, item) for item in padding]
    return [pads_for(padding, n, k, s, d) for n, k, s, d in zip(shape[1:], kernels, strides, dilations)]


def naive_conv(x, weight, bias, strides, pads, dilations, groups):
    """out[o, p] = bias[o] + Σ over the group's input channels and every tap inside the input of
    x[c, start(p) + tap·d] · weight[o, c, tap]; taps in the zero padding add nothing."""
    spatial = x.shape[1:]
    out_channels, c_group, kernel = weight.shape[0], weight.shape[1], weight.shape[2:]
    starts = [window_starts(n, k, s, b, a, d) for n, k, s, (b, a), d in zip(spatial, kernel, strides, pads, dilations)]
    out = np.zeros((out_channels, *[len(st) for st in starts]))
    for o in range(out_channels):
        group = o // (out_channels // groups)
        for pos in itertools.product(*[range(len(st)) for st in starts]):
            total = bias[o] if bias is not None else 0.0
            for ci in range(c_group):
                c = group * c_group + ci
                for tap in itertools.product(*[range(k) for k in kernel]):
                    coords = [st[p] + t * d for st, p, t, d in zip(starts, pos, tap, dilations)]
                    if all(0 <= q < n for q, n in zip(coords, spatial)):
                        total += x[(c, *coords)] * weight[(o, ci, *tap)]
            out[(o, *pos)] = total
    return out


def rand(*shape, seed=4):
    return np.random.default_rng(seed).standard_normal(shape)


def structural(layer, marked_shape, mark):
    zero, _ = run(layer, np.zeros(marked_shape, np.float32), structural=True)
    assert not zero.any()
    x = np.zeros(marked_shape, np.float32)
    x[mark] = 1.0
    out, _ = run(layer, x, structural=True)
    assert out.min() >= 0
    return set(zip(*np.nonzero(out)))
