"""cnncalc/execute/split.py: a part is its slice of the channels."""

from __future__ import annotations

import numpy as np
import pytest

from cnncalc.record import replace

from .helpers import make, run


@pytest.mark.parametrize("args, bounds", [({"sizes": [2, 5, 1]}, [(0, 2), (2, 7), (7, 8)]),
                                          ({"parts": 4}, [(0, 2), (2, 4), (4, 6), (6, 8)])])
def test_each_part_is_its_channels(args, bounds):
    x = np.arange(8 * 3 * 2, dtype=float).reshape(8, 3, 2)
    entry = make("split", **args)
    for index, (start, end) in enumerate(bounds):
        got, drawn = run(replace(entry, part=index), x)
        assert drawn == {} and np.array_equal(got, x[start:end])
    assert np.array_equal(run(entry, x)[0], x[bounds[-1][0]:])      # the entry itself: its last part
