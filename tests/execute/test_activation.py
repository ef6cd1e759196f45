"""cnncalc/execute/activation.py: every activation against the math module's function element by element,
softmax over channels, relu6.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from .helpers import make, rand, run


def elementwise(fn, x):
    return np.vectorize(fn)(x)


ACTIVATIONS = [
    ("relu", {}, lambda v: max(v, 0.0)),
    ("leaky_relu", {"negative_slope": 0.2}, lambda v: v if v > 0 else 0.2 * v),
    ("elu", {"alpha": 1.5}, lambda v: v if v > 0 else 1.5 * (math.exp(v) - 1)),
    ("gelu", {}, lambda v: 0.5 * v * (1 + math.erf(v / math.sqrt(2)))),
    ("gelu", {"approximate": "tanh"},
     lambda v: 0.5 * v * (1 + math.tanh(math.sqrt(2 / math.pi) * (v + 0.044715 * v ** 3)))),
    ("tanh", {}, math.tanh),
    ("sigmoid", {}, lambda v: 1 / (1 + math.exp(-v))),
    ("dropout", {"rate": 0.3}, lambda v: v),
    ("silu", {}, lambda v: v / (1 + math.exp(-v))),
    ("hardswish", {}, lambda v: v * min(max(v + 3, 0.0), 6.0) / 6),
    ("hardsigmoid", {}, lambda v: min(max(v + 3, 0.0), 6.0) / 6),
    ("mish", {}, lambda v: v * math.tanh(math.log1p(math.exp(v)))),
    ("identity", {}, lambda v: v),
    ("stochastic_depth", {"rate": 0.5}, lambda v: v),
]


@pytest.mark.parametrize("name, args, fn", ACTIVATIONS, ids=[f"{a[0]}{a[1]}" for a in ACTIVATIONS])
def test_activation_matches_math(name, args, fn):
    x = 3 * np.random.default_rng(5).standard_normal((3, 4, 5))
    got, _ = run(make(name, **args), x)
    # exact but for gelu's erf, good to 1.5e-7 (Abramowitz & Stegun 7.1.26): gelu is off by at most
    # ½·|x|·1.5e-7; the others to rounding
    assert np.all(np.abs(got - elementwise(fn, x)) <= 0.5 * np.abs(x) * 1.5e-7 + 1e-13)


def test_softmax_over_channels():
    x = np.random.default_rng(6).standard_normal((4, 3, 2))
    got, _ = run(make("softmax"), x)
    for h, w in itertools.product(range(3), range(2)):
        exps = [math.exp(x[c, h, w]) for c in range(4)]
        for c in range(4):
            assert got[c, h, w] == pytest.approx(exps[c] / sum(exps), rel=1e-12)


def test_relu6():
    x = 5 * rand(3, 4)
    got, _ = run(make("relu6"), x)
    assert all(got[i, j] == min(max(x[i, j], 0.0), 6.0) for i in range(3) for j in range(4))


def test_prelu_uses_one_or_c_slopes():
    x = rand(3, 4, 5)
    for per_channel, count in ((False, 1), (True, 3)):
        got, drawn = run(make("prelu", per_channel=per_channel), x)
        slopes = drawn["weight"]
        assert slopes.shape == (count,)
        expected = [[[v if v > 0 else slopes[c if per_channel else 0] * v for v in row] for row in x[c]]
                    for c in range(3)]
        assert np.allclose(got, expected, rtol=0, atol=1e-15)


def test_hardsigmoid_structural_run_is_its_own_input():
    # relu6(0 + 3)/6 = ½ at zero: the structural run must still map zero to zero and mark what it reads
    from .helpers import structural
    assert structural(make("hardsigmoid"), (2, 3, 3), (1, 2, 0)) == {(1, 2, 0)}
