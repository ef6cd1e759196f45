"""cnncalc/layers/learnable.py: a class token and a position embedding, learnt tensors joined to a sequence."""

from __future__ import annotations

import pytest

from cnncalc.errors import SpecError
from conftest import one_layer, report_of


def test_class_token_counts():
    # 768 channels, 196 patches, one token: [768, 197], 768 parameters, no arithmetic (ViT-B/16's)
    row = one_layer((768, 196), "class_token")
    assert (row.output_shape, row.params, row.macs, row.flops) == ((768, 197), 768, 0, 0)
    assert one_layer((8, 5), "{class_token: {tokens: 3}}").params == 24
    with pytest.raises(SpecError, match=r"needs a sequence shaped \[C, L\]"):
        one_layer((8, 5, 5), "class_token")


def test_position_embedding_counts():
    # ViT-B/16's: [768, 197], 768·197 = 151,296 parameters and adds
    row = one_layer((768, 197), "position_embedding")
    assert (row.output_shape, row.params, row.macs, row.flops) == ((768, 197), 151_296, 0, 151_296)


def test_receptive_field_of_a_token_is_a_shift():
    # a 3-wide conv (field 3, start −1) then one token: output unit o ≥ 1 is input o − 1, so start −1 − 1 = −2
    report = report_of("input: [2, 9]\nlayers:\n  - {conv: {out: 4, kernel: 3, padding: 1}}\n  - class_token\n")
    rf = report.rows[-1].rf[0]
    assert (rf.size, rf.stride, rf.start) == (3, 1, -2)
