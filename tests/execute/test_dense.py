"""cnncalc/execute/dense.py: the dense layer as a sum over inputs, written out here.

The executor draws its weights from the Context, which keeps them in ``ctx.drawn`` for these tests; the
expected output is computed here independently.
"""

from __future__ import annotations

import numpy as np
import pytest

from .helpers import make, run


@pytest.mark.parametrize("bias", [True, False])
def test_dense(bias):
    x = np.random.default_rng(9).standard_normal(6)
    got, drawn = run(make("dense", out=4, bias=bias), x)
    w = drawn["weight"]                    # [in, out]
    for o in range(4):
        expected = sum(x[i] * w[i, o] for i in range(6)) + (drawn["bias"][o] if bias else 0.0)
        assert got[o] == pytest.approx(expected, rel=1e-12)
