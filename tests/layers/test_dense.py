"""cnncalc/layers/dense.py: `dense` and its aliases, after a flatten.

Expected figures are derived in the test, independently of the code: output sizes and receptive fields by
enumerating what every output unit reads (the brute-force oracles of tests/oracles.py), parameters and MACs
by the formulas written beside each case from the layer's definition.
"""

from __future__ import annotations

import pytest

from conftest import one_layer, report_of


@pytest.mark.parametrize("bias", [True, False])
def test_dense(bias):
    row = one_layer((4096,), f"dense: {{out: 1000, bias: {str(bias).lower()}}}")
    assert row.output_shape == (1000,)
    assert row.params == 4096 * 1000 + (1000 if bias else 0)
    assert row.macs == 4096 * 1000
    assert row.flops == 2 * 4096 * 1000 + (1000 if bias else 0)


def test_dense_alias():
    # 10 inputs · 3 outputs + 3 biases (`linear` is its own type now: tests/layers/test_linear.py)
    assert one_layer((10,), "fc: {out: 3}").params == 33


def test_flatten_then_dense_sees_everything():
    report = report_of("""
        input: [2, 5, 5]
        layers:
          - conv: {out: 4, kernel: 3}
          - flatten
          - dense: {out: 10}
    """)
    flat, dense = report.rows[2], report.rows[3]
    assert flat.output_shape == (4 * 3 * 3,)
    # the conv's 3 output positions per axis each see 3 inputs: together all 5
    assert (dense.rf[0].size, dense.rf[0].start) == (5, 0)
    assert dense.params == 36 * 10 + 10
