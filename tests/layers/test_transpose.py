"""cnncalc/layers/transpose.py: `conv_transpose` — sizes, parameters, MACs per input position, receptive
fields, errors, the checkerboard warning, and the overlap per residue in closed form (exact, and as fast for
a kernel of 10^15 as for 3). A PyTorch cross-check runs where torch is installed (the `parity` extra).

Expected figures are derived in the test: sizes and fields by enumerating the scatter and what every output
unit reads (tests/oracles.py), overlaps by nested loops or enumeration of residues, huge cases by hand in a
comment.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from extras import require_torch
from hypothesis import given, settings, strategies as st

from cnncalc.errors import SpecError
from cnncalc.layers.transpose import overlap_per_residue, overlap_range, residue_taps

from conftest import one_layer, report_of
from oracles import (adaptive_window, check_hull, overlap_loops, transposed_reads, transposed_scatter,
                     transposed_size, upsample_reads)
from .helpers import prod


def transposed_pads(padding, size, kernel, stride, dilation):
    """(before, after) cropped from one axis, by each form's definition."""
    span = dilation * (kernel - 1) + 1
    if padding in ("valid", 0):
        return 0, 0
    if padding == "same":
        # TensorFlow: the transposed convolution is the gradient of a 'same' convolution of an n·s input with
        # stride s; that convolution pads max((n−1)·s + span − n·s, 0) in total, the smaller half before.
        total = max((size - 1) * stride + span - size * stride, 0)
        return total // 2, total - total // 2
    if isinstance(padding, tuple):
        return padding
    return padding, padding


# (input shape, out, kernel, stride, padding, output_padding, dilation, groups, bias)
TRANSPOSED = [
    ((3, 5, 5), 4, 3, 2, 0, 0, 1, 1, True),
    ((16, 8, 8), 8, 4, 2, 1, 0, 1, 1, False),          # DCGAN: doubles the size
    ((16, 8, 8), 8, 3, 2, 1, 1, 1, 1, True),           # output_padding: doubles the size
    ((8, 7, 7), 8, 5, 3, 2, 2, 1, 4, True),            # groups
    ((4, 6, 6), 2, 3, 2, 0, 1, 2, 1, True),            # dilation 2, output_padding < dilation
    ((4, 6, 6), 2, 4, 2, "same", 0, 1, 1, True),       # Keras 'same': 12×12
    ((4, 5, 5), 2, 3, 2, "same", 0, 1, 1, True),       # odd crop: 1 total, after
    ((4, 5, 5), 2, 3, 1, (2, 0), 0, 1, 1, False),      # explicit [before, after]
    ((6, 10), 3, 5, 4, 1, 3, 1, 3, True),              # 1-D
    ((2, 3, 4, 4), 4, 3, 2, 1, 1, 1, 1, True),         # 3-D
    ((1, 2, 2), 1, 4, 3, 0, 0, 1, 1, False),           # the textbook's 2×2 → 7×7
]


def _yaml_padding(p, ndim):
    if isinstance(p, tuple):
        return "[" + ", ".join([f"[{p[0]}, {p[1]}]"] * ndim) + "]"
    return p


@pytest.mark.parametrize("shape, out, k, s, p, op, d, g, bias", TRANSPOSED)
def test_conv_transpose(shape, out, k, s, p, op, d, g, bias):
    ndim = len(shape) - 1
    row = one_layer(shape, f"conv_transpose: {{out: {out}, kernel: {k}, stride: {s}, padding: "
                           f"{_yaml_padding(p, ndim)}, output_padding: {op}, dilation: {d}, groups: {g}, "
                           f"bias: {str(bias).lower()}}}")
    c_in, spatial = shape[0], shape[1:]
    sizes = [transposed_size(n, k, s, *transposed_pads(p, n, k, s, d), d, op) for n in spatial]
    assert row.output_shape == (out, *sizes)
    # weights [C_in, C_out/groups, k...]
    assert row.params == c_in * (out // g) * k**ndim + (out if bias else 0)
    # per input position: every input element (c, i) multiplies its C_out/groups × k^ndim taps — counted by
    # enumerating the scatter: n·k (input, tap) pairs per axis
    pairs = prod(sum(len(v) for v in transposed_scatter(n, k, s, d).values()) for n in spatial)
    assert row.macs == c_in * (out // g) * pairs
    assert row.flops == 2 * row.macs + (out * prod(sizes) if bias else 0)


@pytest.mark.parametrize("shape, s", [((16, 8, 8), 2), ((4, 10), 3), ((2, 4, 4, 4), 2)])
def test_conv_transpose_macs_are_per_input_position_not_per_output(shape, s):
    """torchinfo/thop count output_elements · (C_in/groups) · prod(k): s^ndim times too many."""
    k, out = 4, 6
    row = one_layer(shape, f"conv_transpose: {{out: {out}, kernel: {k}, stride: {s}, bias: false}}")
    ndim = len(shape) - 1
    in_elements = prod(shape)
    per_output = out * prod(row.output_shape[1:]) * shape[0] * k**ndim
    assert row.macs == in_elements * out * k**ndim
    assert row.macs != per_output
    assert per_output > row.macs * (s**ndim - 1)     # the over-count grows like stride^ndim


@pytest.mark.parametrize("k, s, p, d", [(3, 2, 0, 1), (3, 2, 1, 1), (4, 2, 1, 1), (5, 3, 2, 1), (2, 2, 0, 1),
                                         (1, 3, 0, 1), (3, 2, 0, 2), (3, 3, 1, 2), (4, 1, 0, 1)])
def test_conv_transpose_receptive_field(k, s, p, d):
    row = one_layer((2, 9), f"conv_transpose: {{out: 2, kernel: {k}, stride: {s}, padding: {p}, dilation: {d}}}")
    rf = row.rf[0]
    assert rf.stride == Fraction(1, s)
    # the window's units 0 and 1 hold exactly what reaches them, and no unit reaches outside its window
    check_hull(lambda o: transposed_reads(o, k, s, p, d), rf.stride, rf.size, rf.start, range(0, 6 * s * k))
    if d == 1:
        for o in (0, 1):
            lo = rf.start + o * rf.stride
            window = {i for i in range(-20, 20) if lo <= i <= lo + rf.size - 1}
            reads = set(transposed_reads(o, k, s, p))
            assert reads <= window and (not reads or window == set(range(min(window), max(window) + 1)))
            if k >= s:
                assert reads == window


def test_conv_transpose_field_composes_with_conv():
    # conv k3 s2 then conv_transpose k4 s2 p1: trace network-input positions reaching final unit o
    report = report_of("""
        input: [1, 32]
        layers:
          - conv: {out: 1, kernel: 3, stride: 2, padding: 1}
          - conv_transpose: {out: 1, kernel: 4, stride: 2, padding: 1}
    """)
    rf = report.rows[-1].rf[0]

    def reads(o):
        mids = transposed_reads(o, 4, 2, 1)
        return sorted({m * 2 - 1 + t for m in mids for t in range(3)})   # conv: unit m reads 2m−1 .. 2m+1
    assert rf.stride == 1
    check_hull(reads, rf.stride, rf.size, rf.start, range(0, 40))


@pytest.mark.parametrize("k, s, uneven", [(3, 2, True), (4, 2, False), (4, 3, True), (2, 2, False), (1, 2, True),
                                          (6, 3, False), (5, 1, False)])
def test_conv_transpose_checkerboard_warning(k, s, uneven):
    report = report_of(f"input: [1, 8, 8]\nlayers:\n  - conv_transpose: {{out: 1, kernel: {k}, stride: {s}}}\n")
    warned = any("checkerboard" in w.message for w in report.warnings)
    # uneven overlap ⇔ the nested-loop overlap of a long input is not constant in the interior
    counts = overlap_loops(12, k, s, 1, 1)
    interior = counts[k - 1:(12 - 1) * s + 1]
    assert (len(set(interior)) > 1) == uneven
    assert warned == uneven


def test_conv_transpose_errors():
    with pytest.raises(SpecError, match="output_padding"):
        one_layer((1, 4, 4), "conv_transpose: {out: 1, kernel: 3, stride: 2, output_padding: 2}")
    with pytest.raises(SpecError, match="full"):
        one_layer((1, 4, 4), "conv_transpose: {out: 1, kernel: 3, padding: full}")
    with pytest.raises(SpecError, match="same"):
        one_layer((1, 4, 4), "conv_transpose: {out: 1, kernel: 2, stride: 3, padding: same}")
    with pytest.raises(SpecError, match="crops"):
        one_layer((1, 1, 1), "conv_transpose: {out: 1, kernel: 1, padding: 1}")


def test_pytorch_parity():
    torch = require_torch()
    nn = torch.nn

    def count(module):
        return sum(p.numel() for p in module.parameters())

    for shape, out, k, s, p, op, d, g, bias in TRANSPOSED:
        if not isinstance(p, int):
            continue
        ndim = len(shape) - 1
        cls = {1: nn.ConvTranspose1d, 2: nn.ConvTranspose2d, 3: nn.ConvTranspose3d}[ndim]
        module = cls(shape[0], out, k, stride=s, padding=p, output_padding=op, dilation=d, groups=g, bias=bias)
        row = one_layer(shape, f"conv_transpose: {{out: {out}, kernel: {k}, stride: {s}, padding: {p}, "
                               f"output_padding: {op}, dilation: {d}, groups: {g}, bias: {str(bias).lower()}}}")
        assert tuple(module(torch.zeros(1, *shape)).shape[1:]) == row.output_shape
        assert count(module) == row.params

    # which inputs reach output o: the gradient of output o with respect to the input, ones as weights
    for k, s, p in [(3, 2, 1), (4, 2, 1), (5, 3, 0)]:
        module = nn.ConvTranspose1d(1, 1, k, stride=s, padding=p, bias=False)
        nn.init.ones_(module.weight)
        x = torch.zeros(1, 1, 12, requires_grad=True)
        y = module(x)
        row = one_layer((1, 12), f"conv_transpose: {{out: 1, kernel: {k}, stride: {s}, padding: {p}}}")
        rf = row.rf[0]
        for o in range(3, y.shape[-1] - 6):
            (grad,) = torch.autograd.grad(y[0, 0, o], x, retain_graph=True)
            reached = [i for i in range(12) if grad[0, 0, i] != 0]
            assert reached == sorted(transposed_reads(o, k, s, p))
            lo = rf.start + o * rf.stride
            assert all(lo <= i <= lo + rf.size - 1 for i in reached)

    for n, m in [(13, 7), (10, 4), (3, 6)]:
        x = torch.zeros(1, 1, n, requires_grad=True)
        y = nn.AdaptiveMaxPool1d(m)(x + torch.arange(n, dtype=torch.float32))
        for o in range(m):
            (grad,) = torch.autograd.grad(nn.AdaptiveAvgPool1d(m)(x)[0, 0, o], x)
            assert [i for i in range(n) if grad[0, 0, i] != 0] == list(adaptive_window(o, n, m))
        assert y.shape[-1] == m

    for mode, align in [("nearest", False), ("linear", False), ("linear", True)]:
        for n, m in [(5, 10), (5, 15), (6, 9)]:
            x = torch.zeros(1, 1, n, requires_grad=True)
            kwargs = {} if mode == "nearest" else {"align_corners": align}
            y = nn.functional.interpolate(x, size=m, mode=mode, **kwargs)
            for o in range(m):
                (grad,) = torch.autograd.grad(y[0, 0, o], x, retain_graph=True)
                # PyTorch computes the source index in float32: a weight that is exactly 0 comes out ~1e-8
                assert [i for i in range(n) if abs(grad[0, 0, i]) > 1e-6] == upsample_reads(o, n, m, mode, align)

    lrn_shape = one_layer((8, 5, 5), "lrn: {size: 5}").output_shape
    assert tuple(nn.LocalResponseNorm(5)(torch.zeros(1, 8, 5, 5)).shape[1:]) == lrn_shape
    emb = nn.Embedding(1000, 16)
    assert count(emb) == one_layer((10,), "embedding: {vocab: 1000, dim: 16}").params


@settings(max_examples=150, deadline=None)
@given(n=st.integers(1, 12), k=st.integers(1, 7), s=st.integers(1, 5), d=st.integers(1, 3), p=st.integers(0, 3))
def test_conv_transpose_size_and_field_by_brute_force(n, k, s, d, p):
    size = transposed_size(n, k, s, p, p, d)
    if size < 1:
        return
    row = one_layer((1, n), f"conv_transpose: {{out: 1, kernel: {k}, stride: {s}, padding: {p}, dilation: {d}}}")
    assert row.output_shape == (1, size)
    rf = row.rf[0]
    check_hull(lambda o: transposed_reads(o, k, s, p, d), rf.stride, rf.size, rf.start, range(0, 2 * s * k * d + s))


def test_fractional_fields_display_unambiguously(cli):
    code, out, err = cli("analyze", "-", input="input: [1, 2, 2]\nlayers:\n  - conv_transpose: {out: 1, kernel: 4, "
                                                "stride: 3}\n  - upsample: {mode: bilinear, scale: 2}\n")
    assert code == 0, err
    # conv_transpose: size 1 + 3/3 = 2, stride 1/3; then bilinear ×2: size 2 + (5/2 − 1)·1/3 = 5/2, stride 1/6
    assert "2/(1/3)" in out and "(5/2)/(1/6)" in out


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


def test_same_padding_refuses_an_output_padding():
    # Keras's 'same' gives in·stride (8·2 = 16); with output_padding 1 cnncalc once gave (8−1)·2 + 3 + 1 − 1 = 17
    # while Keras's own rule gives 16: refused rather than guessed (issue 14)
    from cnncalc.errors import SpecError
    from cnncalc.spec import parse_spec
    text = ("input: [4, 8, 8]\nlayers:\n"
            "  - {conv_transpose: {out: 4, kernel: 3, stride: 2, padding: same, output_padding: %s}}\n")
    with pytest.raises(SpecError, match="output_padding cannot be combined with padding 'same'"):
        parse_spec(text % "1")
    with pytest.raises(SpecError, match="output_padding cannot be combined"):
        parse_spec(text % "[0, 1]")
    assert parse_spec(text % "0") is not None
