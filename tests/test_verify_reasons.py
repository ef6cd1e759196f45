"""Why verify cannot run a spec is a value (cnncalc.verifycost): a type without an executor, or one of the
cost limits, each with the figures found, and what to try instead; and why one layer's field was not
compared (verify.Skip, with where the run stopped). Each value is derived here by hand from a small spec;
the words are render/verify.py's, tested once, at the end."""

from __future__ import annotations

import pytest

from cnncalc.layers import base, lookup
from cnncalc.spec import parse_spec
from cnncalc.verify import MISMATCH, RF_NOT_COMPARED, RF_UNKNOWN, UNVERIFIABLE, Skip, Stop, verify
from cnncalc.verifycost import (Cost, NoExecutor, NoSmallerInput, SmallestRefused, TooLarge, TryInput, TrySmaller,
                                Unexecutable, WeightsFixed)


@pytest.fixture
def unrunnable(monkeypatch):
    """A layer type with no executor: relu's arithmetic, registered as 'unrunnable' from this module (not a
    ``layers`` package, and naming no companions), so no module-name rule finds an executor for it."""
    relu = lookup("relu")
    cls = type("Unrunnable", (relu,), {"__module__": __name__, "type_name": "unrunnable", "companions": {}})
    monkeypatch.setitem(base.REGISTRY, "unrunnable", cls)
    return cls


def test_a_type_without_executor_is_a_value(unrunnable):
    spec = parse_spec("input: [2, 5]\nlayers:\n  - relu\n  - unrunnable\n  - unrunnable\n", "t.yaml")
    result = verify(spec)
    assert result.status == UNVERIFIABLE and not result.nodes
    assert result.unexecutable == (Unexecutable("unrunnable1", "unrunnable", NoExecutor("unrunnable")),
                                   Unexecutable("unrunnable2", "unrunnable", NoExecutor("unrunnable")))
    assert all(u.no_executor and u.hint is None for u in result.unexecutable)


def test_a_layer_with_too_many_weights_whatever_the_input():
    # a flat input [3] into dense 4: 3·4 + 4 = 16 weights, one over a limit of 15. No spatial axis to
    # shrink, so no input helps: the option that would allow it is the layer's 16
    text = "input: [3]\nlayers:\n  - dense: {out: 4}\n"
    result = verify(parse_spec(text, "t.yaml"), max_layer_weights=15,
                    rebuild=lambda shape: parse_spec(text, "t.yaml", shape))
    assert result.unexecutable == (Unexecutable("dense1", "dense", TooLarge(Cost.LAYER_WEIGHTS, 16, 15),
                                                WeightsFixed("dense1", 16)),)
    assert not result.unexecutable[0].no_executor


def test_an_input_tensor_too_large_to_hold():
    # 1·4097·4096 = 16,781,312 elements, over 2^24 = 16,777,216; the input is the largest tensor (the relu
    # after it is as large, and the first of equals is named). Without a way to rebuild, a smaller input
    spec = parse_spec("input: [1, 4097, 4096]\nlayers:\n  - relu\n", "t.yaml")
    [u] = verify(spec).unexecutable
    assert u == Unexecutable("input", "input", TooLarge(Cost.TENSOR, 16_781_312, 2**24, at_input=True),
                             TrySmaller((1, 4097, 4096)))


def test_receptive_field_tables_too_large():
    # [1, 20000] and one relu: two tensors of 20,000 positions, each 20,000 units × 20,000 input positions:
    # 8·10^8 entries, over 2^28 = 268,435,456. The work stays under its limit: 20,000 per example, so a
    # structural run holds 2^25 // 20,000 − 1 = 1,676 probes, 12 runs; 1 + 20,000 + 12 = 20,013 examples ×
    # 50 × 40,000 elements = 4.0·10^10 < 3·10^11
    spec = parse_spec("input: [1, 20000]\nlayers:\n  - relu\n", "t.yaml")
    assert verify(spec).unexecutable == (Unexecutable("", "", TooLarge(Cost.TABLES, 800_000_000, 2**28),
                                                      TrySmaller((1, 20000))),)


def test_too_much_work_and_the_input_that_fits():
    # [1, n] through one relu: n probes in one run, 1 + n + 1 examples, 2n elements, no MACs:
    # work (n + 2)·50·2n. n = 10: 12·1,000 = 12,000. Under a limit of 5,000: n = 6 gives 8·600 = 4,800,
    # n = 7 gives 9·700 = 6,300, so 6 is the largest input that fits
    text = "input: [1, 10]\nlayers:\n  - relu\n"
    result = verify(parse_spec(text, "t.yaml"), max_work=5_000,
                    rebuild=lambda shape: parse_spec(text, "t.yaml", shape))
    assert result.unexecutable == (Unexecutable("", "", TooLarge(Cost.WORK, 12_000, 5_000, examples=12, macs=0,
                                                                 elements=20), TryInput((1, 6))),)


def test_no_smaller_input_is_accepted():
    # a 5-wide valid conv on 5 positions: no smaller input is accepted, so none helps
    text = "input: [1, 5]\nlayers:\n  - conv: {out: 1, kernel: 5}\n"
    result = verify(parse_spec(text, "t.yaml"), max_work=10,
                    rebuild=lambda shape: parse_spec(text, "t.yaml", shape))
    assert {u.hint for u in result.unexecutable} == {NoSmallerInput()}


def test_reasons_in_words(cli, write):
    from cnncalc.render.verify import reason_text
    cases = [
        (Unexecutable("x", "my_layer", NoExecutor("my_layer")), "no executor for 'my_layer' (layer 'x')"),
        (Unexecutable("fc", "dense", TooLarge(Cost.LAYER_WEIGHTS, 73_000, 50_000), WeightsFixed("fc", 73_000)),
         "layer 'fc' (dense) has 73,000 weights, more than verify draws for one layer (50,000, "
         "--max-layer-weights); no smaller --input helps: layer 'fc' has as many weights at the smallest input "
         "the network accepts (an adaptive or global pool, or a dense layer, fixes its input size); "
         "--max-layer-weights 73000 would allow it"),
        (Unexecutable("input", "input", TooLarge(Cost.TENSOR, 20_000_000, 16_777_216, at_input=True),
                      TrySmaller((1, 5000, 4000))),
         "the input has 20,000,000 elements per example, more than verify holds for one tensor (16,777,216); "
         "try a smaller --input than 1,5000,4000"),
        (Unexecutable("c", "conv", TooLarge(Cost.TENSOR, 20_000_000, 16_777_216), TryInput((3, 40, 40))),
         "layer 'c' (conv) has 20,000,000 elements per example, more than verify holds for one tensor "
         "(16,777,216); try --input 3,40,40"),
        (Unexecutable("", "", TooLarge(Cost.TABLES, 800_000_000, 268_435_456), NoSmallerInput()),
         "the receptive-field tables (input positions × output units per axis, over every layer) have "
         "800,000,000 entries, more than verify keeps (268,435,456); no smaller --input of the same "
         "proportions is accepted by the network"),
        (Unexecutable("", "", TooLarge(Cost.WORK, 2_400, 2_399, 6, 0, 8), SmallestRefused((1, 2))),
         "executing it takes 6 examples × (0 MACs + 50 × 8 elements) = 2,400 operations, more than verify's "
         "limit (2,399, --max-work); no --input of the same proportions fits: even the smallest the network "
         "accepts, 1,2, is refused"),
    ]
    for u, words in cases:
        assert reason_text(u) == words
    from cnncalc.render.verify import note_text
    from cnncalc.verify import NodeCheck
    stop = Stop("r", "cannot reshape")
    notes = [(Skip.NOT_EXECUTED, stop, "not executed: layer 'r' could not run after an earlier shape "
                                       "disagreement (cannot reshape)"),
             (Skip.STOPPED, stop, "layer 'r' could not run after an earlier shape disagreement (cannot reshape)"),
             (Skip.SHAPES_DISAGREE, None, "the shapes disagree"),
             (Skip.NO_SPATIAL_AXES, None, "the input has no spatial axes"),
             (Skip.OTHER_AXES, None, "its axes do not line up with the input's"),
             (Skip.UNKNOWN_FIELD, None, "the analysis reports the field as unknown"), (None, None, "")]
    for skip, stopped, words in notes:
        node = NodeCheck("n", "relu", "relu", (1,), (1,), (), RF_NOT_COMPARED, skipped=skip, stopped=stopped)
        assert note_text(node) == words
    # the command says it on standard error, and the JSON document carries the same words
    path = write("input: [1, 4]\nlayers:\n  - relu\n")
    code, _, err = cli("verify", path, "--max-work", "2.399K")
    assert code == 2
    assert err.strip() == (f"cnncalc: error: {path}: not executable: executing it takes 6 examples × (0 MACs + "
                           f"50 × 8 elements) = 2,400 operations, more than verify's limit (2,399, --max-work); "
                           f"try --input 1,3")


def skipped(text: str) -> dict:
    result = verify(parse_spec(text, "t.yaml"))
    return {node.name: (node.rf_status, node.skipped) for node in result.nodes}


def test_why_a_field_is_not_compared():
    # no spatial axis in the input: nothing to measure on
    assert skipped("input: [8]\nlayers:\n  - dense: {out: 3}\n") == {
        "input": (RF_NOT_COMPARED, Skip.NO_SPATIAL_AXES), "dense1": (RF_NOT_COMPARED, Skip.NO_SPATIAL_AXES)}
    # [2, 4, 4] reshaped to [2, 16]: one spatial axis where the input has two
    assert skipped("input: [2, 4, 4]\nlayers:\n  - reshape: {shape: [2, 16]}\n")["reshape1"] == \
        (RF_NOT_COMPARED, Skip.OTHER_AXES)
    # a 5×5 conv (stride 1) and a 2×2/2 conv (stride 2) both turn 8×8 into 4×4: their sum's field is unknown
    merged = skipped("input: [2, 8, 8]\nlayers:\n  - {name: m, add: {a: [{conv: {out: 2, kernel: 5}}], "
                     "b: [{conv: {out: 2, kernel: 2, stride: 2}}]}}\n")
    assert merged["m"] == (RF_UNKNOWN, Skip.UNKNOWN_FIELD) and merged["m.a.conv1"][1] is None


def test_a_run_stopped_by_a_shape_disagreement(monkeypatch):
    # the conv analysed one position too large on each axis: 4×13×13 (676) where 4×12×12 (576) executes; the
    # reshape to the analysed [4, 169] cannot take 576 elements, so the run stops there
    from cnncalc.layers.conv import Conv
    from cnncalc.record import replace
    original = Conv.infer
    monkeypatch.setattr(Conv, "infer", lambda self, inputs: replace(
        original(self, inputs), output=(4, 13, 13)))
    result = verify(parse_spec("input: [4, 12, 12]\nlayers:\n  - conv: {out: 4, kernel: 3, padding: 1}\n"
                               "  - reshape: {shape: [4, 169]}\n", "t.yaml"))
    assert result.status == MISMATCH
    nodes = {node.name: node for node in result.nodes}
    assert (nodes["conv1"].executed_shape, nodes["conv1"].skipped) == ((4, 12, 12), Skip.SHAPES_DISAGREE)
    stop = nodes["reshape1"].stopped
    assert nodes["reshape1"].skipped is Skip.NOT_EXECUTED and isinstance(stop, Stop) and stop.layer == "reshape1"
    # the input ran, but no structural run follows a stopped one
    assert (nodes["input"].skipped, nodes["input"].stopped) == (Skip.STOPPED, stop)
