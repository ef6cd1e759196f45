"""cnncalc/layers/resample.py: `upsample` (nearest and n-linear) — sizes, FLOPs, receptive fields, errors,
and the closed form of the source window (exact, and as fast for 10^12 output positions as for 8).

Every figure is derived here: small cases by PyTorch's index rules for every unit (tests/oracles.py, exact
fractions), huge cases by hand in a comment, with the units that attain the extremes computed and checked
against the oracle's reads.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from cnncalc.errors import SpecError
from cnncalc.layers.resample import source_window
from cnncalc.rf import unit

from conftest import one_layer
from oracles import check_hull, upsample_reads
from .helpers import prod, window_of


@pytest.mark.parametrize("mode, args, shape, out_shape", [
    ("nearest", "scale: 2", (3, 5, 6), (3, 10, 12)),
    ("nearest", "scale: [3, 1]", (3, 5, 6), (3, 15, 6)),
    ("nearest", "size: [7, 9]", (3, 5, 6), (3, 7, 9)),
    ("bilinear", "scale: 2", (3, 5, 6), (3, 10, 12)),
    ("bilinear", "scale: 3", (3, 5, 6), (3, 15, 18)),
    ("bilinear", "size: [7, 9]", (3, 5, 6), (3, 7, 9)),
    ("bilinear", "scale: 2, align_corners: true", (3, 5, 6), (3, 10, 12)),
    ("linear", "scale: 4", (2, 9), (2, 36)),
    ("trilinear", "scale: 2", (2, 3, 4, 5), (2, 6, 8, 10)),
])
def test_upsample(mode, args, shape, out_shape):
    row = one_layer(shape, f"upsample: {{mode: {mode}, {args}}}")
    assert row.output_shape == out_shape and row.params == 0
    ndim = len(shape) - 1
    # nearest copies; n-linear weighs 2^n neighbours: 2^n multiplies and 2^n − 1 adds per output element
    per_element = 0 if mode == "nearest" else 2**ndim + 2**ndim - 1
    assert row.flops == per_element * prod(out_shape)
    align = "align_corners: true" in args
    n, m = shape[1], out_shape[1]
    clamped = row.rf[0]
    rf = window_of(clamped)
    q = Fraction(n - 1, m - 1) if align else Fraction(n, m)
    assert rf.stride == q
    size, start = rf.size, rf.start
    # the window holds every interior unit's reads (no edge clamping) and is attained
    check_hull(lambda o: upsample_reads(o, n, m, "nearest" if mode == "nearest" else "linear", align, clamp=False),
               rf.stride, size, start, range(m))
    # at the clamped edges, the reads still lie inside the window, and each unit's field (the window within
    # the input's positions: PyTorch clamps) holds its reads and no position outside the input
    for o in range(m):
        reads = upsample_reads(o, n, m, "nearest" if mode == "nearest" else "linear", align)
        assert all(start + o * q <= p <= start + o * q + size - 1 for p in reads)
        low, high = unit(clamped, o)
        assert low <= min(reads) and max(reads) < high and 0 <= low and high <= n


def test_upsample_by_2_field_equals_its_transposed_convolution():
    # bilinear ×2 is conv_transpose k4 s2 p1 with weights ¼ ¾ ¾ ¼; nearest ×2 is k2 s2 p0 with ones
    bil = one_layer((1, 8), "upsample: {mode: linear, scale: 2}")
    ct = one_layer((1, 8), "conv_transpose: {out: 1, kernel: 4, stride: 2, padding: 1}")
    # (the same window; the upsample's field is then clamped to the input, the transposed conv's not)
    assert window_of(bil.rf[0]) == ct.rf[0]
    near = one_layer((1, 8), "upsample: {scale: 2}")
    ct2 = one_layer((1, 8), "conv_transpose: {out: 1, kernel: 2, stride: 2}")
    assert window_of(near.rf[0]) == ct2.rf[0]


def test_upsample_errors():
    with pytest.raises(SpecError, match="exactly one"):
        one_layer((1, 4, 4), "upsample: {scale: 2, size: 8}")
    with pytest.raises(SpecError, match="use bilinear"):
        one_layer((1, 4, 4), "upsample: {mode: trilinear, scale: 2}")


@pytest.mark.parametrize("mode, align", [("nearest", False), ("linear", False), ("linear", True)])
def test_source_window_matches_every_unit(mode, align):
    for n in range(1, 26):
        for m in range(1, 26):
            if align and m == 1:
                continue            # align_corners with one output: src = 0, q = n (a single unit)
            span, stride, offset = source_window(mode, n, m, align)
            q = Fraction(n - 1, m - 1) if align else Fraction(n, m)
            assert stride == q
            # q.denominator divides m (or m − 1 with align_corners): range(m) holds a whole period
            check_hull(lambda o: upsample_reads(o, n, m, mode, align, clamp=False), stride, span, offset, range(m))


def test_upsample_by_a_trillion():
    row = one_layer((1, 8), "upsample: {scale: 1000000000000}")
    t = 10**12
    assert row.output_shape == (1, 8 * t) and row.flops == 0
    rf = window_of(row.rf[0])
    # nearest: unit o reads floor(o/t); offset −frac(o/t) from o·q, 0 at o = 0, −(t−1)/t at o = t − 1
    assert (rf.stride, rf.start, rf.size) == (Fraction(1, t), -Fraction(t - 1, t), 1 + Fraction(t - 1, t))
    check_hull(lambda o: upsample_reads(o, 8, 8 * t, "nearest", clamp=False), rf.stride, rf.size, rf.start,
               [0, t - 1, t, 8 * t - 1])
    linear = one_layer((1, 8), "upsample: {mode: linear, scale: 1000000000000}")
    # 2 multiplies and 1 add per output element
    assert linear.flops == 3 * 8 * t
    rf = window_of(linear.rf[0])
    # src = (o + ½)/t − ½ = (2o + 1 − t)/(2t): unit o reads floor(src) .. ceil(src). The fractional part of
    # (2o + 1 − t)/(2t) runs over the odd multiples of 1/(2t) (t even): from 1/(2t) to 1 − 1/(2t), never 0.
    # Least read offset from o·q: −½ + 1/(2t) − (1 − 1/(2t)); greatest: −½ + 1/(2t) + 1 − 1/(2t) = ½.
    c = Fraction(1, 2 * t) - Fraction(1, 2)
    assert rf.start == c - (1 - Fraction(1, 2 * t))
    assert rf.size == Fraction(1, 2) - rf.start + 1
    # attained at src fractional part 1 − 1/(2t): 2o + 1 − t ≡ −1 (mod 2t), o = t/2 − 1; and at part 1/(2t):
    # 2o + 1 − t ≡ 1, o = t/2
    check_hull(lambda o: upsample_reads(o, 8, 8 * t, "linear", clamp=False), rf.stride, rf.size, rf.start,
               [0, 1, t // 2 - 1, t // 2, t - 1, 8 * t - 1])


@pytest.mark.parametrize("mode", ["nearest", "linear"])
def test_upsample_a_billion_and_seven_to_a_billion(mode):
    n, m = 10**9 + 7, 10**9
    row = one_layer((1, n), f"upsample: {{mode: {mode}, size: {m}}}")
    assert row.output_shape == (1, m)
    assert row.flops == (0 if mode == "nearest" else 3 * m)
    rf = window_of(row.rf[0])
    assert rf.stride == Fraction(n, m)
    inverse = pow(7, -1, m)
    if mode == "nearest":
        # unit o reads floor(o·q) = o + floor(7o/m): offset −frac(7o/m), least −(m−1)/m at 7o ≡ −1 (mod m)
        extremes = [0, (-inverse) % m]
        assert (rf.start, rf.size) == (-Fraction(m - 1, m), 1 + Fraction(m - 1, m))
    else:
        # src = (o + ½)·q − ½ = o + (7 + 14o)/(2m): fractional parts (7 + 14o mod 2m)/(2m), the odd
        # multiples of 1/(2m). Least offset 7/(2m) − (2m − 1)/(2m) where 7 + 14o ≡ −1 (mod 2m), i.e.
        # 7o ≡ −4 (mod m); greatest 7/(2m) + 1 − 1/(2m) where 7 + 14o ≡ 1, i.e. 7o ≡ −3 (mod m).
        c = Fraction(7, 2 * m)
        extremes = [0, (-4 * inverse) % m, (-3 * inverse) % m]
        assert rf.start == c - Fraction(2 * m - 1, 2 * m)
        assert rf.size == c + 1 - Fraction(1, 2 * m) - rf.start + 1
    check_hull(lambda o: upsample_reads(o, n, m, mode, clamp=False), rf.stride, rf.size, rf.start, extremes)
