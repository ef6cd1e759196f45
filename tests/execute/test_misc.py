"""cnncalc/execute/misc.py: lrn across channels, pad modes, reshape and embedding by index arithmetic, their
structural runs, and lrn against torch where installed (that test alone skips without it).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from extras import require_torch

from .helpers import make, rand, run, structural


@pytest.mark.parametrize("size", [5, 4, 1])
def test_lrn_across_channels(size):
    x = rand(6, 3, 2)
    args = {"size": size, "alpha": 0.3, "beta": 0.75, "k": 2.0}
    got, _ = run(make("lrn", **args), x)
    for c, h, w in itertools.product(range(6), range(3), range(2)):
        window = [x[cc, h, w] ** 2 for cc in range(c - size // 2, c + (size - 1) // 2 + 1) if 0 <= cc < 6]
        expected = x[c, h, w] / (2.0 + 0.3 / size * sum(window)) ** 0.75
        assert got[c, h, w] == pytest.approx(expected, rel=1e-12)


def test_lrn_matches_torch():
    torch = require_torch()
    x = rand(7, 3, 4)
    for size in (5, 4):
        got, _ = run(make("lrn", size=size, alpha=0.2, beta=0.75, k=1.5), x)
        expected = torch.nn.functional.local_response_norm(torch.from_numpy(x)[None], size, 0.2, 0.75, 1.5)[0]
        np.testing.assert_allclose(got, expected.numpy(), rtol=1e-12)


def reflect(i, n):
    return -i if i < 0 else (2 * (n - 1) - i if i >= n else i)


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate"])
def test_pad_modes_by_index_arithmetic(mode):
    x = rand(2, 4, 5)
    got, _ = run(make("pad", padding=[[2, 1], [0, 3]], mode=mode, value=1.5), x)
    assert got.shape == (2, 7, 8)
    for c, h, w in itertools.product(range(2), range(7), range(8)):
        i, j = h - 2, w
        if mode == "constant":
            expected = x[c, i, j] if 0 <= i < 4 and 0 <= j < 5 else 1.5
        elif mode == "reflect":
            expected = x[c, reflect(i, 4), reflect(j, 5)]
        else:
            expected = x[c, min(max(i, 0), 3), min(max(j, 0), 4)]
        assert got[c, h, w] == expected


def test_reshape_is_row_major_per_example():
    x = np.arange(24.0).reshape(2, 3, 4)
    got, _ = run(make("reshape", shape=[4, -1]), x)
    assert got.shape == (4, 6)
    assert all(got[a, b] == a * 6 + b for a in range(4) for b in range(6))


@pytest.mark.parametrize("shape", [(6,), (1, 6)])
def test_embedding_looks_up_rows_channels_first(shape):
    ids = np.array([3, 0, 9, 3, 1, 9], dtype=float).reshape(shape)
    got, drawn = run(make("embedding", vocab=10, dim=4), ids)
    table = drawn["weight"]
    assert table.shape == (10, 4) and got.shape == (4, 6)
    for d, l in itertools.product(range(4), range(6)):
        assert got[d, l] == table[int(ids.reshape(-1)[l]), d]


def test_structural_lrn_pad_embedding():
    # lrn n = 3: channel 2 reaches channels 1, 2, 3 at its position
    assert structural(make("lrn", size=3), (5, 2), (2, 1)) == {(1, 1), (2, 1), (3, 1)}
    # pad: the new positions are padding in the structural run, whatever the mode (docs/verify.md)
    for mode in ("constant", "reflect", "replicate"):
        assert structural(make("pad", padding=2, mode=mode, value=3.0), (1, 4), (0, 1)) == {(0, 3)}
    # embedding: token 2 reaches every channel of column 2
    assert structural(make("embedding", vocab=5, dim=3), (1, 4), (0, 2)) == {(d, 2) for d in range(3)}
