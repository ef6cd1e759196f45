"""cnncalc/execute/separable.py: a depthwise conv is a conv per channel, a separable conv is depthwise
then pointwise (both against the nested-loop convolution).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from .helpers import make, naive_conv, rand, run


def test_depthwise_conv_is_a_conv_per_channel():
    x = rand(3, 7, 6)
    got, drawn = run(make("depthwise_conv", kernel=3, multiplier=2, stride=2, padding=1), x)
    w = drawn["weight"]                                   # [C·m, 1, 3, 3]: output c·m + j filters channel c
    assert w.shape == (6, 1, 3, 3)
    for c, j in itertools.product(range(3), range(2)):
        o = c * 2 + j
        expected = naive_conv(x[c:c + 1], w[o:o + 1], drawn["bias"][o:o + 1], [2, 2], [(1, 1), (1, 1)], [1, 1], 1)
        np.testing.assert_allclose(got[o], expected[0], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("bias", [True, False])
def test_separable_conv_is_depthwise_then_pointwise(bias):
    x = rand(2, 6, 7)
    got, drawn = run(make("separable_conv", out=3, kernel=[3, 2], multiplier=2, dilation=[2, 1], padding=1,
                          bias=bias), x)
    dw, pw = drawn["depthwise_weight"], drawn["pointwise_weight"]
    assert dw.shape == (4, 1, 3, 2) and pw.shape == (3, 4, 1, 1) and ("bias" in drawn) == bias
    mid = np.stack([naive_conv(x[o // 2:o // 2 + 1], dw[o:o + 1], None, [1, 1], [(1, 1), (1, 1)], [2, 1], 1)[0]
                    for o in range(4)])
    for o in range(3):
        expected = sum(pw[o, c, 0, 0] * mid[c] for c in range(4)) + (drawn["bias"][o] if bias else 0.0)
        np.testing.assert_allclose(got[o], expected, rtol=1e-10, atol=1e-12)
