"""cnncalc/layers/norm.py: batchnorm's parameters and state by its options (2 per channel each); layer, group
and instance normalisation's parameters, state, FLOPs and what they keep, worked out by hand beside each case.
"""

from __future__ import annotations

import pytest

from cnncalc.errors import SpecError
from cnncalc.layers.base import Kept
from cnncalc.spec import parse_spec
from conftest import one_layer, report_of


@pytest.mark.parametrize("args, params, state", [
    ("{}", 2 * 32, 2 * 32),
    ("{affine: false}", 0, 2 * 32),
    ("{track_running_stats: false}", 2 * 32, 0),
])
def test_batchnorm(args, params, state):
    row = one_layer((32, 8, 8), f"batchnorm: {args}")
    assert (row.params, row.state) == (params, state)
    assert row.flops == 2 * 32 * 8 * 8


# layer, group and instance norm: per group of n values 6n + 2 FLOPs, + 2 per value with affine
# (docs/conventions.md); the figures below are that rule worked out by hand for each case

@pytest.mark.parametrize("args, params, flops", [
    # over the 6 channels at each of 4·5 = 20 positions: 20 groups of 6; γ, β of 6 each
    ("{}", 2 * 6, 6 * 120 + 2 * 20 + 2 * 120),
    ("{affine: false}", 0, 6 * 120 + 2 * 20),
    # over all 120 values: one group; γ and β of shape [6, 4, 5]
    ("{over: all}", 2 * 120, 6 * 120 + 2 + 2 * 120),
    ("{over: all, affine: false, eps: 1.0e-6}", 0, 6 * 120 + 2),
])
def test_layernorm(args, params, flops):
    row = one_layer((6, 4, 5), f"layernorm: {args}")
    assert (row.output_shape, row.params, row.state, row.macs, row.flops) == ((6, 4, 5), params, 0, 0, flops)


def test_layernorm_on_a_flat_input_normalises_all_channels():
    # [10]: one position, so over channels = over all: one group of 10, γ and β of 10
    rows = [one_layer((10,), f"layernorm: {{over: {over}}}") for over in ("channels", "all")]
    assert [(r.params, r.flops) for r in rows] == [(20, 6 * 10 + 2 + 2 * 10)] * 2


@pytest.mark.parametrize("args, params, flops", [
    # 8 channels in 2 groups of 4 channels · 9 positions = 36 values; γ, β per channel
    ("{groups: 2}", 16, 6 * 72 + 2 * 2 + 2 * 72),
    ("{groups: 8, affine: false}", 0, 6 * 72 + 2 * 8),
])
def test_groupnorm(args, params, flops):
    row = one_layer((8, 3, 3), f"groupnorm: {args}")
    assert (row.output_shape, row.params, row.state, row.flops) == ((8, 3, 3), params, 0, flops)


def test_groupnorm_groups_must_divide_the_channels(cli, write):
    code, _, err = cli("analyze", write("input: [6, 4, 4]\nlayers:\n  - groupnorm: {groups: 4}\n"))
    assert code == 2
    assert "spec.yaml:3:" in err and "4 groups do not divide the 6 input channels" in err


@pytest.mark.parametrize("args, params, state, flops", [
    # torch's defaults: no γ, β, no running statistics; 5 channels, each over 7 positions
    ("{}", 0, 0, 6 * 35 + 2 * 5),
    ("{affine: true}", 10, 0, 6 * 35 + 2 * 5 + 2 * 35),
    # running statistics: state 2·C, and inference normalises with them as batchnorm (2 per element)
    ("{track_running_stats: true}", 0, 10, 2 * 35),
    ("{affine: true, track_running_stats: true}", 10, 10, 2 * 35),
])
def test_instancenorm(args, params, state, flops):
    row = one_layer((5, 7), f"instancenorm: {args}")
    assert (row.output_shape, row.params, row.state, row.flops) == ((5, 7), params, state, flops)


def test_instancenorm_needs_spatial_axes():
    with pytest.raises(SpecError, match=r"instancenorm needs an input shaped \[C, L\]"):
        one_layer((5,), "instancenorm: {}")


@pytest.mark.parametrize("text, kept", [
    # per sample, besides the input: mean and 1/σ of each group, fp32 (torch's native_layer_norm / group_norm)
    ("layernorm: {}", 2 * 4 * 5),
    ("layernorm: {over: all}", 2),
    ("groupnorm: {groups: 3}", 2 * 3),
    # torch's instance norm is a batch norm of [1, B·C, ...]: mean and 1/σ per channel, and its per-sample
    # copies of γ and of the running mean and variance
    ("instancenorm: {}", 2 * 6),
    ("instancenorm: {affine: true}", 3 * 6),
    ("instancenorm: {affine: true, track_running_stats: true}", 5 * 6),
])
def test_own_statistics_keep_their_input_and_statistics(text, kept):
    report = report_of(f"input: [6, 4, 5]\nlayers:\n  - {text}\n")
    layer = parse_spec(f"input: [6, 4, 5]\nlayers:\n  - {{name: n, {text}}}\n").graph.nodes["n"].layer
    assert layer.saved_for_backward([(6, 4, 5)], (6, 4, 5)) == (Kept(input=0), Kept(elements=kept, bits=32))
    assert report.rows[1].output_shape == (6, 4, 5)


def test_instancenorm_of_one_position_is_refused_without_running_statistics():
    # each channel would be normalised over one value (torch's _verify_spatial_size refuses it)
    with pytest.raises(SpecError, match="over its positions"):
        one_layer((5, 1, 1), "instancenorm: {}")
    assert one_layer((5, 1, 1), "instancenorm: {track_running_stats: true}").state == 10
