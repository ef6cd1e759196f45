"""cnncalc/layers/separable.py: depthwise and separable convolutions, and MobileNet's cost ratio.

Expected figures are derived in the test, independently of the code: output sizes and receptive fields by
enumerating what every output unit reads (the brute-force oracles of tests/oracles.py), parameters and MACs
by the formulas written beside each case from the layer's definition.
A separable convolution also equals a grouped conv followed by a 1×1 conv.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from conftest import one_layer, report_of
from oracles import window_starts
from .helpers import prod


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
