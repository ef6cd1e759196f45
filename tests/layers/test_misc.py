"""cnncalc/layers/misc.py: lrn, pad, reshape and embedding (with Kim's text CNN).

Figures are derived by hand beside each case, from each layer's definition.
"""

from __future__ import annotations

import pytest

from cnncalc.errors import SpecError

from conftest import one_layer, report_of


@pytest.mark.parametrize("size", [5, 3])
def test_lrn(size):
    row = one_layer((96, 55, 55), f"lrn: {{size: {size}}}")
    # square, n−1 adds, scale, add k, power, divide
    assert row.flops == (1 + size - 1 + 4) * 96 * 55 * 55
    assert row.params == 0 and row.output_shape == (96, 55, 55)


@pytest.mark.parametrize("padding, mode, out, start", [
    (1, "constant", (3, 7, 8), -1),
    ("[[2, 0], [0, 3]]", "reflect", (3, 7, 9), -2),
    ("[0, 2]", "replicate", (3, 5, 10), 0),
])
def test_pad(padding, mode, out, start):
    row = one_layer((3, 5, 6), f"pad: {{padding: {padding}, mode: {mode}}}")
    assert row.output_shape == out and row.flops == 0
    assert (row.rf[0].size, row.rf[0].stride, row.rf[0].start) == (1, 1, start)
    with pytest.raises(SpecError):
        one_layer((3, 5, 6), "pad: {padding: same}")
    with pytest.raises(SpecError, match="reflect"):
        one_layer((3, 5, 6), "pad: {padding: 5, mode: reflect}")


def test_reshape():
    assert one_layer((64, 7, 7), "reshape: {shape: [64, -1]}").output_shape == (64, 49)
    assert one_layer((64, 7, 7), "reshape: {shape: [3136]}").output_shape == (3136,)
    with pytest.raises(SpecError, match="cannot reshape"):
        one_layer((64, 7, 7), "reshape: {shape: [50, -1]}")
    report = report_of("""
        input: [4, 6, 6]
        layers:
          - conv: {out: 2, kernel: 3}
          - reshape: {shape: [32]}
          - dense: {out: 3}
          - reshape: {shape: [3, 1]}
    """)
    dense, odd = report.rows[3], report.rows[4]
    assert dense.rf[0].size == 6           # the reshape to one axis acts as flatten: dense sees all 6
    assert odd.rf[0].size is None          # an axis-changing reshape: unknown, not guessed


def test_embedding_and_text_cnn():
    # Kim (2014): 50 tokens, 300-d embeddings of a 10,000-word vocabulary, 100 filters of 3 tokens
    report = report_of("""
        input: [1, 50]
        layers:
          - embedding: {vocab: 10000, dim: 300}
          - conv: {out: 100, kernel: 3}
          - relu
          - global_maxpool
          - dense: {out: 2}
    """)
    emb, conv = report.rows[1], report.rows[2]
    assert emb.output_shape == (300, 50)
    assert (emb.params, emb.macs, emb.flops) == (10000 * 300, 0, 0)
    assert conv.output_shape == (100, 48)
    assert conv.params == 100 * 300 * 3 + 100
    assert conv.macs == 48 * 100 * 300 * 3
    assert (conv.rf[0].size, conv.rf[0].start) == (3, 0)       # three tokens
    assert one_layer((50,), "embedding: {vocab: 10, dim: 8}").output_shape == (8, 50)


def test_reshape_takes_any_rank_up_to_eight_axes():
    # a shape of 5 or 6 axes is a window partition or a space-to-depth view (issue 22); 21 axes were once
    # accepted that nothing could use (issue 14): more than 8 are refused
    from cnncalc.errors import SpecError
    from cnncalc.spec import parse_spec
    with pytest.raises(SpecError, match="'shape' has 9 axes; a shape has at most 8"):
        parse_spec("input: [4, 8, 8]\nlayers:\n  - {reshape: {shape: [1, 1, 1, 1, 1, 1, 1, 1, 256]}}\n")
    report = one_layer((4, 8, 8), "reshape: {shape: [4, 2, 4, 2, 4]}")
    assert report.output_shape == (4, 2, 4, 2, 4)        # 4·8·8 = 256 = 4·2·4·2·4
