"""cnncalc/execute/conv.py: the numpy convolution against nested loops over output positions and kernel
taps (window positions enumerated by tests/oracles.py, padding resolved by brute force).

The executor draws its weights from the Context, which keeps them in ``ctx.drawn`` for these tests; the
expected output is computed here independently.
"""

from __future__ import annotations

import numpy as np
import pytest

from .helpers import make, naive_conv, per_axis, resolve, run


# (input shape, out, kernel, stride, padding, dilation, groups, bias)
CONV_CASES = [
    ((3, 7, 7), 4, 3, 1, 0, 1, 1, True),
    ((3, 8, 8), 4, 3, 2, 1, 1, 1, False),
    ((2, 9, 9), 3, 4, 2, "same", 1, 1, True),            # even kernel, odd total padding
    ((2, 6, 6), 2, 3, 1, "full", 1, 1, True),
    ((2, 11, 11), 2, 3, 1, 2, 2, 1, True),               # dilation with padding
    ((4, 7, 7), 6, 3, 1, 1, 1, 2, True),                 # groups
    ((4, 6, 6), 4, 3, 1, 1, 1, 4, False),                # depthwise via groups
    ((2, 7, 9), 3, [3, 5], [1, 2], [[1, 0], [2, 2]], [1, 2], 1, True),   # per-axis everything
    ((3, 13), 2, 5, 3, 0, 1, 1, True),                   # 1-D
    ((2, 10), 2, 3, 1, [[2, 0]], 1, 1, True),            # 1-D causal
    ((2, 5, 6, 5), 2, 3, [1, 2, 1], 1, 1, 1, True),      # 3-D
]


@pytest.mark.parametrize("shape, out, k, s, p, d, g, bias", CONV_CASES)
def test_conv_matches_nested_loops(shape, out, k, s, p, d, g, bias):
    rng = np.random.default_rng(7)
    x = rng.standard_normal(shape)
    layer = make("conv", out=out, kernel=k, stride=s, padding=p, dilation=d, groups=g, bias=bias)
    got, drawn = run(layer, x)
    ndim = len(shape) - 1
    ks, ss, ds = per_axis(k, ndim), per_axis(s, ndim), per_axis(d, ndim)
    pads = resolve(p, shape, ks, ss, ds)
    assert drawn["weight"].shape == (out, shape[0] // g, *ks)
    expected = naive_conv(x, drawn["weight"], drawn.get("bias"), ss, pads, ds, g)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_std_conv_standardises_each_filter():
    # each filter: (w − mean) / sqrt(var + eps) over its fan-in (biased variance), times its gain, then the
    # nested-loop convolution
    from .helpers import make
    rng = np.random.default_rng(5)
    x = rng.standard_normal((4, 7, 7))
    layer = make("std_conv", out=6, kernel=3, padding=1, groups=2, eps=1e-3)
    got, drawn = run(layer, x)
    w = drawn["weight"]
    flat = w.reshape(6, -1)
    mean = flat.sum(axis=1, keepdims=True) / flat.shape[1]
    var = ((flat - mean) ** 2).sum(axis=1, keepdims=True) / flat.shape[1]
    standard = ((flat - mean) / np.sqrt(var + 1e-3) * drawn["gain"][:, None]).reshape(w.shape)
    expected = naive_conv(x, standard, drawn["bias"], (1, 1), [(1, 1), (1, 1)], (1, 1), 2)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)
