"""cnncalc/layers/scale.py: ConvNeXt's layer scale, one learnt factor per channel."""

from __future__ import annotations

from conftest import one_layer


def test_scale_counts():
    # γ of shape (C, 1, 1) = 96 parameters; one multiply per element, 96·7·7 = 4,704; a product that is not
    # accumulated is no MAC
    row = one_layer((96, 7, 7), "scale")
    assert row.output_shape == (96, 7, 7)
    assert (row.params, row.macs, row.flops) == (96, 0, 4704)
    assert one_layer((10,), "scale").params == 10        # a flat input: its N features are the channels
