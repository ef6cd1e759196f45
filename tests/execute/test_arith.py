"""cnncalc/execute/arith.py: x op c, sqrt and rsqrt, element by element (written out per element here)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from .helpers import make, rand, run


@pytest.mark.parametrize("op, reverse, formula", [
    ("add", False, lambda x: x + 0.5), ("sub", False, lambda x: x - 0.5), ("sub", True, lambda x: 0.5 - x),
    ("mul", False, lambda x: x * 0.5), ("div", False, lambda x: x / 0.5), ("div", True, lambda x: 0.5 / x),
    ("pow", False, lambda x: abs(x) ** 0.5 if x >= 0 else math.nan), ("pow", True, lambda x: 0.5 ** x),
])
def test_arith_per_element(op, reverse, formula):
    x = rand(3, 2, 4)
    got, _ = run(make("arith", op=op, value=0.5, reverse=reverse), x)
    expected = np.array([formula(float(v)) for v in x.reshape(-1)]).reshape(x.shape)
    assert np.allclose(got, expected, equal_nan=True, rtol=1e-12)


def test_square_roots():
    x = np.abs(rand(3, 5)) + 0.1
    assert np.allclose(run(make("sqrt"), x)[0], [[math.sqrt(v) for v in row] for row in x], rtol=1e-12)
    assert np.allclose(run(make("rsqrt"), x)[0], [[1 / math.sqrt(v) for v in row] for row in x], rtol=1e-12)


@pytest.mark.parametrize("layer", [make("arith", op="add", value=1.0), make("arith", op="mul", value=0.0),
                                   make("sqrt"), make("rsqrt")])
def test_structurally_each_element_depends_on_its_own(layer):
    marks = np.zeros((2, 3, 3))
    marks[1, 2, 0] = 1
    got, _ = run(layer, marks, structural=True)
    assert np.array_equal(got, marks)


def test_sub_and_div_broadcast():
    a, b = rand(3, 2, 4), rand(3, 1, 1, seed=9)
    got, _ = run(make("sub"), a, b)
    assert all(got[c, h, w] == a[c, h, w] - b[c, 0, 0] for c in range(3) for h in range(2) for w in range(4))
    got, _ = run(make("div"), a, b)
    assert all(got[c, h, w] == a[c, h, w] / b[c, 0, 0] for c in range(3) for h in range(2) for w in range(4))
    marks_a, marks_b = np.zeros((3, 2, 4)), np.zeros((3, 1, 1))
    marks_a[0, 1, 1] = marks_b[2, 0, 0] = 1
    got, _ = run(make("sub"), marks_a, marks_b, structural=True)
    assert {tuple(i) for i in np.argwhere(got)} == {(0, 1, 1)} | {(2, h, w) for h in range(2) for w in range(4)}
