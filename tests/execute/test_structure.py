"""cnncalc/execute/structure.py: flatten's order (channels outermost), concat and add.
"""

from __future__ import annotations

import numpy as np

from .helpers import make, run


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
