"""cnncalc/layers/crop.py, and the `like:` shape references of crop and upsample (cnncalc/spec/assembly.py).
Figures derived by hand in the comments."""

from __future__ import annotations

import pytest

from cnncalc.errors import SpecError
from conftest import one_layer, report_of


def test_crop_by_amounts():
    # 3×10×12, 2 off each side of both axes: 6×8; unit 0 is input position 2, one position per unit
    row = one_layer((3, 10, 12), "crop: {amount: 2}")
    assert row.output_shape == (3, 6, 8) and row.params == row.flops == row.macs == 0
    assert [(a.size, a.stride, a.start) for a in row.rf] == [(1, 1, 2), (1, 1, 2)]
    # per axis: 1 and 3 (symmetric), and explicit [before, after]
    assert one_layer((1, 10, 12), "crop: {amount: [1, 3]}").output_shape == (1, 8, 6)
    row = one_layer((1, 10, 12), "crop: {amount: [[0, 4], [5, 1]]}")
    assert row.output_shape == (1, 6, 6) and [a.start for a in row.rf] == [0, 5]


def test_centre_crop_like_another_layer():
    # U-Net: 64×64 cropped like a 56×57 layer: before (64−56)//2 = 4 and (64−57)//2 = 3, after the rest (4, 4)
    report = report_of("input: [2, 64, 64]\nlayers:\n  - {name: small, adaptive_avgpool: {size: [56, 57]}}\n"
                       "  - {from: input, crop: {like: small}}\n")
    row = report.rows[-1]
    assert row.output_shape == (2, 56, 57) and row.inputs == ("input", "small")
    assert [a.start for a in row.rf] == [4, 3] and [a.size for a in row.rf] == [1, 1]


def test_like_is_a_shape_only_input_forward_references_included():
    # the reference is written after the crop: it is still an edge, ordered before it; the field is the data
    # input's (a 3×3 conv: size 3), nothing of the reference's (a 5×5 conv)
    report = report_of("input: [1, 12, 12]\nlayers:\n  - {name: a, conv: {out: 1, kernel: 3}}\n"
                       "  - {name: c, crop: {like: b}}\n  - {name: b, from: input, conv: {out: 1, kernel: 5}}\n"
                       "  - {from: [c, b], add: {}}\n")
    rows = {row.name: row for row in report.rows}
    names = [row.name for row in report.rows]
    assert names.index("b") < names.index("c")
    assert rows["c"].output_shape == (1, 8, 8) and rows["c"].inputs == ("a", "b")
    # a 10×10 map cropped by (10−8)//2 = 1: field 3, start 1
    assert [(a.size, a.start) for a in rows["c"].rf] == [(3, 1), (3, 1)]


def test_upsample_like():
    report = report_of("input: [1, 9, 7]\nlayers:\n  - {name: big, from: input, conv: {out: 2, kernel: 1}}\n"
                       "  - {from: input, maxpool: {kernel: 2}}\n  - upsample: {like: big, mode: bilinear}\n")
    assert report.rows[-1].output_shape == (1, 9, 7) and report.rows[-1].inputs == ("maxpool1", "big")


def test_like_follows_the_input_size(cli_json, write):
    path = write("input: [1, 12, 12]\nlayers:\n  - {name: a, conv: {out: 1, kernel: 3}}\n"
                 "  - maxpool: {kernel: 2}\n  - upsample: {like: a}\n  - {from: input, crop: {like: a}}\n")
    assert cli_json("analyze", path, "--input", "1,20,20")["layers"][-1]["output_shape"] == [1, 18, 18]


@pytest.mark.parametrize("layer, message", [
    ("crop: {}", "exactly one of 'amount' and 'like'"),
    ("crop: {amount: 1, like: input}", "exactly one of 'amount' and 'like'"),
    ("crop: {amount: 4}", "removes 4 + 4 positions of spatial axis 0, which has only 8"),
    ("crop: {like: nowhere}", "'like' names 'nowhere', but no layer has that name"),
    ("upsample: {size: 4, like: input}", "exactly one of 'scale', 'size' and 'like'"),
    ("crop: {like: 3}", "'like' must be the name of a layer"),
])
def test_errors(layer, message):
    with pytest.raises(SpecError, match=message.replace("(", r"\(").replace("+", r"\+")):
        report_of(f"input: [1, 8, 8]\nlayers:\n  - {layer}\n")


def test_a_reference_larger_than_the_input_is_an_error():
    with pytest.raises(SpecError, match="larger than the input's 6: a crop cannot grow"):
        report_of("input: [1, 8, 8]\nlayers:\n  - conv: {out: 1, kernel: 3}\n  - {from: conv1, crop: {like: input}}\n")


def test_a_reference_that_is_the_layer_itself_is_a_cycle():
    with pytest.raises(SpecError, match="cycle"):
        report_of("input: [1, 8, 8]\nlayers:\n  - {name: c, crop: {like: c}}\n")
