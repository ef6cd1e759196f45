"""cnncalc/execute/grn.py: GRN written out per channel and position."""

from __future__ import annotations

import math

import numpy as np

from .helpers import make, rand, run


def test_grn_by_its_definition():
    x = rand(3, 2, 4)
    got, drawn = run(make("grn", eps=1e-6), x)
    gamma, beta = drawn["weight"], drawn["bias"]
    norms = [math.sqrt(sum(float(v) ** 2 for v in x[c].reshape(-1))) for c in range(3)]
    mean = sum(norms) / 3
    for c in range(3):
        for h in range(2):
            for w in range(4):
                expected = x[c, h, w] + beta[c] + gamma[c] * x[c, h, w] * norms[c] / (mean + 1e-6)
                assert math.isclose(got[c, h, w], expected, rel_tol=1e-12, abs_tol=1e-12)


def test_structurally_every_output_depends_on_every_input():
    marks = np.zeros((3, 2, 2))
    marks[2, 1, 0] = 1
    got, _ = run(make("grn"), marks, structural=True)
    assert np.array_equal(got, np.ones((3, 2, 2)))
    assert not run(make("grn"), np.zeros((3, 2, 2)), structural=True)[0].any()
