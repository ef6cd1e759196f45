"""cnncalc/layers/linear.py: nn.Linear over the channels at every position. Figures by hand beside each case,
and checked against the equal 1×1 convolution and, on a flat input, against dense."""

from __future__ import annotations

import pytest

from conftest import one_layer, report_of


@pytest.mark.parametrize("bias", [True, False])
def test_linear_at_every_position(bias):
    # ConvNeXt-T's first pwconv: 96 → 384 at 56·56 = 3,136 positions
    row = one_layer((96, 56, 56), f"linear: {{out: 384, bias: {str(bias).lower()}}}")
    assert row.output_shape == (384, 56, 56)
    assert row.params == 96 * 384 + (384 if bias else 0)            # 36,864 (+ 384)
    assert row.macs == 3136 * 96 * 384                              # 115,605,504
    assert row.flops == 2 * 3136 * 96 * 384 + (3136 * 384 if bias else 0)


@pytest.mark.parametrize("shape", [(5, 3, 4), (5, 6), (5, 2, 3, 2)])
def test_linear_equals_the_one_by_one_convolution(shape):
    ours = one_layer(shape, "linear: {out: 7}")
    conv = one_layer(shape, "conv: {out: 7, kernel: 1}")
    assert (ours.output_shape, ours.params, ours.macs, ours.flops, ours.rf) == \
        (conv.output_shape, conv.params, conv.macs, conv.flops, conv.rf)


def test_linear_on_a_flat_input_is_dense():
    report = report_of("""
        input: [2, 5, 5]
        layers:
          - flatten
          - {name: a, linear: {out: 10}}
          - {name: b, from: flatten1, dense: {out: 10}}
    """)
    a, b = report.rows[2], report.rows[3]
    # 50 inputs · 10 + 10; both see the whole 5×5 input
    assert (a.output_shape, a.params, a.macs, a.flops) == ((10,), 510, 500, 1010)
    assert (a.output_shape, a.params, a.macs, a.flops, a.rf) == (b.output_shape, b.params, b.macs, b.flops, b.rf)
    assert (a.rf[0].size, a.rf[0].start) == (5, 0)


def test_linear_is_elementwise_across_space():
    report = report_of("""
        input: [2, 9, 9]
        layers:
          - conv: {out: 4, kernel: 3}
          - linear: {out: 3}
    """)
    conv, linear = report.rows[1], report.rows[2]
    assert linear.rf == conv.rf and (linear.rf[0].size, linear.rf[0].stride) == (3, 1)


def test_explain_works_the_linear_out(cli, write):
    code, out, _ = cli("explain", write("input: [4, 3, 3]\nlayers:\n  - {name: l, linear: {out: 5}}\n"), "l")
    assert code == 0
    # 1·1 kernel · 4 channels · 5 outputs + 5 biases = 25; MACs 5·3·3 outputs · 4 = 180
    assert "= 25" in out and "= 180" in out
