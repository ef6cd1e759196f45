"""cnncalc/layers/norm.py: batchnorm's parameters and state by its options (2 per channel each).
"""

from __future__ import annotations

import pytest

from conftest import one_layer


@pytest.mark.parametrize("args, params, state", [
    ("{}", 2 * 32, 2 * 32),
    ("{affine: false}", 0, 2 * 32),
    ("{track_running_stats: false}", 2 * 32, 0),
])
def test_batchnorm(args, params, state):
    row = one_layer((32, 8, 8), f"batchnorm: {args}")
    assert (row.params, row.state) == (params, state)
    assert row.flops == 2 * 32 * 8 * 8
