"""Table-driven checks of the layer types of the CNN chapter (issue 3).

Expected figures are derived in the test, independently of the code: output sizes and receptive fields by
enumerating what every output unit reads (tests/oracle_chapter.py, tests/oracle.py), parameters and MACs
by the definition written beside each case, overlap maps by nested loops. A PyTorch cross-check runs where
torch is installed (the `parity` extra).
"""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from conftest import one_layer, report_of
from oracle import receptive_field_1d, window_starts
from oracle_chapter import (adaptive_window, check_hull, overlap_loops, transposed_reads, transposed_scatter,
                            transposed_size, upsample_reads)
from cnncalc.errors import SpecError

prod = math.prod


# ------------------------------------------------------------------------------------------ conv_transpose

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


# ------------------------------------------------------------------------------------------ checkerboard

@pytest.mark.parametrize("size, k, s, dims, stack", [(4, 3, 2, 1, 1), (4, 3, 2, 2, 1), (2, 4, 3, 2, 1),
                                                     (4, 4, 2, 2, 1), (3, 3, 2, 1, 2), (2, 3, 2, 2, 2),
                                                     (3, 5, 1, 1, 3)])
def test_overlap_maps_match_nested_loops(size, k, s, dims, stack):
    from cnncalc.checkerboard import overlap
    result = overlap(k, s, dims, stack, size)
    assert result.grid.tolist() == overlap_loops(size, k, s, dims, stack)


@pytest.mark.parametrize("k, s, stack", [(3, 2, 1), (4, 2, 1), (4, 3, 1), (3, 2, 2), (4, 2, 3), (5, 3, 2)])
def test_interior_period_matches_a_long_input(k, s, stack):
    from cnncalc.checkerboard import overlap
    result = overlap(k, s, 1, stack, 2)
    long = overlap_loops(40, k, s, 1, stack)
    period = len(result.period)
    middle = len(long) // 2 // period * period        # an index ≡ 0 mod the period, far from both edges
    assert tuple(long[middle:middle + period]) == result.period


def test_checkerboard_textbook_example():
    from cnncalc.checkerboard import overlap
    result = overlap(4, 3, 2, 1, 2)
    # input 0 writes 0..3, input 1 writes 3..6: position 3 gets both, per axis
    assert result.output_size == 7
    axis = [1, 1, 1, 2, 1, 1, 1]
    assert result.grid.tolist() == [[a * b for b in axis] for a in axis]
    assert not result.even


def test_checkerboard_cli_uneven(cli):
    code, out, err = cli("checkerboard", "--kernel", "3", "--stride", "2")
    assert code == 0, err
    # 4 inputs → 9 positions per axis; per axis (nested loops): 1 1 2 1 2 1 2 1 1
    axis = overlap_loops(4, 3, 2, 1, 1)
    assert axis == [1, 1, 2, 1, 2, 1, 2, 1, 1]
    lines = [line.split() for line in out.splitlines()]
    grid = [[int(v) for v in line] for line in lines if len(line) == 9 and all(v.isdigit() for v in line)]
    assert grid == [[a * b for b in axis] for a in axis]
    assert "uneven" in out and "1 to 4 taps" in out


def test_checkerboard_cli_even(cli):
    code, out, err = cli("checkerboard", "--kernel", "4", "--stride", "2")
    assert code == 0, err
    assert "uneven" not in out
    assert "even: every interior position gets 4 taps" in out


def test_checkerboard_cli_limits(cli):
    code, out, err = cli("checkerboard", "--kernel", "9", "--stride", "8", "--stack", "3")
    assert code == 2 and "positions per axis" in err


def test_analyze_does_not_import_numpy():
    import subprocess
    import sys
    code = ("import sys; from cnncalc.cli import main; "
            "from click.testing import CliRunner; "
            "r = CliRunner().invoke(main, ['analyze', '-', '-f', 'json'], "
            "input='input: [1, 4, 4]\\nlayers:\\n  - conv_transpose: {out: 1, kernel: 3, stride: 2}\\n'); "
            "assert r.exit_code == 0, r.output; print('numpy' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


# ------------------------------------------------------------------------------------------ depthwise, separable

# (shape, kernel, multiplier, stride, padding, out)
SEPARABLE = [
    ((32, 112, 112), 3, 1, 1, 1, 64),       # MobileNet's first separable layer
    ((64, 112, 112), 3, 1, 2, 1, 128),
    ((16, 20, 20), 5, 2, 1, "valid", 8),
    ((8, 30), 3, 3, 2, 0, 4),               # 1-D
]


@pytest.mark.parametrize("shape, k, m, s, p, out", SEPARABLE)
def test_depthwise_and_separable(shape, k, m, s, p, out):
    c, spatial = shape[0], shape[1:]
    ndim = len(spatial)
    sizes = [len(window_starts(n, k, s, 0 if p == "valid" else p, 0 if p == "valid" else p)) for n in spatial]
    positions = prod(sizes)
    dw = one_layer(shape, f"depthwise_conv: {{kernel: {k}, multiplier: {m}, stride: {s}, padding: {p}}}")
    assert dw.output_shape == (c * m, *sizes)
    assert dw.params == c * m * k**ndim + c * m              # one k^ndim filter per output channel, + bias
    assert dw.macs == positions * c * m * k**ndim
    sep = one_layer(shape, f"separable_conv: {{out: {out}, kernel: {k}, multiplier: {m}, stride: {s}, "
                           f"padding: {p}}}")
    assert sep.output_shape == (out, *sizes)
    assert sep.params == c * m * k**ndim + c * m * out + out  # depthwise + pointwise + pointwise bias
    assert sep.macs == positions * (c * m * k**ndim + c * m * out)
    assert sep.flops == 2 * sep.macs + positions * out
    # the same as a grouped conv (groups = C) followed by a 1×1 conv, bias on the second only
    chain = report_of(f"""
        input: {list(shape)}
        layers:
          - conv: {{out: {c * m}, kernel: {k}, stride: {s}, padding: {p}, groups: {c}, bias: false}}
          - conv: {{out: {out}, kernel: 1}}
    """)
    assert sep.params == chain.totals.params and sep.macs == chain.totals.macs
    assert (sep.rf[0].size, sep.rf[0].stride) == (k, s)


def test_separable_ratio_to_standard():
    # MobileNet: separable / standard = 1/N + 1/k² for N output channels
    std = one_layer((64, 56, 56), "conv: {out: 128, kernel: 3, padding: 1, bias: false}")
    sep = one_layer((64, 56, 56), "separable_conv: {out: 128, kernel: 3, padding: 1, bias: false}")
    assert Fraction(sep.macs, std.macs) == Fraction(1, 128) + Fraction(1, 9)


# ------------------------------------------------------------------------------------------ dilation

@pytest.mark.parametrize("layer", ["conv: {out: 4, kernel: 3, dilation: 2}", "maxpool: {kernel: 3, stride: 1, "
                                   "dilation: 2}", "avgpool: {kernel: 3, stride: 1, dilation: 2}",
                                   "sumpool: {kernel: 3, stride: 1, dilation: 2}"])
def test_a_3x3_kernel_with_dilation_2_sees_5x5(layer):
    row = one_layer((4, 9, 9), layer)
    # taps at 0, 2, 4 on each axis: positions 0..4, a 5×5 field, so 9 − 5 + 1 = 5 outputs per axis
    assert [(a.size, a.start) for a in row.rf] == [(5, 0), (5, 0)]
    assert receptive_field_1d([(3, 1, 0, 0, 2)], 9) == (5, 1, 0)
    assert row.output_shape[1:] == (5, 5)


# ------------------------------------------------------------------------------------------ local, tiled

# (shape, out, kernel, stride, padding)
LOCAL = [((3, 10, 10), 4, 3, 1, 0), ((16, 63, 63), 16, 9, 1, 0), ((16, 55, 55), 16, 7, 2, 0),
         ((2, 12), 3, 4, 2, 1), ((1, 6, 6), 2, 3, 1, "same")]


@pytest.mark.parametrize("shape, out, k, s, p", LOCAL)
@pytest.mark.parametrize("bias", ["position", "channel", "none", "true", "false"])
def test_local(shape, out, k, s, p, bias):
    row = one_layer(shape, f"local: {{out: {out}, kernel: {k}, stride: {s}, padding: {p}, bias: {bias}}}")
    c, spatial = shape[0], shape[1:]
    pads = [(1, 1) if p == "same" else (p, p) for _ in spatial]     # 'same' with k3 s1: one each side
    sizes = [len(window_starts(n, k, s, b, a)) for n, (b, a) in zip(spatial, pads)]
    positions = prod(sizes)
    weights = positions * out * c * k ** len(spatial)         # its own filter bank at every position
    biases = {"position": positions * out, "true": positions * out, "channel": out, "none": 0, "false": 0}[bias]
    assert row.output_shape == (out, *sizes)
    assert row.params == weights + biases
    assert row.macs == weights                                # one MAC per weight per example
    assert (row.rf[0].size, row.rf[0].stride, row.rf[0].start) == (k, s, -pads[0][0])


@pytest.mark.parametrize("tile", [1, 2, 3, [2, 5], 100])
def test_tiled_conv(tile):
    shape, out, k = (3, 12, 14), 4, 3                         # output 10×12
    row = one_layer(shape, f"tiled_conv: {{out: {out}, kernel: {k}, tile: {tile}}}")
    t = tile if isinstance(tile, list) else [tile, tile]
    # distinct weight sets: the different (y mod th, x mod tw) over the output positions
    sets = len({(y % t[0], x % t[1]) for y in range(10) for x in range(12)})
    assert row.output_shape == (out, 10, 12)
    assert row.params == sets * out * (3 * 9) + sets * out
    assert row.macs == 10 * 12 * out * 3 * 9
    conv = one_layer(shape, f"conv: {{out: {out}, kernel: {k}}}")
    local = one_layer(shape, f"local: {{out: {out}, kernel: {k}}}")
    if tile == 1:
        assert row.params == conv.params
    if tile == 100:
        assert row.params == local.params


# ------------------------------------------------------------------------------------------ spp

def test_spp_sppnet():
    # SPPNet (ZF-5): conv5 256@13×13, levels 6, 3, 2, 1. Windows/strides ceil/floor(13/n):
    # n=6: 3/2 → (13−3)//2+1 = 6; n=3: 5/4 → 3; n=2: 7/6 → 2; n=1: 13/13 → 1. All n: 256·(36+9+4+1)
    row = one_layer((256, 13, 13), "spp: {levels: [6, 3, 2, 1]}")
    assert row.output_shape == (256 * 50,)
    # max: taps−1 comparisons per bin: 36·(9−1) + 9·(25−1) + 4·(49−1) + 1·(169−1)
    assert row.flops == 256 * (36 * 8 + 9 * 24 + 4 * 48 + 168)
    assert row.rf[0].size == 13 and row.rf[0].start == 0


def test_spp_reports_inputs_the_rule_does_not_fit():
    # 10 positions, n=6: window ceil(10/6)=2, stride floor(10/6)=1 → 9 windows, not 6
    # n=4: window 3, stride 2 → (10−3)//2+1 = 4 ✓; n=1: 1 ✓
    report = report_of("input: [8, 10, 10]\nlayers:\n  - spp: {levels: [1, 4, 6], mode: avg}\n")
    row = report.rows[1]
    assert len(window_starts(10, 2, 1, 0, 0)) == 9
    assert row.output_shape == (8 * (1 + 16 + 81),)
    # avg: taps per bin (taps−1 adds + 1 divide)
    assert row.flops == 8 * (1 * 100 + 16 * 9 + 81 * 4)
    messages = [w.message for w in report.warnings]
    assert len(messages) == 2 and all("level 6" in m and "9 bins, not 6" in m for m in messages)


def test_spp_too_small():
    with pytest.raises(SpecError, match="at least 4"):
        one_layer((1, 3, 3), "spp: {levels: [4]}")


# ------------------------------------------------------------------------------------------ adaptive pooling

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
    rf = row.rf[0]
    assert rf.stride == Fraction(size, out)
    check_hull(lambda o: list(adaptive_window(o, size, out)), rf.stride, rf.size, rf.start, range(out))
    if size % out == 0:
        assert (rf.size, rf.start) == (size // out, 0)


def test_adaptive_pool_per_axis_size():
    assert one_layer((8, 9, 20), "adaptive_avgpool: {size: [3, 5]}").output_shape == (8, 3, 5)


# ------------------------------------------------------------------------------------------ upsample

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
    rf = row.rf[0]
    q = Fraction(n - 1, m - 1) if align else Fraction(n, m)
    assert rf.stride == q
    # the window holds every interior unit's reads (no edge clamping) and is attained
    check_hull(lambda o: upsample_reads(o, n, m, "nearest" if mode == "nearest" else "linear", align, clamp=False),
               rf.stride, rf.size, rf.start, range(m))
    # at the clamped edges, the reads still lie inside the window
    for o in range(m):
        reads = upsample_reads(o, n, m, "nearest" if mode == "nearest" else "linear", align)
        assert all(rf.start + o * q <= p <= rf.start + o * q + rf.size - 1 for p in reads)


def test_upsample_by_2_field_equals_its_transposed_convolution():
    # bilinear ×2 is conv_transpose k4 s2 p1 with weights ¼ ¾ ¾ ¼; nearest ×2 is k2 s2 p0 with ones
    bil = one_layer((1, 8), "upsample: {mode: linear, scale: 2}")
    ct = one_layer((1, 8), "conv_transpose: {out: 1, kernel: 4, stride: 2, padding: 1}")
    assert bil.rf == ct.rf
    near = one_layer((1, 8), "upsample: {scale: 2}")
    ct2 = one_layer((1, 8), "conv_transpose: {out: 1, kernel: 2, stride: 2}")
    assert near.rf == ct2.rf


def test_upsample_errors():
    with pytest.raises(SpecError, match="exactly one"):
        one_layer((1, 4, 4), "upsample: {scale: 2, size: 8}")
    with pytest.raises(SpecError, match="use bilinear"):
        one_layer((1, 4, 4), "upsample: {mode: trilinear, scale: 2}")


# ------------------------------------------------------------------------------------------ netvlad

def test_netvlad():
    # D = 4 channels, 3×5 = 15 positions, K = 2 clusters
    row = one_layer((4, 3, 5), "netvlad: {clusters: 2}")
    d, n, k = 4, 15, 2
    assert row.output_shape == (k * d,)
    assert row.params == k * d + k + k * d          # W (K×D), b (K), centres c (K×D)
    assert row.macs == n * k * d + n * k * d        # soft-assignment scores + Σ_i a_k(i)·x_i(j)
    flops = (2 * n * k * d + n * k                  # scores with bias: 240 + 30
             + 3 * n * k                            # softmax: 90
             + 2 * n * k * d                        # aggregation: 2·120 = 240
             + k * (n - 1)                          # Σ_i a_k(i): 28
             + 2 * k * d                            # c_k(j)·Σa_k subtracted: 16
             + 3 * k * d                            # intra-normalisation: 24
             + 3 * k * d)                           # final L2: 24
    assert flops == 240 + 30 + 90 + 240 + 28 + 16 + 24 + 24 == 692
    assert row.flops == flops
    no_intra = one_layer((4, 3, 5), "netvlad: {clusters: 2, intra_norm: false}")
    assert no_intra.flops == flops - 3 * k * d


# ------------------------------------------------------------------------------------------ lrn, pad, reshape, embedding

@pytest.mark.parametrize("size", [5, 3])
def test_lrn(size):
    row = one_layer((96, 55, 55), f"lrn: {{size: {size}}}")
    # square, n−1 adds, scale, add k, power, divide
    assert row.flops == (1 + size - 1 + 4) * 96 * 55 * 55
    assert row.params == 0 and row.output_shape == (96, 55, 55)


@pytest.mark.parametrize("padding, mode, out, start", [
    (1, "constant", (3, 7, 8), -1),
    ("[[2, 0], [0, 3]]", "reflect", (3, 7, 9), -2),
    ("[0, 2]", "replicate", (3, 5, 10), 0),
])
def test_pad(padding, mode, out, start):
    row = one_layer((3, 5, 6), f"pad: {{padding: {padding}, mode: {mode}}}")
    assert row.output_shape == out and row.flops == 0
    assert (row.rf[0].size, row.rf[0].stride, row.rf[0].start) == (1, 1, start)
    with pytest.raises(SpecError):
        one_layer((3, 5, 6), "pad: {padding: same}")
    with pytest.raises(SpecError, match="reflect"):
        one_layer((3, 5, 6), "pad: {padding: 5, mode: reflect}")


def test_reshape():
    assert one_layer((64, 7, 7), "reshape: {shape: [64, -1]}").output_shape == (64, 49)
    assert one_layer((64, 7, 7), "reshape: {shape: [3136]}").output_shape == (3136,)
    with pytest.raises(SpecError, match="cannot reshape"):
        one_layer((64, 7, 7), "reshape: {shape: [50, -1]}")
    report = report_of("""
        input: [4, 6, 6]
        layers:
          - conv: {out: 2, kernel: 3}
          - reshape: {shape: [32]}
          - dense: {out: 3}
          - reshape: {shape: [3, 1]}
    """)
    dense, odd = report.rows[3], report.rows[4]
    assert dense.rf[0].size == 6           # the reshape to one axis acts as flatten: dense sees all 6
    assert odd.rf[0].size is None          # an axis-changing reshape: unknown, not guessed


def test_embedding_and_text_cnn():
    # Kim (2014): 50 tokens, 300-d embeddings of a 10,000-word vocabulary, 100 filters of 3 tokens
    report = report_of("""
        input: [1, 50]
        layers:
          - embedding: {vocab: 10000, dim: 300}
          - conv: {out: 100, kernel: 3}
          - relu
          - global_maxpool
          - dense: {out: 2}
    """)
    emb, conv = report.rows[1], report.rows[2]
    assert emb.output_shape == (300, 50)
    assert (emb.params, emb.macs, emb.flops) == (10000 * 300, 0, 0)
    assert conv.output_shape == (100, 48)
    assert conv.params == 100 * 300 * 3 + 100
    assert conv.macs == 48 * 100 * 300 * 3
    assert (conv.rf[0].size, conv.rf[0].start) == (3, 0)       # three tokens
    assert one_layer((50,), "embedding: {vocab: 10, dim: 8}").output_shape == (8, 50)


# ------------------------------------------------------------------------------------------ video (3-D)

def test_3d_conv_and_pool_on_video():
    # C3D's first block: 16 frames of 112×112 RGB; conv 64@3×3×3 pad 1; pool 1×2×2
    report = report_of("""
        input: [3, 16, 112, 112]
        layers:
          - conv: {out: 64, kernel: 3, padding: 1}
          - maxpool: {kernel: [1, 2, 2]}
          - conv: {out: 128, kernel: 3, padding: 1}
          - maxpool: {kernel: 2}
    """)
    c1, p1, c2, p2 = report.rows[1:]
    assert c1.output_shape == (64, 16, 112, 112)
    assert c1.params == 64 * 3 * 27 + 64 == 5248
    assert c1.macs == 16 * 112 * 112 * 64 * 3 * 27
    assert p1.output_shape == (64, 16, 56, 56)
    assert p1.flops == 64 * 16 * 56 * 56 * (4 - 1)
    assert c2.params == 128 * 64 * 27 + 128
    assert p2.output_shape == (128, 8, 28, 28)
    # time axis: conv 3 (field 3), pool 1, conv 3 (field 5), pool 2 (field 6, jump 2)
    assert (p2.rf[0].size, p2.rf[0].stride) == (6, 2)
    assert (p2.rf[1].size, p2.rf[1].stride) == (10, 4)


# ------------------------------------------------------------------------------------------ PyTorch parity

def test_pytorch_parity():
    torch = pytest.importorskip("torch")
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


# ------------------------------------------------------------------------------------------ properties

from hypothesis import given, settings, strategies as st  # noqa: E402


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


@settings(max_examples=150, deadline=None)
@given(n=st.integers(1, 30), m=st.integers(1, 30))
def test_adaptive_and_upsample_fields_by_brute_force(n, m):
    row = one_layer((1, n), f"adaptive_avgpool: {{size: {m}}}")
    rf = row.rf[0]
    check_hull(lambda o: list(adaptive_window(o, n, m)), rf.stride, rf.size, rf.start, range(m))
    up = one_layer((1, n), f"upsample: {{mode: linear, size: {m}}}").rf[0]
    check_hull(lambda o: upsample_reads(o, n, m, "linear", clamp=False), up.stride, up.size, up.start,
               range(0, 2 * m + 2))


def test_fractional_fields_display_unambiguously(cli):
    code, out, err = cli("analyze", "-", input="input: [1, 2, 2]\nlayers:\n  - conv_transpose: {out: 1, kernel: 4, "
                                                "stride: 3}\n  - upsample: {mode: bilinear, scale: 2}\n")
    assert code == 0, err
    # conv_transpose: size 1 + 3/3 = 2, stride 1/3; then bilinear ×2: size 2 + (5/2 − 1)·1/3 = 5/2, stride 1/6
    assert "2/(1/3)" in out and "(5/2)/(1/6)" in out
