"""cnncalc/execute/tensor.py (matmul, reduce, permute, expand) and softmax along an axis: the numeric runs
against index-by-index loops, the structural runs against what each output element reads by definition."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from .helpers import make, rand, run, structural


def test_matmul_by_index_loops_and_broadcast():
    a, b = rand(2, 3, 4, seed=1), rand(1, 4, 5, seed=2)
    got, drawn = run(make("matmul"), a, b)
    assert got.shape == (2, 3, 5) and not drawn
    for h, i, j in itertools.product(range(2), range(3), range(5)):
        assert got[h, i, j] == pytest.approx(sum(a[h, i, k] * b[0, k, j] for k in range(4)), rel=1e-12)


def test_matmul_structural_reads_a_row_and_a_column():
    layer = make("matmul")
    a, b = np.zeros((1, 3, 4)), np.zeros((1, 4, 5))
    a[0, 1, 2] = 1.0            # row 1 of A: every output element of row 1
    out, _ = run(layer, a, b, structural=True)
    assert set(zip(*np.nonzero(out))) == {(0, 1, j) for j in range(5)}
    b[0, 3, 4] = 1.0            # column 4 of B: every output element of column 4, added
    out, _ = run(layer, a, b, structural=True)
    assert set(zip(*np.nonzero(out))) == {(0, 1, j) for j in range(5)} | {(0, i, 4) for i in range(3)}
    zero, _ = run(layer, np.zeros((1, 3, 4)), np.zeros((1, 4, 5)), structural=True)
    assert not zero.any()


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("op", ["sum", "mean", "max", "l2"])
def test_reduce_by_loops(op, keepdims):
    x = rand(3, 4, 5)
    got, _ = run(make("reduce", op=op, axes=[0, -1], keepdims=keepdims), x)
    for h in range(4):
        values = [x[c, h, w] for c in range(3) for w in range(5)]
        expected = {"sum": sum(values), "mean": sum(values) / 15, "max": max(values),
                    "l2": math.sqrt(sum(v * v for v in values))}[op]
        assert (got[0, h, 0] if keepdims else got[h]) == pytest.approx(expected, rel=1e-12)
    assert got.shape == ((1, 4, 1) if keepdims else (4,))


def test_reduce_structural_over_channels_stays_at_its_position():
    layer = make("reduce", op="l2", axes=[0], keepdims=True)
    assert structural(layer, (3, 4, 5), (2, 1, 3)) == {(0, 1, 3)}


def test_permute_and_expand_by_index():
    x = rand(2, 3, 4)
    got, _ = run(make("permute", dims=[2, 0, 1]), x)
    for c, h, w in itertools.product(range(2), range(3), range(4)):
        assert got[w, c, h] == x[c, h, w]
    assert structural(make("permute", dims=[2, 0, 1]), (2, 3, 4), (1, 2, 3)) == {(3, 1, 2)}
    g = rand(2, 1, 1)
    got, _ = run(make("expand", shape=[-1, 3, 4]), g)
    for c, h, w in itertools.product(range(2), range(3), range(4)):
        assert got[c, h, w] == g[c, 0, 0]
    added, _ = run(make("expand", shape=[2, 2, 3]), rand(2, 1))
    assert added.shape == (2, 2, 3)
    assert structural(make("expand", shape=[2, 3, 4]), (2, 1, 1), (1, 0, 0)) == \
        {(1, h, w) for h in range(3) for w in range(4)}


def test_softmax_along_an_axis_by_loops():
    x = rand(2, 3, 4)
    got, _ = run(make("softmax", axis=1), x)
    for c, w in itertools.product(range(2), range(4)):
        total = sum(math.exp(x[c, h, w]) for h in range(3))
        for h in range(3):
            assert got[c, h, w] == pytest.approx(math.exp(x[c, h, w]) / total, rel=1e-12)
    # structural: every value along H at its own (channel, column)
    assert structural(make("softmax", axis=-2), (2, 3, 4), (1, 0, 2)) == {(1, h, 2) for h in range(3)}


def test_roll_by_index():
    x = rand(2, 3, 4)
    got, _ = run(make("roll", shifts=[-1, 2], axes=[1, 2]), x)
    for c, h, w in itertools.product(range(2), range(3), range(4)):
        assert got[c, h, w] == x[c, (h + 1) % 3, (w - 2) % 4]       # output p reads input (p − shift) mod n


def test_relative_position_bias_is_swins_table_by_offset():
    # Liu et al. 2021, Eq. 4: B[i, j] = table[offset of token i from token j] per head; here a 2×3 window
    # (N = 6), 2 heads, 3 windows: scores [6 = 3 windows · 2 heads, 6, 6], the heads fastest
    layer = make("relative_position_bias", heads=2, window=[2, 3])
    x = rand(6, 6, 6)
    got, drawn = run(layer, x)
    (table,) = drawn.values()
    assert table.shape == ((2 * 2 - 1) * (2 * 3 - 1), 2)
    cells = [(y, xx) for y in range(2) for xx in range(3)]
    for g, i, j in itertools.product(range(6), range(6), range(6)):
        (yi, xi), (yj, xj) = cells[i], cells[j]
        row = (yi - yj + 1) * 5 + (xi - xj + 2)         # dy ∈ −1..1 → 0..2, dx ∈ −2..2 → 0..4, 5 columns
        assert got[g, i, j] == pytest.approx(x[g, i, j] + table[row, g % 2], rel=1e-12)
    # structural: the table is a constant shift, not an input
    assert structural(layer, (6, 6, 6), (4, 1, 2)) == {(4, 1, 2)}


def test_shifted_window_mask_is_swins_mask():
    # Liu et al. 2021, §3.2: a 4×4 map shifted by 1 and cut into 2×2 windows. Along each axis rows 0–1 are
    # region 0 ([0, H − w)), row 2 region 1 ([H − w, H − s)), row 3 region 2 ([H − s, H)); a token's region is
    # 3·row's + column's. Window (0, 0) holds regions 0 0 / 0 0, window (0, 1) 1 2 / 1 2, window (1, 0)
    # 3 3 / 6 6, window (1, 1) 4 5 / 7 8 (tokens row-major). 2 heads: scores [4 windows · 2 heads, 4, 4]
    regions = [[0, 0, 0, 0], [1, 2, 1, 2], [3, 3, 6, 6], [4, 5, 7, 8]]
    layer = make("shifted_window_mask", heads=2, window=2, shift=1, size=[4, 4])
    x = rand(8, 4, 4)
    got, drawn = run(layer, x)
    assert drawn == {}
    for g, i, j in itertools.product(range(8), range(4), range(4)):
        window = regions[g // 2]
        want = x[g, i, j] + (0.0 if window[i] == window[j] else -100.0)
        assert got[g, i, j] == pytest.approx(want, rel=1e-6)
    assert structural(layer, (8, 4, 4), (5, 1, 2)) == {(5, 1, 2)}
