"""cnncalc/execute/norm.py: batchnorm's inference formula, written out here.

The executor draws its weights from the Context, which keeps them in ``ctx.drawn`` for these tests; the
expected output is computed here independently.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from .helpers import make, run


@pytest.mark.parametrize("affine", [True, False])
def test_batchnorm_inference_formula(affine):
    x = np.random.default_rng(8).standard_normal((3, 4, 4))
    got, drawn = run(make("batchnorm", affine=affine, eps=0.01), x)
    for c in range(3):
        gamma = drawn["weight"][c] if affine else 1.0
        beta = drawn["bias"][c] if affine else 0.0
        expected = (x[c] - drawn["running_mean"][c]) / math.sqrt(drawn["running_var"][c] + 0.01) * gamma + beta
        np.testing.assert_allclose(got[c], expected, rtol=1e-12)
    assert ("weight" in drawn) == affine
