"""cnncalc/execute/scale.py: each channel times its own factor."""

from __future__ import annotations

from .helpers import make, rand, run


def test_scale_multiplies_each_channel():
    x = rand(4, 3, 2)
    got, drawn = run(make("scale"), x)
    gamma = drawn["weight"]
    assert gamma.shape == (4,)
    assert all(got[c, h, w] == x[c, h, w] * gamma[c] for c in range(4) for h in range(3) for w in range(2))
