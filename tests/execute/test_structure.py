"""cnncalc/execute/structure.py: flatten's order (channels outermost), concat, add and mul (broadcasting).
"""

from __future__ import annotations

import numpy as np

from .helpers import make, rand, run


def test_flatten_order_is_channels_outermost():
    x = np.arange(2 * 3 * 4).reshape(2, 3, 4)
    got, _ = run(make("flatten"), x)
    assert [got[c * 12 + h * 4 + w] == x[c, h, w] for c in range(2) for h in range(3) for w in range(4)] \
        == [True] * 24


def test_concat_and_add():
    a, b = np.ones((2, 3, 3)), 2 * np.ones((1, 3, 3))
    joined, _ = run(make("concat"), a, b)
    assert joined.shape == (3, 3, 3) and joined[2, 0, 0] == 2 and joined[1, 2, 2] == 1
    total, _ = run(make("add"), a, 2 * a, 3 * a)
    assert (total == 6).all()


def test_mul_and_add_broadcast():
    features = rand(3, 4, 5)
    gate = rand(3, 1, 1, seed=7)
    product, _ = run(make("mul"), features, gate)
    total, _ = run(make("add"), gate, features)
    for c in range(3):
        for h in range(4):
            for w in range(5):
                assert product[c, h, w] == features[c, h, w] * gate[c, 0, 0]
                assert total[c, h, w] == gate[c, 0, 0] + features[c, h, w]
    rows, cols = rand(2, 1, 5, seed=8), rand(2, 4, 1, seed=9)
    grid, _ = run(make("mul"), rows, cols, rows)
    assert grid.shape == (2, 4, 5)
    assert grid[1, 3, 2] == rows[1, 0, 2] * cols[1, 3, 0] * rows[1, 0, 2]


def test_mul_structural_run_keeps_each_factors_dependencies():
    # 0/1 factors: a product is 1 only where both are, but the output depends on each factor wherever it
    # is marked; a gate [1, 1, 1] marked reaches every output element
    a = np.zeros((1, 2, 2), np.float32)
    a[0, 0, 1] = 1.0
    gate = np.zeros((1, 1, 1), np.float32)
    out, _ = run(make("mul"), a, gate, structural=True)
    assert set(zip(*np.nonzero(out))) == {(0, 0, 1)}
    gate[0, 0, 0] = 1.0
    out, _ = run(make("mul"), np.zeros((1, 2, 2), np.float32), gate, structural=True)
    assert out.all()
