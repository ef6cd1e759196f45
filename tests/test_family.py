"""cnncalc.family: a spec read once, analysed per setting; every variant's figures equal a fresh
cnncalc.analyze of it (the oracle: the ordinary, independent path through the file)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

import cnncalc
from cnncalc.families import Family


def same(a: cnncalc.Report, b: cnncalc.Report) -> None:
    assert a.totals == b.totals and a.memory == b.memory
    assert a.rows == b.rows and a.receptive_field == b.receptive_field and a.warnings == b.warnings
    assert (a.name, a.input_shape, a.output_shape) == (b.name, b.input_shape, b.output_shape)


V1 = cnncalc.family("zoo:mobilenet_v1")
REGNET = cnncalc.family("zoo:regnet")
EFFICIENTNET = cnncalc.family("zoo:efficientnet")


@settings(max_examples=25, deadline=None)
@given(st.sampled_from([0.25, 0.5, 0.75, 1.0, 1.3]), st.integers(32, 256))
def test_mobilenet_v1_grid(width, resolution):
    same(V1.analyze(width=width, resolution=resolution),
         cnncalc.analyze("zoo:mobilenet_v1", set={"width": width, "resolution": resolution}))


@settings(max_examples=10, deadline=None)
@given(st.sampled_from(["y_400mf", "y_800mf", "x_400mf", "x_1_6gf", "y_1_6gf"]), st.sampled_from([64, 160, 224]))
def test_regnet_grid(variant, resolution):
    same(REGNET.analyze(variant=variant, resolution=resolution),
         cnncalc.analyze("zoo:regnet", set={"variant": variant, "resolution": resolution}))


@settings(max_examples=8, deadline=None)
@given(st.sampled_from([0.5, 1.0, 1.1]), st.sampled_from([1.0, 1.2]), st.sampled_from([96, 224]))
def test_efficientnet_grid(width, depth, resolution):
    values = {"width": width, "depth": depth, "resolution": resolution}
    same(EFFICIENTNET.analyze(**values), cnncalc.analyze("zoo:efficientnet", set=values))


def test_any_order_of_variants_gives_the_same_figures():
    # the document read once is not changed by building a variant: the defaults after others are the defaults
    first = V1.analyze()
    V1.analyze(width=0.25, resolution=96)
    REGNET.analyze(variant="x_32gf")
    same(V1.analyze(), first)
    same(REGNET.analyze(), cnncalc.analyze("zoo:regnet"))


def test_keywords_apply_to_every_variant_and_input_per_variant():
    fam = cnncalc.family("zoo:mobilenet_v2", dtype="int8", batch=4, set={"width": 0.5})
    same(fam.analyze(), cnncalc.analyze("zoo:mobilenet_v2", dtype="int8", batch=4, set={"width": 0.5}))
    same(fam.analyze(width=1.0, input=(3, 160, 160)),
         cnncalc.analyze("zoo:mobilenet_v2", dtype="int8", batch=4, set={"width": 1.0}, input=(3, 160, 160)))


def test_sources_and_errors(tmp_path):
    text = "args: {c: 4}\ninput: [3, 8, 8]\nlayers:\n  - {conv: {out: $c, kernel: 1}}\n"
    path = tmp_path / "n.yaml"
    path.write_text(text)
    for source in (text, path, str(path), {"args": {"c": 4}, "input": [3, 8, 8],
                                           "layers": [{"conv": {"out": "$c", "kernel": 1}}]}):
        fam = cnncalc.family(source)
        assert isinstance(fam, Family) and fam.args == {"c": 4}
        assert fam.analyze(c=8).totals.params == 3 * 8 + 8            # 1×1 conv 3 → 8 with bias
    with pytest.raises(cnncalc.SpecError, match="no argument 'd'"):
        cnncalc.family(text).analyze(d=1)
    with pytest.raises(cnncalc.SpecError, match="positive ints"):
        cnncalc.family(text).analyze(input=(3, 0, 8))
    with pytest.raises(cnncalc.SpecError, match="no variant 'z'"):
        cnncalc.family("zoo:regnet").analyze(variant="z")
    with pytest.raises(cnncalc.SpecError, match=r"n.yaml:4"):          # a broken spec fails at family(), located
        path.write_text(text.replace("out: $c", "out: $c - 4"))
        cnncalc.family(path)
    with pytest.raises(TypeError):
        cnncalc.family(3)


def test_a_family_that_extends_another_spec(tmp_path):
    # the extends: is done once when the family is read; every setting equals a fresh analyze of the file
    path = tmp_path / "half.yaml"
    path.write_text("name: half\nextends: zoo:mobilenet_v1\nargs: {width: 0.5}\n")
    family = cnncalc.family(str(path))
    for width in (0.25, 0.5, 1.0):
        assert family.analyze(width=width).totals == cnncalc.analyze(str(path), set={"width": width}).totals
    # MobileNetV1-0.25 at 224 (1000 classes): 464,600 parameters, derived by hand in
    # tests/specs/test_mobilenet_v1_family.py
    assert family.analyze(width=0.25).totals.params == 464_600
