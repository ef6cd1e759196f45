"""cnncalc/layers/arith.py: element-wise arithmetic with a constant, sqrt and rsqrt."""

from __future__ import annotations

import pytest

from cnncalc.errors import SpecError
from cnncalc.layers.base import Kept
from cnncalc.layers.arith import Arith
from conftest import one_layer


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "pow"])
def test_arith_counts(op):
    # one operation per element, 8·5·3 = 120 FLOPs; a constant is not a parameter; a product by a constant is
    # not accumulated, so no MAC
    row = one_layer((8, 5, 3), f"{{arith: {{op: {op}, value: 0.5}}}}")
    assert (row.output_shape, row.params, row.state, row.macs, row.flops) == ((8, 5, 3), 0, 0, 0, 120)


@pytest.mark.parametrize("layer", ["sqrt", "rsqrt"])
def test_square_roots_count_one_flop_per_element(layer):
    row = one_layer((4, 7), layer)
    assert (row.output_shape, row.params, row.macs, row.flops) == ((4, 7), 0, 0, 28)


def test_arith_needs_an_op_and_a_value():
    with pytest.raises(SpecError, match="must be one of add, sub, mul, div, pow"):
        one_layer((3, 4, 4), "{arith: {op: mod, value: 2}}")
    with pytest.raises(SpecError, match="value"):
        one_layer((3, 4, 4), "{arith: {op: add}}")


def test_the_label_shows_the_operation():
    assert one_layer((3, 4, 4), "{arith: {op: sub, value: 1, reverse: true}}").label == "1 − x"
    assert one_layer((3, 4, 4), "{arith: {op: mul, value: 0.2}}").label == "x · 0.2"


@pytest.mark.parametrize("op, reverse, kept", [
    # torch: x + c, x − c, x·c, x / c save no tensor (the constant is a number); pow(x, c) saves x;
    # pow(c, x) saves x and its result (tests/parity/test_saved_parity.py measures torch's); c / x is reciprocal(x)·c, which saves the reciprocal (the input's size)
    ("add", False, ()), ("sub", True, ()), ("mul", False, ()), ("div", False, ()),
    ("pow", False, (Kept(input=0),)), ("pow", True, (Kept(input=0), Kept(output=True))),
    ("div", True, (Kept(elements=60),)),
])
def test_what_arith_keeps_for_backward(op, reverse, kept):
    layer = Arith.from_args({"op": op, "value": 2, "reverse": reverse})
    assert layer.saved_for_backward([(3, 4, 5)], (3, 4, 5)) == kept


@pytest.mark.parametrize("layer", ["sub", "div"])
def test_sub_and_div_of_two_activations(layer):
    from conftest import report_of
    # [4, 5, 6] op [4, 1, 1] broadcast to [4, 5, 6]: one operation per output element, 120 FLOPs
    report = report_of(f"input: [4, 5, 6]\nlayers:\n  - {{name: m, global_avgpool: {{keepdims: true}}}}\n"
                       f"  - {{from: [input, m], {layer}: {{}}}}\n")
    row = report.rows[-1]
    assert (row.output_shape, row.params, row.macs, row.flops) == ((4, 5, 6), 0, 0, 120)
    with pytest.raises(SpecError, match="takes 2 input"):
        report_of(f"input: [4, 5, 6]\nlayers:\n  - {{name: a, relu: {{}}}}\n  - {{from: [input, a, a], {layer}: {{}}}}\n")
