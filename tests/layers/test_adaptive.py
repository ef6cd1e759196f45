"""cnncalc/layers/adaptive.py: adaptive pooling — sizes, FLOPs and receptive fields, and the closed form of
the windows (exact, and as fast for 10^9 positions as for 8).

Every figure is derived here: small cases by enumerating PyTorch's start/end rule for every window
(tests/oracles.py, exact fractions), huge cases by hand in a comment, with the units that attain the
extremes computed and checked against the oracle's reads.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from cnncalc.layers.adaptive import adaptive_axis

from conftest import one_layer
from .helpers import window_of
from oracles import adaptive_window, check_hull, upsample_reads


@pytest.mark.parametrize("size, out", [(7, 7), (14, 7), (13, 7), (5, 3), (10, 4), (3, 6), (224, 7), (6, 1)])
@pytest.mark.parametrize("kind, divide", [("adaptive_maxpool", 0), ("adaptive_avgpool", 1)])
def test_adaptive_pooling(size, out, kind, divide):
    row = one_layer((3, size, size + 1), f"{kind}: {{size: {out}}}")
    assert row.output_shape == (3, out, out)
    windows_h = [adaptive_window(i, size, out) for i in range(out)]
    windows_w = [adaptive_window(j, size + 1, out) for j in range(out)]
    # per output element: taps−1 comparisons (max) or taps−1 adds and a divide (avg), summed by brute force
    flops = sum(len(wh) * len(ww) - 1 + divide for wh in windows_h for ww in windows_w)
    assert row.flops == 3 * flops
    rf = window_of(row.rf[0])
    assert rf.stride == Fraction(size, out)
    check_hull(lambda o: list(adaptive_window(o, size, out)), rf.stride, rf.size, rf.start, range(out))
    if size % out == 0:
        assert (rf.size, rf.start) == (size // out, 0)


def test_adaptive_pool_per_axis_size():
    assert one_layer((8, 9, 20), "adaptive_avgpool: {size: [3, 5]}").output_shape == (8, 3, 5)


@settings(max_examples=150, deadline=None)
@given(n=st.integers(1, 30), m=st.integers(1, 30))
def test_adaptive_and_upsample_fields_by_brute_force(n, m):
    row = one_layer((1, n), f"adaptive_avgpool: {{size: {m}}}")
    rf = window_of(row.rf[0])
    check_hull(lambda o: list(adaptive_window(o, n, m)), rf.stride, rf.size, rf.start, range(m))
    up = window_of(one_layer((1, n), f"upsample: {{mode: linear, size: {m}}}").rf[0])
    check_hull(lambda o: upsample_reads(o, n, m, "linear", clamp=False), up.stride, up.size, up.start,
               range(0, 2 * m + 2))


@pytest.mark.parametrize("size", range(1, 41))
def test_adaptive_axis_matches_every_window(size):
    for out in range(1, 41):
        windows = [adaptive_window(i, size, out) for i in range(out)]
        taps, (span, stride, offset) = adaptive_axis(size, out)
        assert taps == sum(len(w) for w in windows)
        assert stride == Fraction(size, out)
        # the pattern repeats every q.denominator units, which divides out: range(out) holds a whole period
        check_hull(lambda o: list(adaptive_window(o, size, out)), stride, span, offset, range(out))


def test_adaptive_pooling_to_a_hundred_million_positions():
    row = one_layer((1, 8), "adaptive_avgpool: {size: 100000000}")
    b = 12_500_000                      # q = 8/10^8 = 1/b
    # window i = [floor(i/b), ceil((i+1)/b)): i/b and (i+1)/b lie in the same [j, j+1], so one position each
    assert row.output_shape == (1, 10**8)
    assert row.flops == 10**8           # avg: taps − 1 adds + 1 divide = 1 per output, 10^8 outputs
    rf = window_of(row.rf[0])
    # unit i reads floor(i/b): from i·q its offset is −frac(i/b), 0 at i = 0, −(b−1)/b at i = b − 1
    assert (rf.stride, rf.start, rf.size) == (Fraction(1, b), -Fraction(b - 1, b), 1 + Fraction(b - 1, b))
    check_hull(lambda o: list(adaptive_window(o, 8, 10**8)), rf.stride, rf.size, rf.start, [0, 1, b - 1, b, 10**8 - 1])
    maximum = one_layer((1, 8), "adaptive_maxpool: {size: 100000000}")
    assert maximum.flops == 0           # taps − 1 = 0 comparisons per output


def test_adaptive_pooling_of_a_billion_and_seven():
    n, m = 10**9 + 7, 10**9
    row = one_layer((1, n), f"adaptive_avgpool: {{size: {m}}}")
    assert row.output_shape == (1, m)
    # q = 1 + 7/m. Window i: [i + floor(7i/m), i + 1 + ceil(7(i+1)/m)). 7i/m is whole only at i = 0 (7 and m =
    # 2^9·5^9 share no factor), so each window is 2 long, plus 1 where an integer j = 1..6 lies strictly
    # between 7i/m and 7(i+1)/m (six windows), while the last, i = m−1, ends at 7(i+1)/m = 7 and is 2 long.
    taps = 2 * m + 6
    assert row.flops == taps                                      # avg: one FLOP per tap
    assert one_layer((1, n), f"adaptive_maxpool: {{size: {m}}}").flops == taps - m
    rf = window_of(row.rf[0])
    q = Fraction(n, m)
    # offsets from i·q: the start −frac(7i/m) is least, −(m−1)/m, where 7i ≡ −1 (mod m); the end
    # ceil((i+1)q) − 1 − i·q is greatest, q − 1/m, where 7(i+1) ≡ 1 (mod m)
    inverse = pow(7, -1, m)
    lowest, highest = (-inverse) % m, (inverse - 1) % m
    assert rf.stride == q
    assert rf.start == -Fraction(m - 1, m)
    assert rf.size == (q - Fraction(1, m)) - rf.start + 1
    check_hull(lambda o: list(adaptive_window(o, n, m)), rf.stride, rf.size, rf.start,
               [0, 1, lowest, highest, m - 1])


def test_adaptive_pooling_in_two_dimensions_multiplies_the_axes():
    # per axis the summed window lengths (n + m − gcd(n, m), by enumeration below); the windows are boxes
    row = one_layer((2, 10**9 + 7, 10), "adaptive_maxpool: {size: [1000000000, 4]}")
    taps_w = sum(len(adaptive_window(i, 10, 4)) for i in range(4))   # [0,3) [2,5) [5,8) [7,10): 12
    assert taps_w == 12
    assert row.flops == 2 * ((2 * 10**9 + 6) * taps_w - 10**9 * 4)
