"""cnncalc/layers/routing.py: identity, stochastic_depth and channel_shuffle keep the shape and do no
arithmetic; what each keeps for backward; channel_shuffle's groups must divide the channels.
"""

from __future__ import annotations

import pytest

from cnncalc.errors import SpecError
from cnncalc.layers import lookup
from cnncalc.layers.base import Kept

from conftest import one_layer


@pytest.mark.parametrize("layer", ["identity", "stochastic_depth", "{stochastic_depth: {rate: 0.9, mode: batch}}",
                                   "{channel_shuffle: {groups: 3}}", "{channel_shuffle: {groups: 6}}"])
def test_shape_kept_no_arithmetic(layer):
    row = one_layer((6, 4, 5), layer)
    assert row.output_shape == (6, 4, 5)
    assert (row.params, row.macs, row.flops) == (0, 0, 0)


def test_the_rate_changes_no_count():
    rows = [one_layer((4, 3, 3), f"{{stochastic_depth: {{rate: {rate}}}}}") for rate in (0, 0.1, 0.5)]
    assert {(r.params, r.flops, r.activation_elements) for r in rows} == {(0, 0, 4 * 3 * 3)}


def test_stochastic_depth_keeps_its_random_factor():
    # torchvision: noise of shape [N, 1, 1, 1] (row) or [1, 1, 1, 1] (batch), no noise at rate 0
    row = lookup("stochastic_depth").from_args({"rate": 0.2})
    batch = lookup("stochastic_depth").from_args({"rate": 0.2, "mode": "batch"})
    none = lookup("stochastic_depth").from_args({"rate": 0})
    shape = (4, 3, 3)
    assert row.saved_for_backward([shape], shape) == (Kept(elements=1, per_sample=True),)
    assert batch.saved_for_backward([shape], shape) == (Kept(elements=1, per_sample=False),)
    assert none.saved_for_backward([shape], shape) == ()


def test_identity_is_a_view_channel_shuffle_a_copy():
    assert lookup("identity").view and not lookup("channel_shuffle").view
    assert not lookup("channel_shuffle").in_place


@pytest.mark.parametrize("layer, message", [
    ("{channel_shuffle: {groups: 4}}", "groups (4) must divide the channels (6)"),
    ("{stochastic_depth: {rate: 1.5}}", "'rate' must be in [0, 1]"),     # 1 is accepted, as torchvision's
    ("{stochastic_depth: {mode: col}}", "'mode' must be one of row, batch"),
])
def test_bad_arguments(layer, message):
    with pytest.raises(SpecError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        one_layer((6, 4, 5), layer)
