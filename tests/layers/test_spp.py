"""cnncalc/layers/spp.py: spatial pyramid pooling by SPPNet's window rule, and the inputs that rule does not fit.

Windows and strides (ceil and floor of size/n) are derived by hand beside each case and counted by
enumeration (tests/oracles.py).
"""

from __future__ import annotations

import pytest

from cnncalc.errors import SpecError

from conftest import one_layer, report_of
from oracles import window_starts


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
