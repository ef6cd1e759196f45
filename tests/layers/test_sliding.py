"""cnncalc/layers/sliding.py: the geometry every sliding window shares (dilation), across conv and pools.

Expected figures are derived in the test, independently of the code: output sizes and receptive fields by
enumerating what every output unit reads (the brute-force oracles of tests/oracles.py), parameters and MACs
by the formulas written beside each case from the layer's definition.
"""

from __future__ import annotations

import pytest

from conftest import one_layer
from oracles import receptive_field_1d


@pytest.mark.parametrize("layer", ["conv: {out: 4, kernel: 3, dilation: 2}", "maxpool: {kernel: 3, stride: 1, "
                                   "dilation: 2}", "avgpool: {kernel: 3, stride: 1, dilation: 2}",
                                   "sumpool: {kernel: 3, stride: 1, dilation: 2}"])
def test_a_3x3_kernel_with_dilation_2_sees_5x5(layer):
    row = one_layer((4, 9, 9), layer)
    # taps at 0, 2, 4 on each axis: positions 0..4, a 5×5 field, so 9 − 5 + 1 = 5 outputs per axis
    assert [(a.size, a.start) for a in row.rf] == [(5, 0), (5, 0)]
    assert receptive_field_1d([(3, 1, 0, 0, 2)], 9) == (5, 1, 0)
    assert row.output_shape[1:] == (5, 5)
