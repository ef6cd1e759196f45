"""cnncalc/layers/conv.py: every option of `conv` (table-driven), and 3-D convolution on video.

Expected figures are derived in the test, independently of the code: output sizes and receptive fields by
enumerating what every output unit reads (the brute-force oracles of tests/oracles.py), parameters and MACs
by the formulas written beside each case from the layer's definition.
"""

from __future__ import annotations

import pytest

from conftest import one_layer, report_of
from oracles import pads_for, receptive_field_1d, window_counts
from .helpers import prod


# (input shape, kernel, stride, padding, dilation, groups, out channels, bias)
CONV_CASES = [
    ((3, 32, 32), 3, 1, 0, 1, 1, 8, True),
    ((3, 32, 32), 3, 1, 1, 1, 1, 8, False),
    ((3, 224, 224), 7, 2, 3, 1, 1, 64, False),
    ((16, 28, 28), 5, 1, "same", 1, 1, 16, False),
    ((16, 28, 28), 4, 2, "same", 1, 1, 16, True),       # even kernel: extra padding after
    ((16, 27, 27), 3, 2, "same", 1, 1, 4, True),
    ((4, 10, 10), 4, 1, "same", 1, 1, 4, True),         # odd total padding 3: 1 before, 2 after
    ((4, 11, 11), 2, 2, "same", 1, 1, 4, True),         # total 1: all after
    ((8, 10, 10), 3, 1, "full", 1, 1, 8, True),
    ((8, 10, 10), 3, 1, "valid", 2, 1, 8, True),         # dilation 2: span 5
    ((8, 19, 19), 3, 2, 2, 2, 1, 8, True),
    ((32, 14, 14), 3, 1, 1, 1, 32, 32, False),           # depthwise via groups
    ((32, 14, 14), 3, 1, 1, 1, 4, 64, True),
    ((4, 50), 5, 3, 0, 1, 1, 6, True),                   # 1-D
    ((4, 50), 3, 1, [2, 0], 1, 1, 6, True),              # 1-D causal padding
    ((2, 8, 16, 16), 3, 1, 1, 1, 1, 4, True),            # 3-D
    ((2, 8, 16, 16), 3, 2, 0, 1, 1, 4, False),
]


@pytest.mark.parametrize("shape, k, s, p, d, g, out, bias", CONV_CASES)
def test_conv(shape, k, s, p, d, g, out, bias):
    padding = f"[{p[0]}, {p[1]}]" if isinstance(p, list) else p
    explicit = f"[{', '.join([f'[{p[0]}, {p[1]}]'] * (len(shape) - 1))}]" if isinstance(p, list) else padding
    row = one_layer(shape, f"conv: {{out: {out}, kernel: {k}, stride: {s}, padding: {explicit}, "
                           f"dilation: {d}, groups: {g}, bias: {str(bias).lower()}}}")
    c_in, spatial = shape[0], shape[1:]
    sizes = window_counts(spatial, p, k, s, d)
    assert row.output_shape == (out, *sizes)
    ndim = len(spatial)
    weights = out * (c_in // g) * k**ndim
    assert row.params == weights + (out if bias else 0)
    assert row.macs == prod(sizes) * out * (c_in // g) * k**ndim
    assert row.flops == 2 * row.macs + (prod(sizes) * out if bias else 0)
    before, after = pads_for(p, spatial[0], k, s, d)
    size, jump, start = receptive_field_1d([(k, s, before, after, d)], spatial[0])
    assert (row.rf[0].size, row.rf[0].start) == (size, start)
    if jump is not None:
        assert row.rf[0].stride == jump


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


@pytest.mark.parametrize("channels, args, params, macs", [
    # ScaledStdConv2d(3, 8, 3, padding 1) on 3×10×10: 8 filters of 3·3·3 weights, 8 biases, 8 gains = 232;
    # MACs 8·10·10 outputs · 27 taps = 21,600
    (3, "{out: 8, kernel: 3, padding: 1}", 216 + 8 + 8, 21_600),
    # StdConv2d(8, 4, 1, bias=False): 4·8 weights, no gain; 4·100 outputs · 8 = 3,200
    (8, "{out: 4, kernel: 1, bias: false, gain: false}", 32, 3_200),
    # grouped, no padding: 8 filters of 4·3·3 (2 groups of 4 channels) + 8 gains; 8·8·8 outputs · 36 = 18,432
    (8, "{out: 8, kernel: 3, groups: 2, bias: false}", 8 * 4 * 9 + 8, 18_432),
])
def test_std_conv_counts_its_gain(channels, args, params, macs):
    row = one_layer((channels, 10, 10), f"std_conv: {args}")
    assert (row.params, row.state, row.macs) == (params, 0, macs)
    # FLOPs as a convolution's: 2·MACs + a bias add per output element (standardising reads the weights only)
    bias = 0 if "bias: false" in args else 8 * 10 * 10
    assert row.flops == 2 * macs + bias
