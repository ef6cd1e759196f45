"""Pooling edge cases where cnncalc once disagreed with PyTorch (found by tests/parity/test_layer_props.py).

Expected sizes come from the brute-force window enumeration in tests/oracle.py; the padding rule is
PyTorch's, quoted from its error message.
"""

from __future__ import annotations

import pytest

from cnncalc.errors import SpecError
from conftest import one_layer
from oracle import window_starts


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
