"""cnncalc/execute/transpose.py: conv_transpose against explicit scatter loops plus output_padding and
crops, the textbook's sizes, its structural run, and torch where installed (that test alone skips without it).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from extras import require_torch

from oracles import transposed_scatter
from .helpers import make, per_axis, rand, resolve, run, structural


def naive_transpose(x, weight, bias, kernel, strides, dilations, crops, extra, groups):
    """Scatter loops: input (c, i) adds x[c, i]·w[c, o, t] to full-output position i·s + t·d of every output
    channel o of its group; the full output has max(i·s + t·d) + 1 positions per axis (scattered by
    oracles.transposed_scatter) plus output_padding; the crops are cut from its two ends."""
    c_in, spatial = x.shape[0], x.shape[1:]
    c_out_g = weight.shape[1]
    out_channels = c_out_g * groups
    full = [max(transposed_scatter(n, k, s, d)) + 1 + e
            for n, k, s, d, e in zip(spatial, kernel, strides, dilations, extra)]
    y = np.zeros((out_channels, *full))
    for c in range(c_in):
        group = c // (c_in // groups)
        for i in itertools.product(*(range(n) for n in spatial)):
            for t in itertools.product(*(range(k) for k in kernel)):
                pos = tuple(ii * s + tt * d for ii, tt, s, d in zip(i, t, strides, dilations))
                for oo in range(c_out_g):
                    y[(group * c_out_g + oo, *pos)] += x[(c, *i)] * weight[(c, oo, *t)]
    if bias is not None:
        y += bias.reshape((-1,) + (1,) * len(spatial))
    return y[(slice(None),) + tuple(slice(b, n - a) for (b, a), n in zip(crops, full))]


# (input shape, out, kernel, stride, padding, output_padding, dilation, groups, bias)
TRANSPOSE_CASES = [
    ((1, 2, 2), 1, 4, 3, 0, 0, 1, 1, False),              # the textbook 2×2 → 7×7
    ((3, 4, 5), 4, 4, 2, 1, 0, 1, 1, True),               # DCGAN's doubling
    ((2, 3, 4), 2, 3, 2, 1, 1, 1, 1, True),               # output_padding
    ((4, 3, 3), 6, 3, 2, 0, 0, 1, 2, True),               # groups
    ((2, 4, 3), 2, 3, 2, [[2, 0], [0, 1]], [1, 0], 2, 1, True),   # explicit pairs, dilation, per-axis output padding
    ((2, 3, 4), 3, [2, 3], [3, 1], "same", 0, 1, 1, False),      # Keras's same: out = in·s
    ((2, 3, 3), 2, 2, 3, "valid", 2, 3, 1, True),          # output_padding < dilation
    ((2, 6), 3, 5, 3, 2, 1, 1, 1, True),                   # 1-D
    ((2, 2, 3, 2), 2, [2, 3, 1], [2, 1, 3], 0, 0, 1, 2, True),   # 3-D, groups
]


def transpose_crops(padding, spatial, kernel, strides, dilations):
    """'same': the full scatter (no output padding) less in·s, the odd one after; others as any padding."""
    if padding == "same":
        pairs = []
        for n, k, s, d in zip(spatial, kernel, strides, dilations):
            total = max(transposed_scatter(n, k, s, d)) + 1 - n * s
            pairs.append((total // 2, total - total // 2))
        return pairs
    if padding == "valid":
        return [(0, 0)] * len(spatial)
    return resolve(padding, (0, *spatial), kernel, strides, dilations)


@pytest.mark.parametrize("shape, out, k, s, p, op, d, g, bias", TRANSPOSE_CASES)
def test_conv_transpose_matches_scatter_loops(shape, out, k, s, p, op, d, g, bias):
    x = rand(*shape)
    layer = make("conv_transpose", out=out, kernel=k, stride=s, padding=p, output_padding=op, dilation=d,
                 groups=g, bias=bias)
    got, drawn = run(layer, x)
    ndim = len(shape) - 1
    ks, ss, ds, ops = per_axis(k, ndim), per_axis(s, ndim), per_axis(d, ndim), per_axis(op, ndim)
    assert drawn["weight"].shape == (shape[0], out // g, *ks)
    crops = transpose_crops(p, shape[1:], ks, ss, ds)
    expected = naive_transpose(x, drawn["weight"], drawn.get("bias"), ks, ss, ds, crops, ops, g)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_conv_transpose_textbook_sizes():
    # (2 − 1)·3 + 4 = 7; Keras 'same' with stride 2 on 5: 10
    assert run(make("conv_transpose", out=1, kernel=4, stride=3), np.ones((1, 2, 2)))[0].shape == (1, 7, 7)
    assert run(make("conv_transpose", out=1, kernel=3, stride=2, padding="same"), np.ones((1, 5)))[0].shape == (1, 10)


@pytest.mark.parametrize("shape, out, k, s, p, op, d, g", [
    ((3, 4, 5), 4, 4, 2, 1, 0, 1, 1),
    ((2, 3, 4), 2, 3, 2, 1, 1, 1, 1),
    ((4, 3, 3), 6, 3, 2, 0, 1, 2, 2),
    ((2, 6), 3, 5, 3, 2, 1, 1, 1),
])
def test_conv_transpose_matches_torch(shape, out, k, s, p, op, d, g):
    torch = require_torch()
    x = rand(*shape)
    got, drawn = run(make("conv_transpose", out=out, kernel=k, stride=s, padding=p, output_padding=op,
                          dilation=d, groups=g), x)
    fn = torch.nn.functional.conv_transpose1d if len(shape) == 2 else torch.nn.functional.conv_transpose2d
    expected = fn(torch.from_numpy(x)[None], torch.from_numpy(drawn["weight"]), torch.from_numpy(drawn["bias"]),
                  stride=s, padding=p, output_padding=op, groups=g, dilation=d)[0].numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_structural_conv_transpose_marks_the_scatter():
    # input 2 of 5, kernel 3, stride 2, crop 1 before: full positions 4, 5, 6 → output 3, 4, 5 (every channel)
    layer = make("conv_transpose", out=2, kernel=3, stride=2, padding=1)
    assert structural(layer, (1, 5), (0, 2)) == {(c, o) for c in range(2) for o in (3, 4, 5)}
