"""cnncalc/layers/structure.py: concat and add, and merging receptive fields of different strides.

Expected figures are derived in the test, independently of the code: output sizes and receptive fields by
enumerating what every output unit reads (the brute-force oracles of tests/oracles.py), parameters and MACs
by the formulas written beside each case from the layer's definition.
"""

from __future__ import annotations



def test_concat_and_add():
    from conftest import report_of
    report = report_of("""
        input: [8, 10, 10]
        layers:
          - {name: a, conv: {out: 4, kernel: 3, padding: 1}}
          - {name: b, from: input, conv: {out: 6, kernel: 5, padding: 2}}
          - {name: c, from: [a, b], concat: {}}
          - {name: d, from: input, conv: {out: 10, kernel: 1}}
          - {name: e, from: [c, d], add: {}}
    """)
    rows = {row.name: row for row in report.rows}
    assert rows["c"].output_shape == (10, 10, 10)
    assert rows["c"].flops == 0
    assert rows["e"].flops == 10 * 10 * 10           # one addition per element for two inputs
    # union of fields: a sees [-1, 2), b sees [-2, 3) → [-2, 3): size 5, start -2
    assert (rows["c"].rf[0].size, rows["c"].rf[0].start) == (5, -2)
    assert (rows["e"].rf[0].size, rows["e"].rf[0].start) == (5, -2)


def test_merge_with_disagreeing_strides_is_flagged():
    from conftest import report_of
    # both branches give 8×8 from 16×16: a 9-wide window at stride 1 (jump 1), a 2-wide at stride 2 (jump 2)
    report = report_of("""
        input: [3, 16, 16]
        layers:
          - {name: a, conv: {out: 4, kernel: 9}}
          - {name: b, from: input, conv: {out: 4, kernel: 2, stride: 2}}
          - {name: c, from: [a, b], concat: {}}
    """)
    c = report.rows[-1]
    assert c.output_shape == (8, 8, 8)
    assert c.rf[0].size is None and c.rf[0].stride is None
    assert any(w.layer == "c" and "disagree" in w.message for w in report.warnings)


def test_merging_single_positions_needs_no_common_stride():
    """A text CNN: branches of kernel 3 and 5 over 10 tokens, each max-pooled over all positions, then
    joined. Each branch ends with one position, so the differing 'strides' (10−3+1 = 8 and 6 positions)
    mean nothing: no warning, and the union sees every token (0..9)."""
    from conftest import report_of
    report = report_of("""
        input: [4, 10]
        layers:
          - name: feats
            concat:
              - [{conv: {out: 2, kernel: 3}}, global_maxpool]
              - [{conv: {out: 2, kernel: 5}}, global_maxpool]
          - dense: {out: 2}
    """)
    feats = next(row for row in report.rows if row.name == "feats")
    assert (feats.rf[0].size, feats.rf[0].start) == (10, 0)
    assert report.warnings == ()
    assert (report.output_rf[0].size, report.output_rf[0].start) == (10, 0)
