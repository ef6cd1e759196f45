"""cnncalc/execute/norm.py: batchnorm's inference formula, written out here.

The executor draws its weights from the Context, which keeps them in ``ctx.drawn`` for these tests; the
expected output is computed here independently.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from .helpers import make, run, structural


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


def _moments(values):
    """Mean and population variance of a list, written out."""
    values = list(values)
    mean = sum(values) / len(values)
    return mean, sum((v - mean) ** 2 for v in values) / len(values)


def test_layernorm_over_channels_normalises_each_position():
    x = np.random.default_rng(3).standard_normal((4, 2, 3))
    got, drawn = run(make("layernorm", eps=0.001), x)
    for h in range(2):
        for w in range(3):
            mean, var = _moments(x[:, h, w])
            for c in range(4):
                expected = (x[c, h, w] - mean) / math.sqrt(var + 0.001) * drawn["weight"][c] + drawn["bias"][c]
                assert got[c, h, w] == pytest.approx(expected, rel=1e-10)


def test_layernorm_over_all_and_groupnorm_and_instancenorm_by_hand():
    x = np.random.default_rng(5).standard_normal((4, 3))
    mean, var = _moments(x.ravel())
    got, _ = run(make("layernorm", over="all", affine=False), x)
    np.testing.assert_allclose(got, (x - mean) / math.sqrt(var + 1e-5), rtol=1e-10)
    got, drawn = run(make("groupnorm", groups=2), x)
    for g in range(2):                                    # channels 2g, 2g+1 at every position
        mean, var = _moments(x[2 * g:2 * g + 2].ravel())
        for c in (2 * g, 2 * g + 1):
            expected = (x[c] - mean) / math.sqrt(var + 1e-5) * drawn["weight"][c] + drawn["bias"][c]
            np.testing.assert_allclose(got[c], expected, rtol=1e-10)
    got, drawn = run(make("instancenorm"), x)
    assert drawn == {}                                     # torch's default: no γ, β
    for c in range(4):
        mean, var = _moments(x[c])
        np.testing.assert_allclose(got[c], (x[c] - mean) / math.sqrt(var + 1e-5), rtol=1e-10)


def test_instancenorm_with_running_statistics_is_batchnorms_inference_form():
    x = np.random.default_rng(6).standard_normal((3, 5))
    got, drawn = run(make("instancenorm", track_running_stats=True), x)
    for c in range(3):
        expected = (x[c] - drawn["running_mean"][c]) / math.sqrt(drawn["running_var"][c] + 1e-5)
        np.testing.assert_allclose(got[c], expected, rtol=1e-12)


@pytest.mark.parametrize("type_name, args", [("layernorm", {}), ("layernorm", {"over": "all"}),
                                             ("groupnorm", {"groups": 2}), ("instancenorm", {"affine": True})])
def test_own_statistics_structural_run_follows_the_value(type_name, args):
    # the statistics are not followed (docs/conventions.md): a marked position reaches only itself
    assert structural(make(type_name, **args), (4, 5, 5), (1, 2, 3)) == {(1, 2, 3)}
