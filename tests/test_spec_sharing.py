"""Identical layer entries share one frozen layer object (spec/assembly.py), and nothing a node says
(its name, inputs, locations) or any figure changes for it."""

from cnncalc.analysis import analyze
from cnncalc.spec import parse_spec

SPEC = """\
name: share
input: [3, 8, 8]
layers:
  - {name: a, conv: {out: 4, kernel: 3, padding: 1}}
  - {name: b, conv: {out: 4, kernel: 3,   padding: 1}}
  - {name: c, conv: {out: 4, kernel: 3, padding: 1, bias: false}}
  - {name: d, conv: {out: 4, kernel: [3, 3], padding: 1}}
  - {name: e, conv: {out: 4, kernel: [3, 3], padding: 1}}
  - {name: f, conv: {out: 4, kernel: 3, padding: 1, bias: true}}
"""
BAD = SPEC + "  - {name: g, conv: {out: 4, kernel: 3, padding: 1, bias: 1}}\n"


def test_identical_entries_share_a_layer_and_keep_their_own_node():
    nodes = parse_spec(SPEC, "share.yaml").graph.nodes
    assert nodes["a"].layer is nodes["b"].layer                 # the same arguments
    assert nodes["c"].layer is not nodes["a"].layer and nodes["c"].layer.bias is False
    assert nodes["d"].layer is not nodes["e"].layer             # a list argument: built each time
    assert nodes["d"].layer == nodes["e"].layer
    assert nodes["a"].layer == nodes["f"].layer                 # bias: true is the default
    assert [(nodes[n].location.line, nodes[n].location.column) for n in "abc"] == [(4, 5), (5, 5), (6, 5)]
    assert nodes["b"].where("padding").column == 43 and nodes["a"].where("padding").column == 41
    assert nodes["b"].inputs == ("a",) and nodes["c"].inputs == ("b",)


def test_a_bool_and_an_int_are_not_the_same_argument():
    # `bias: 1` is refused as not a boolean even after `bias: true` built a layer (True == 1 in Python)
    import pytest

    from cnncalc.errors import SpecError
    with pytest.raises(SpecError) as caught:
        parse_spec(BAD, "share.yaml")
    assert caught.value.layer == "g" and (caught.value.location.line, caught.value.location.column) == (10, 53)
    assert caught.value.message == "'bias' must be true or false, got 1"


def test_shared_layers_give_each_node_its_own_figures():
    # a chain of four identical 3×3 convs, 4 → 4 channels, on 8×8: each 4·4·9 + 4 = 148 params,
    # 8·8·4·(4·9) = 9,216 MACs, and the receptive field grows by 2 per conv: 3, 5, 7, 9
    text = "name: c\ninput: [4, 8, 8]\nlayers:\n" + "  - {conv: {out: 4, kernel: 3, padding: 1}}\n" * 4
    report = analyze(parse_spec(text))
    body = report.rows[1:]
    assert [r.params for r in body] == [148] * 4 and [r.macs for r in body] == [9216] * 4
    assert [r.rf[0].size for r in body] == [3, 5, 7, 9] and [r.name for r in body] == [f"conv{i}" for i in (1, 2, 3, 4)]
