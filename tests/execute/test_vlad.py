"""cnncalc/execute/vlad.py: NetVLAD against loops over clusters and descriptors, and its structural run.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from .helpers import make, rand, run, structural


@pytest.mark.parametrize("intra_norm", [True, False])
@pytest.mark.parametrize("shape, k", [((4, 3, 5), 3), ((3, 7), 1), ((2, 2, 2, 3), 2)])
def test_netvlad_by_loops(shape, k, intra_norm):
    x = rand(*shape)
    got, drawn = run(make("netvlad", clusters=k, intra_norm=intra_norm), x)
    w, b, c = drawn["weight"], drawn["bias"], drawn["centres"]
    d = shape[0]
    descriptors = [x[(slice(None), *q)] for q in itertools.product(*(range(n) for n in shape[1:]))]
    vlad = np.zeros((k, d))
    for xi in descriptors:
        scores = [sum(w[kk, j] * xi[j] for j in range(d)) + b[kk] for kk in range(k)]
        exps = [math.exp(s - max(scores)) for s in scores]
        for kk in range(k):
            a = exps[kk] / sum(exps)
            for j in range(d):
                vlad[kk, j] += a * (xi[j] - c[kk, j])
    if intra_norm:
        for kk in range(k):
            vlad[kk] /= math.sqrt(sum(v * v for v in vlad[kk]))
    flat = [vlad[kk, j] for kk in range(k) for j in range(d)]       # cluster by cluster
    norm = math.sqrt(sum(v * v for v in flat))
    np.testing.assert_allclose(got, [v / norm for v in flat], rtol=1e-10)


def test_structural_netvlad_depends_on_everything():
    for k, intra in ((3, True), (1, False)):
        got = structural(make("netvlad", clusters=k, intra_norm=intra), (2, 3, 3), (1, 0, 2))
        assert got == {(e,) for e in range(2 * k)}
