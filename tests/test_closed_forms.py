"""Issue 6: upsampling, adaptive pooling and the transposed convolution's overlap in closed form — exact, and
as fast for 10^12 output positions as for 8.

Every figure is derived here: small cases by enumerating every window or tap (tests/oracle_chapter.py, exact
fractions), huge cases by hand in a comment, with the units that attain the extremes computed and checked
against the oracle's reads.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from conftest import one_layer, report_of
from oracle_chapter import adaptive_window, check_hull, overlap_loops, upsample_reads

from cnncalc.layers.adaptive import adaptive_axis
from cnncalc.layers.resample import source_window
from cnncalc.layers.transpose import overlap_per_residue, overlap_range, residue_taps

# ------------------------------------------------------------------------------------------ adaptive pooling


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
    rf = row.rf[0]
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
    rf = row.rf[0]
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


# ------------------------------------------------------------------------------------------ upsample


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
    rf = row.rf[0]
    # nearest: unit o reads floor(o/t); offset −frac(o/t) from o·q, 0 at o = 0, −(t−1)/t at o = t − 1
    assert (rf.stride, rf.start, rf.size) == (Fraction(1, t), -Fraction(t - 1, t), 1 + Fraction(t - 1, t))
    check_hull(lambda o: upsample_reads(o, 8, 8 * t, "nearest", clamp=False), rf.stride, rf.size, rf.start,
               [0, t - 1, t, 8 * t - 1])
    linear = one_layer((1, 8), "upsample: {mode: linear, scale: 1000000000000}")
    # 2 multiplies and 1 add per output element
    assert linear.flops == 3 * 8 * t
    rf = linear.rf[0]
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
    rf = row.rf[0]
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


# ------------------------------------------------------------------------------------------ transposed overlap


def residues_by_enumeration(k, s, d):
    """Taps reaching each residue modulo s: every tap t lands on t·d mod s."""
    counts = [0] * s
    for t in range(k):
        counts[t * d % s] += 1
    return counts


@pytest.mark.parametrize("s", range(1, 13))
def test_residue_counts_match_enumeration(s):
    for k in range(1, 15):
        for d in range(1, 8):
            expected = residues_by_enumeration(k, s, d)
            assert overlap_per_residue(k, s, d) == expected
            assert overlap_range(k, s, d) == (min(expected), max(expected))
            for r in range(s):
                first, count = residue_taps(r, k, s, d)
                taps = [t for t in range(k) if t * d % s == r]
                assert count == len(taps) and (not taps or taps[0] == first)


def _warnings(text):
    return [w.message for w in report_of(text).warnings if "checkerboard" in w.message]


def test_the_warning_text_for_a_kernel_not_a_multiple_of_the_stride():
    # k 3, s 2: residue 0 gets taps 0 and 2, residue 1 gets tap 1
    assert _warnings("input: [1, 8, 8]\nlayers:\n  - conv_transpose: {out: 1, kernel: [4, 3], stride: 2}\n") == [
        "checkerboard: uneven overlap (spatial axis 1: kernel 3, stride 2, 1 to 2 taps per output position); "
        "the kernel is not a multiple of the stride (Odena et al., Distill 2016). "
        "See `cnncalc checkerboard --kernel 3 --stride 2`"]


def test_the_warning_names_dilation_when_it_is_the_cause():
    # k 4, s 2, d 2: the taps land on 0, 2, 4, 6, all even: residue 0 gets 4 taps, residue 1 none —
    # though 4 is a multiple of 2
    assert _warnings("input: [1, 8]\nlayers:\n  - conv_transpose: {out: 1, kernel: 4, stride: 2, dilation: 2}\n") == [
        "checkerboard: uneven overlap (spatial axis 0: kernel 4, stride 2, dilation 2, 0 to 4 taps per output "
        "position); dilation 2 and stride 2 share the factor 2, so some output positions get no taps "
        "(Odena et al., Distill 2016). See `cnncalc checkerboard --kernel 4 --stride 2 --dilation 2`"]
    # d 3 shares no factor with s 2: taps land on 0, 3, 6, 9 → residues 0, 1, 0, 1: two each, even
    assert _warnings("input: [1, 8]\nlayers:\n  - conv_transpose: {out: 1, kernel: 4, stride: 2, dilation: 3}\n") == []


def test_the_suggested_command_shows_the_dilated_checkerboard(cli):
    code, out, err = cli("checkerboard", "--kernel", "4", "--stride", "2", "--dilation", "2", "--dims", "1")
    assert code == 0, err
    # 4 inputs at 0, 2, 4, 6, each writing taps +0, +2, +4, +6: output 0..12, only the even positions,
    # reached by 1, 2, 3, 4, 3, 2, 1 (input, tap) pairs
    words = " ".join(out.split())       # the console wraps long lines
    assert "1 0 2 0 3 0 4 0 3 0 2 0 1" in words
    assert "repeating every 2 positions: 4 0" in words
    assert "uneven: interior positions get 0 to 4 taps" in words
    assert "dilation 2 and stride 2 share the factor 2, so some output positions get no taps" in words


def test_stacked_transposed_convolutions_with_a_trillion_stride():
    report = report_of("input: [1, 1]\nlayers:\n"
                       "  - conv_transpose: {out: 1, kernel: 3, stride: 1000000000000}\n"
                       "  - conv_transpose: {out: 1, kernel: 3, stride: 1000000000000}\n")
    first, second = report.rows[1], report.rows[2]
    s = 10**12
    assert first.output_shape == (1, 3)                  # (1−1)·s + 3
    assert second.output_shape == (1, 2 * s + 3)         # (3−1)·s + 3
    assert (first.macs, second.macs) == (3, 9)           # per input position: inputs · kernel
    # k 3 < s: residues 0, 1, 2 get one tap each, the others none
    assert _warnings("input: [1, 1]\nlayers:\n  - conv_transpose: {out: 1, kernel: 3, stride: 1000000000000}\n") == [
        "checkerboard: uneven overlap (spatial axis 0: kernel 3, stride 1000000000000, 0 to 1 taps per output "
        "position); the kernel is not a multiple of the stride (Odena et al., Distill 2016). "
        "See `cnncalc checkerboard --kernel 3 --stride 1000000000000`"]


def test_a_kernel_of_10_to_the_15():
    k = 10**15
    row = one_layer((1, 1), f"conv_transpose: {{out: 1, kernel: {k}, stride: 2}}")
    assert row.output_shape == (1, k)                    # (1−1)·2 + k
    assert (row.params, row.macs) == (k + 1, k)          # k weights and a bias; one input · k taps
    # k even: residues 0 and 1 get k/2 taps each — no warning
    assert overlap_range(k, 2) == (k // 2, k // 2)
    assert _warnings(f"input: [1, 1]\nlayers:\n  - conv_transpose: {{out: 1, kernel: {k}, stride: 2}}\n") == []
    # with stride 3, 10^15 = 3·333…333 + 1: residue 0 gets one tap more
    assert overlap_range(k, 3) == ((k - 1) // 3, (k - 1) // 3 + 1)


# ------------------------------------------------------------------------------------------ checkerboard map


def overlap_loops_dilated(size, kernel, stride, dilation, stack):
    """Taps reaching each output position of `stack` transposed convolutions: every position, every tap."""
    counts = [1] * size
    for _ in range(stack):
        out = [0] * ((len(counts) - 1) * stride + dilation * (kernel - 1) + 1)
        for i, c in enumerate(counts):
            for t in range(kernel):
                out[i * stride + t * dilation] += c
        counts = out
    return counts


@pytest.mark.parametrize("k, s, d, stack", [(3, 2, 1, 1), (4, 2, 2, 1), (3, 2, 3, 1), (4, 6, 4, 1), (3, 2, 2, 2),
                                            (2, 3, 2, 2), (5, 4, 2, 1), (3, 3, 2, 2)])
def test_dilated_maps_and_interior_match_loops(k, s, d, stack):
    from cnncalc.checkerboard import overlap
    size = 2
    result = overlap(k, s, 1, stack, size, d)
    assert list(result.axis_counts) == overlap_loops_dilated(size, k, s, d, stack)
    long = overlap_loops_dilated(40, k, s, d, stack)
    period = s**stack
    assert len(result.period) == period
    middle = len(long) // 2 // period * period        # ≡ 0 mod the period, far from both edges
    assert tuple(long[middle:middle + period]) == result.period


def test_dilation_one_keeps_the_maps():
    from cnncalc.checkerboard import overlap
    result = overlap(3, 2, 2, 2, 3)
    assert result.grid.tolist() == overlap_loops(3, 3, 2, 2, 2)


def test_output_size_stops_early():
    from cnncalc.checkerboard import output_size, period_length
    assert output_size(4, 1, 1, 10**8) == 4               # kernel 1, stride 1: the identity, every layer
    assert output_size(1, 1, 7, 10**8) == 1               # one position, kernel 1: (1−1)·7 + 1
    # 4 → 9 → 19 → 39 → 79 ((n−1)·2 + 3): stops at the first size past 64
    assert output_size(4, 3, 2, 10**8, limit=64) == 79
    assert period_length(2, 10**8, limit=4096) == 8192     # 2^13, the first power past 4096
    assert period_length(1, 10**8) == 1


def test_checkerboard_cli_with_a_hundred_million_identity_layers(cli):
    code, out, err = cli("checkerboard", "--kernel", "1", "--stride", "1", "--stack", "100000000", "--dims", "1")
    assert code == 0, err
    # kernel 1, stride 1 copies its input: 4 positions of 1 tap path each, however many layers
    assert "input 4 → output 4" in out
    assert "even: every interior position gets 1 taps" in out


@pytest.mark.parametrize("args, hint", [
    (["--kernel", "3", "--stride", "2", "--stack", "100000000"], "positions per axis"),
    (["--kernel", "1", "--stride", "2", "--stack", "100000000", "--input", "1"], "interior pattern"),
    (["--kernel", "2", "--stride", "1000000000000", "--input", "1"], "interior pattern"),
])
def test_checkerboard_cli_refuses_what_it_cannot_draw(cli, args, hint):
    code, out, err = cli("checkerboard", *args)
    assert code == 2 and hint in err
