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


def test_squeeze_and_excitation_gate_broadcasts():
    """features [8, 6, 6] (3×3 conv, padding 1: field 3, stride 1, start −1 per axis); the gate pooled from
    them [8, 1, 1]: one window over the 6 positions, field 3 + 5·1 = 8 from −1. The product [8, 6, 6]: one
    multiplication per output element (8·6·6 = 288). Unit u of the features sees −1+u .. 1+u, inside the
    gate's −1 .. 6, so every unit of the product sees exactly −1 .. 6: size 8, stride 0."""
    from conftest import report_of
    report = report_of("""
        input: [3, 6, 6]
        layers:
          - {name: features, conv: {out: 8, kernel: 3, padding: 1}}
          - {global_avgpool: {keepdims: true}}
          - {name: gate, sigmoid: {}}
          - {name: excite, from: [features, gate], mul: {}}
          - {name: sum, from: [gate, features], add: {}}
          - {name: three, from: [features, gate, excite], mul: {}}
    """)
    rows = {row.name: row for row in report.rows}
    for name in ("excite", "sum"):
        assert rows[name].output_shape == (8, 6, 6)
        assert rows[name].flops == 288 and rows[name].params == 0
        assert [(a.size, a.stride, a.start) for a in rows[name].rf] == [(8, 0, -1)] * 2
    assert rows["three"].flops == 2 * 288                  # (3 − 1) multiplications per element
    assert not any("disagree" in w.message for w in report.warnings)


def test_broadcast_on_channels_and_between_two_sizes():
    from conftest import report_of
    # [1, 4, 4] × [5, 4, 4]: the one channel repeated, 5·4·4 = 80 products; [5, 1, 4] × [5, 4, 1] → [5, 4, 4]
    report = report_of("""
        input: [5, 4, 4]
        layers:
          - {name: one, conv: {out: 1, kernel: 1}}
          - {name: spatial, from: [one, input], mul: {}}
          - {name: rows, from: input, adaptive_avgpool: {size: [1, 4]}}
          - {name: cols, from: input, adaptive_avgpool: {size: [4, 1]}}
          - {name: grid, from: [rows, cols], add: {}}
    """)
    rows = {row.name: row for row in report.rows}
    assert rows["spatial"].output_shape == (5, 4, 4) and rows["spatial"].flops == 80
    assert rows["grid"].output_shape == (5, 4, 4) and rows["grid"].flops == 80


def test_a_broadcast_field_that_misses_some_units_is_unknown():
    """Input [2, 3, 4]; a gate from rows 0 .. 1 only (a 2×1 max pooling at stride 2 leaves one row, which
    sees rows 0 and 1). On H, unit u of the input sees row u, so the product's unit 0 sees rows 0 .. 1 and
    unit 2 rows 0 .. 2: the fields do not move by a stride, and the analysis says unknown, with a warning.
    On W nothing is broadcast: both inputs see column u at unit u (size 1, stride 1, start 0)."""
    from conftest import report_of
    report = report_of("""
        input: [2, 3, 4]
        layers:
          - {name: top, maxpool: {kernel: [2, 1], stride: [2, 1]}}
          - {name: gated, from: [input, top], mul: {}}
    """)
    gated = report.rows[-1]
    assert report.rows[1].output_shape == (2, 1, 4)        # (3 − 2)//2 + 1 = 1 row
    assert gated.output_shape == (2, 3, 4)
    # H: the gate sees rows 0 .. 1 for every unit, unit u of the input row u: unit 2 is outside 0 .. 1
    assert gated.rf[0].size is None
    # W: no broadcast, both at stride 1 from 0, size 1
    assert (gated.rf[1].size, gated.rf[1].stride, gated.rf[1].start) == (1, 1, 0)
    assert any(w.layer == "gated" for w in report.warnings)


def test_shapes_that_do_not_broadcast_are_refused():
    from conftest import report_of
    from cnncalc.errors import SpecError
    import pytest
    for other in ("[3, 4, 4]", "[2, 2, 4]"):
        with pytest.raises(SpecError, match="mul needs inputs of one shape, or shapes that broadcast"):
            report_of(f"""
                input: [2, 4, 4]
                layers:
                  - {{name: a, adaptive_avgpool: {{size: [4, 4]}}}}
                  - {{name: b, from: input, {"conv: {out: 3, kernel: 1}" if other.startswith("[3") else "adaptive_avgpool: {size: [2, 4]}"}}}
                  - {{from: [a, b], mul: {{}}}}
            """)
