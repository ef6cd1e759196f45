"""cnncalc/execute/spp.py: SPPNet's bins and their order, by enumerating its window rule.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from .helpers import make, rand, run


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("shape, levels", [((2, 13, 13), [6, 3, 2, 1]), ((3, 10, 7), [4, 2]), ((2, 9), [1, 3]),
                                           ((1, 5, 6, 4), [2, 1])])
def test_spp_bins_and_order(shape, levels, mode):
    x = rand(*shape)
    got, _ = run(make("spp", levels=levels, mode=mode), x)
    expected = []
    for n in levels:
        # SPPNet: window ceil(size/n), stride floor(size/n), every window that fits, no padding
        per_axis_bins = []
        for size in shape[1:]:
            window, stride = math.ceil(size / n), math.floor(size / n)
            per_axis_bins.append([range(st, st + window) for st in range(0, size - window + 1, stride)])
        for c in range(shape[0]):                         # channels outermost within a level
            for box in itertools.product(*per_axis_bins):
                values = [x[(c, *q)] for q in itertools.product(*box)]
                expected.append(max(values) if mode == "max" else sum(values) / len(values))
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_spp_zf5_level_6_on_13():
    # window ceil(13/6) = 3, stride floor(13/6) = 2: starts 0, 2, ..., 10 → 6 bins, the last reading 10..12
    x = np.arange(13.0)[None, :]
    got, _ = run(make("spp", levels=[6]), x)
    assert got.tolist() == [2.0, 4.0, 6.0, 8.0, 10.0, 12.0]
