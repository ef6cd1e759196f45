"""cnncalc/layers/pool.py: windowed and global pooling, every option, and the edge cases where cnncalc
once disagreed with PyTorch (found by tests/parity/test_layer_props.py).

Expected figures are derived in the test, independently of the code: output sizes and receptive fields by
enumerating what every output unit reads (the brute-force oracles of tests/oracles.py), parameters and MACs
by the formulas written beside each case from the layer's definition.
The pooling padding rule is PyTorch's, quoted from its error message.
"""

from __future__ import annotations

import pytest

from cnncalc.errors import SpecError

from conftest import one_layer
from oracles import pads_for, receptive_field_1d, window_counts, window_starts
from .helpers import prod


@pytest.mark.parametrize("shape, k, s, p, d, ceil", [
    ((3, 32, 32), 2, 2, 0, 1, False),
    ((64, 112, 112), 3, 2, 1, 1, False),
    ((64, 112, 112), 3, 2, 0, 1, True),
    ((96, 55, 55), 3, 2, 0, 1, False),        # AlexNet
    ((8, 10, 10), 3, 2, 0, 1, True),          # ceil adds a partial window
    ((8, 11, 11), 2, 2, 1, 1, True),          # ceil's extra window would start in the padding: dropped
    ((8, 6, 6), 2, 2, 1, 1, True),
    ((8, 13, 13), 3, 1, 0, 2, False),         # dilated pooling
    ((8, 16, 16), 3, 1, "same", 1, False),
    ((4, 30), 4, 3, 0, 1, True),              # 1-D
    ((4, 6, 9, 9), 2, 2, 0, 1, False),        # 3-D
])
@pytest.mark.parametrize("kind", ["maxpool", "avgpool", "sumpool"])
def test_pooling(kind, shape, k, s, p, d, ceil):
    row = one_layer(shape, f"{kind}: {{kernel: {k}, stride: {s}, padding: {p}, dilation: {d}, "
                           f"ceil_mode: {str(ceil).lower()}}}")
    c, spatial = shape[0], shape[1:]
    sizes = window_counts(spatial, p, k, s, d, ceil)
    assert row.output_shape == (c, *sizes)
    assert row.params == 0 and row.macs == 0
    window = k ** len(spatial)
    per_output = window if kind == "avgpool" else window - 1     # avg: k−1 adds + 1 divide
    assert row.flops == c * prod(sizes) * per_output
    before, after = pads_for(p, spatial[0], k, s, d)
    size, jump, start = receptive_field_1d([(k, s, before, after, d)], spatial[0])
    assert (row.rf[0].size, row.rf[0].start) == (size, start)


def test_pool_stride_defaults_to_kernel():
    row = one_layer((3, 32, 32), "maxpool: {kernel: 2}")
    assert row.output_shape == (3, 16, 16)


@pytest.mark.parametrize("kind, extra", [("global_avgpool", 1), ("global_maxpool", 0)])
def test_global_pooling(kind, extra):
    row = one_layer((512, 7, 7), f"{kind}: {{}}")
    assert row.output_shape == (512,)
    assert row.flops == 512 * (49 - 1 + extra)     # n−1 adds or comparisons (+ one division)
    # sees the whole 7-wide input: positions 0..6
    assert (row.rf[0].size, row.rf[0].start) == (7, 0)
    kept = one_layer((512, 7, 7), f"{kind}: {{keepdims: true}}")
    assert kept.output_shape == (512, 1, 1)


def test_pool_padding_limit_counts_taps_not_the_dilated_span():
    # torch: "pad should be smaller than or equal to half of kernel size" for k=3, d=2, pad=2, although the
    # dilated window spans 5
    with pytest.raises(SpecError, match="more than half"):
        one_layer((1, 9), "maxpool: {kernel: 3, stride: 1, padding: 2, dilation: 2}")
    row = one_layer((1, 9), "maxpool: {kernel: 3, stride: 1, padding: 1, dilation: 2}")
    assert row.output_shape == (1, len(window_starts(9, 3, 1, 1, 1, 2)))


@pytest.mark.parametrize("size, kernel, stride", [(1, 2, 2), (3, 5, 3), (2, 4, 3)])
def test_ceil_mode_keeps_a_window_larger_than_the_input(size, kernel, stride):
    # the one window overhangs the input by less than a stride: PyTorch's ceil_mode keeps it
    expected = len(window_starts(size, kernel, stride, 0, 0, 1, ceil_mode=True))
    assert expected == 1
    row = one_layer((2, size), f"maxpool: {{kernel: {kernel}, stride: {stride}, ceil_mode: true}}")
    assert row.output_shape == (2, expected)


@pytest.mark.parametrize("size, kernel, stride", [(1, 3, 2), (1, 2, 1), (2, 5, 2)])
def test_ceil_mode_still_rejects_a_window_overhanging_by_a_stride(size, kernel, stride):
    assert window_starts(size, kernel, stride, 0, 0, 1, ceil_mode=True) == []
    with pytest.raises(SpecError, match="larger than the padded input"):
        one_layer((2, size), f"maxpool: {{kernel: {kernel}, stride: {stride}, ceil_mode: true}}")


@pytest.mark.parametrize("shape, k, s, p", [
    ((128, 58, 58), 3, 2, 0),                 # TResNet-M's layer2 blur: reflect-padded 56 → 58, output 28
    ((8, 9, 9), 3, 2, 1),
    ((8, 16, 16), 4, 2, "same"),
    ((4, 30), 5, 3, 0),                       # 1-D
    ((2, 6, 9, 9), 3, 2, 0),                  # 3-D
])
def test_blurpool_is_counted_as_its_depthwise_convolution(shape, k, s, p):
    row = one_layer(shape, f"blurpool: {{kernel: {k}, stride: {s}, padding: {p}}}")
    c, spatial = shape[0], shape[1:]
    sizes = window_counts(spatial, p, k, s, 1, False)
    assert row.output_shape == (c, *sizes)
    # the fixed filter is no parameter and no state (timm's non-persistent buffer); one multiply-accumulate per
    # tap per channel and output position, as torch's FlopCounterMode counts F.conv2d(x, filt, groups=C)
    assert (row.params, row.state) == (0, 0)
    assert row.macs == c * prod(sizes) * k ** len(spatial) and row.flops == 2 * row.macs
    before, after = pads_for(p, spatial[0], k, s, 1)
    size, _, start = receptive_field_1d([(k, s, before, after, 1)], spatial[0])
    assert (row.rf[0].size, row.rf[0].start) == (size, start)


def test_blurpool_defaults_and_tresnet_figure():
    # TResNet-M layer2's blur by hand: 128 channels, 58×58 (56 reflect-padded by 1) → 28×28, 3×3 taps:
    # 128·28·28·9 = 903,168 MACs
    row = one_layer((128, 58, 58), "blurpool: {}")
    assert row.output_shape == (128, 28, 28) and row.macs == 903_168


def test_blurpool_needs_two_taps():
    with pytest.raises(SpecError, match="at least 2 taps"):
        one_layer((3, 8, 8), "blurpool: {kernel: [3, 1]}")


def test_binomial_rows():
    from fractions import Fraction as F

    from cnncalc.layers.pool import binomial
    # Pascal's triangle over its row sums (Zhang 2019, Table: filters [1, 1], [1, 2, 1], [1, 3, 3, 1], ...)
    assert binomial(2) == (F(1, 2), F(1, 2))
    assert binomial(3) == (F(1, 4), F(1, 2), F(1, 4))
    assert binomial(5) == (F(1, 16), F(4, 16), F(6, 16), F(4, 16), F(1, 16))
