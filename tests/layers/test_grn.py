"""cnncalc/layers/grn.py: ConvNeXt V2's global response normalisation."""

from __future__ import annotations

from cnncalc.layers.base import Kept, WHOLE
from cnncalc.layers.grn import GRN
from conftest import one_layer


def test_grn_counts():
    # γ and β per channel: 2·40 = 80 parameters, no MACs. FLOPs by the rule: 6 per element over 40·7·7 = 1,960
    # elements, 11,760; 3 per channel, 120; 2 for the mean: 11,882
    row = one_layer((40, 7, 7), "grn")
    assert (row.output_shape, row.params, row.state, row.macs, row.flops) == ((40, 7, 7), 80, 0, 0, 11_882)


def test_grn_sees_the_whole_input_and_keeps_what_torch_keeps():
    layer = GRN.from_args({})
    assert layer.infer([(4, 3, 3)]).rf == WHOLE
    # the input, x·N (36 elements), G and N (4 each) and the denominator (1): 9
    assert layer.saved_for_backward([(4, 3, 3)], (4, 3, 3)) == (Kept(input=0), Kept(elements=36), Kept(elements=9))
