"""cnncalc/layers/pixel.py: pixel shuffle and unshuffle move data between channels and positions."""

from __future__ import annotations

import pytest

from cnncalc.errors import SpecError
from conftest import one_layer, report_of


@pytest.mark.parametrize("order", ["crd", "dcr"])
def test_shapes_and_counts(order):
    # [12, 5, 7] shuffled by 2: [12/4, 10, 14] = [3, 10, 14]; unshuffled [3, 10, 14] by 2 back to [12, 5, 7];
    # data moved only: 0 parameters, MACs, FLOPs
    row = one_layer((12, 5, 7), f"{{pixel_shuffle: {{factor: 2, order: {order}}}}}")
    assert (row.output_shape, row.params, row.macs, row.flops) == ((3, 10, 14), 0, 0, 0)
    row = one_layer((3, 10, 14), f"{{pixel_unshuffle: {{factor: 2, order: {order}}}}}")
    assert (row.output_shape, row.params, row.macs, row.flops) == ((12, 5, 7), 0, 0, 0)


def test_sizes_that_do_not_divide_are_errors():
    with pytest.raises(SpecError, match="10 input channels do not divide by factor² = 4"):
        one_layer((10, 4, 4), "{pixel_shuffle: {factor: 2}}")
    with pytest.raises(SpecError, match="the size 9×8 does not divide by the factor 3"):
        one_layer((2, 9, 8), "{pixel_unshuffle: {factor: 3}}")
    with pytest.raises(SpecError, match=r"needs an input shaped \[C, H, W\]"):
        one_layer((4, 8), "{pixel_unshuffle: {factor: 2}}")


def test_receptive_fields():
    # unshuffle by 4 after a 3×3 conv (field 3, jump 1, start −1): output unit 0 reads input rows 0..3, so
    # size 3 + (4 − 1)·1 = 6, jump 4, start −1. Shuffle by 2 after it: nearest upsampling's window (span 3/2,
    # stride 1/2, offset −1/2): size 6 + (3/2 − 1)·4 = 8, jump 2, start −1 − 1/2·4 = −3, clamped into the
    # input's reads (its fields cover [−1, 16 + 1)): unit 0 sees [−1, −3 + 8) = [−1, 5), start −1; the
    # largest field, of a unit away from the edges, is size 8
    report = report_of("input: [1, 16, 16]\nlayers:\n  - {conv: {out: 8, kernel: 3, padding: 1}}\n"
                       "  - {pixel_unshuffle: {factor: 4}}\n  - {pixel_shuffle: {factor: 2}}\n")
    unshuffle, shuffle = report.rows[2], report.rows[3]
    for axis in (0, 1):
        assert (unshuffle.rf[axis].size, unshuffle.rf[axis].stride, unshuffle.rf[axis].start) == (6, 4, -1)
        assert (shuffle.rf[axis].size, shuffle.rf[axis].stride, shuffle.rf[axis].start) == (8, 2, -1)
