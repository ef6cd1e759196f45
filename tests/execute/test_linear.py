"""cnncalc/execute/linear.py: nn.Linear over the channels at every position, as a sum written out here."""

from __future__ import annotations

import numpy as np
import pytest

from .helpers import make, run, structural


@pytest.mark.parametrize("bias", [True, False])
def test_linear_at_every_position(bias):
    x = np.random.default_rng(2).standard_normal((3, 2, 4))
    got, drawn = run(make("linear", out=5, bias=bias), x)
    w = drawn["weight"]                                     # [C, out]
    assert got.shape == (5, 2, 4)
    for o in range(5):
        for h in range(2):
            for p in range(4):
                expected = sum(x[c, h, p] * w[c, o] for c in range(3)) + (drawn["bias"][o] if bias else 0.0)
                assert got[o, h, p] == pytest.approx(expected, rel=1e-12)


def test_linear_on_a_flat_input():
    x = np.random.default_rng(3).standard_normal(6)
    got, drawn = run(make("linear", out=2), x)
    expected = [sum(x[i] * drawn["weight"][i, o] for i in range(6)) + drawn["bias"][o] for o in range(2)]
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_linear_structural_run_stays_at_its_position():
    # every output channel at the marked position, nothing elsewhere
    assert structural(make("linear", out=3), (2, 4, 4), (1, 2, 1)) == {(o, 2, 1) for o in range(3)}
