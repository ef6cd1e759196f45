"""cnncalc/execute/routing.py: channel_shuffle's order, against its definition element by element."""

from __future__ import annotations

import numpy as np

from .helpers import make, rand, run


def test_channel_shuffle_order():
    # C = 6 read as 2 groups of 3: output channel j·2 + g is input channel g·3 + j
    x = rand(6, 2, 3)
    got, _ = run(make("channel_shuffle", groups=2), x)
    order = [g * 3 + j for j in range(3) for g in range(2)]
    assert order == [0, 3, 1, 4, 2, 5]
    assert all((got[out] == x[source]).all() for out, source in enumerate(order))


def test_channel_shuffle_of_a_flat_input_and_one_group():
    x = np.arange(6.0)
    got, _ = run(make("channel_shuffle", groups=3), x)
    assert got.tolist() == [0.0, 2.0, 4.0, 1.0, 3.0, 5.0]          # 3 groups of 2: j·3 + g ← g·2 + j
    same, _ = run(make("channel_shuffle", groups=1), x)
    assert same.tolist() == x.tolist()
