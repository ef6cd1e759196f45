"""Receptive fields of resizing (cnncalc/rf.py, clamped fields; docs/conventions.md, "Receptive fields of
resizing"): PyTorch clamps a resizing layer's reads into its input, so no unit's field reaches outside the
positions the layer reads.

The oracle is brute force, independent of cnncalc's arithmetic and of its executors: for a chain of 1-D
layers without padding, every output unit's dependency set is the union of the sets of the input units it
reads, by PyTorch's index rules (tests/oracles.py: adaptive_window, upsample_reads with the clamp), starting
from {i} at the network input; a unit's true field is its set's first .. last position.
"""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from cnncalc.layers.adaptive import AdaptiveAvgPool
from cnncalc.layers.base import Window
from cnncalc.record import replace
from cnncalc.rf import unit
from conftest import report_of
from oracles import adaptive_window, upsample_reads


def test_adaptive_to_one_then_upsample_sees_the_input_once(cli_json, write):
    # the example: every unit of the upsample reads the one pooled value, which averages all 16×16
    # input positions: each output unit's field is the whole input, 0..15 (size 16, start 0), per axis
    for mode in ("nearest", "bilinear", "bilinear, align_corners: true"):
        path = write(f"input: [1, 16, 16]\nlayers:\n  - adaptive_avgpool: {{size: 1}}\n"
                     f"  - upsample: {{size: 16, mode: {mode}}}\n")
        field = cli_json("analyze", path)["receptive_field"]
        assert (field["size"], field["start"]) == ([16, 16], [0, 0]), mode


def test_a_conv_after_the_upsample_stays_inside_the_input():
    # every unit of the upsample sees 0..15; a 3-tap conv reads three of them: still 0..15 (not 18)
    report = report_of("input: [1, 16]\nlayers:\n  - adaptive_avgpool: {size: 1}\n"
                       "  - upsample: {size: 16, mode: linear}\n  - conv: {out: 1, kernel: 3, padding: 1}\n")
    rf = report.output_rf[0]
    assert (rf.size, rf.start, rf.exact) == (16, 0, True)
    assert all(unit(rf, o) == (0, 16) for o in range(16))


def _chain_layers():
    conv = st.tuples(st.just("conv"), st.integers(1, 4), st.integers(1, 3))
    pool = st.tuples(st.just("maxpool"), st.integers(1, 3), st.integers(1, 3))
    adaptive = st.tuples(st.just("adaptive_avgpool"), st.integers(1, 9))
    upsample = st.tuples(st.just("upsample"), st.integers(1, 24), st.sampled_from(["nearest", "linear"]),
                         st.booleans())
    return st.lists(st.one_of(conv, pool, adaptive, upsample), min_size=1, max_size=5)


def _reads(layer, n: int, m: int, o: int) -> list:
    kind = layer[0]
    if kind in ("conv", "maxpool"):
        _, k, s = layer
        return list(range(o * s, o * s + k))
    if kind == "adaptive_avgpool":
        return list(adaptive_window(o, n, m))
    _, _, mode, align = layer
    return upsample_reads(o, n, m, mode, align and mode == "linear", clamp=True)


def _yaml(layer) -> str:
    kind = layer[0]
    if kind == "conv":
        return f"conv: {{out: 1, kernel: {layer[1]}, stride: {layer[2]}}}"
    if kind == "maxpool":
        return f"maxpool: {{kernel: {layer[1]}, stride: {layer[2]}}}"
    if kind == "adaptive_avgpool":
        return f"adaptive_avgpool: {{size: {layer[1]}}}"
    align = ", align_corners: true" if layer[3] and layer[2] == "linear" else ""
    return f"upsample: {{size: {layer[1]}, mode: {layer[2]}{align}}}"


@settings(max_examples=400, deadline=None)
@given(st.integers(1, 30), _chain_layers())
def test_fields_by_brute_force(n, chain):
    deps = [{i} for i in range(n)]
    used = []
    for layer in chain:
        if layer[0] in ("conv", "maxpool"):
            m = (len(deps) - layer[1]) // layer[2] + 1
            if m < 1:
                break
        else:
            m = layer[1]
        deps = [set().union(*(deps[i] for i in _reads(layer, len(deps), m, o))) for o in range(m)]
        used.append(layer)
    if not used:
        return
    text = "input: [1, %d]\nlayers:\n" % n + "".join(f"  - {_yaml(layer)}\n" for layer in used)
    rf = report_of(text).output_rf[0]
    truth = [(min(d), max(d) + 1) for d in deps]
    # every unit's field holds what it depends on, and never reaches outside the input (no padding here)
    for o, (first, end) in enumerate(truth):
        low, high = unit(rf, o)
        assert low <= first and end <= high and 0 <= low and high <= n, (o, (low, high), (first, end))
    # the reported figures hold the largest true field and unit 0's
    assert rf.size >= max(end - first for first, end in truth) and rf.start <= truth[0][0]
    if rf.exact:
        # where the analysis says it is exact, it is: every unit's field, the size and the start
        assert [unit(rf, o) for o in range(len(truth))] == truth
        assert (rf.size, rf.start) == (max(end - first for first, end in truth), truth[0][0])


SPEC = """
name: inflated
input: [1, 16, 16]
layers:
  - crop: {amount: 2}
  - adaptive_avgpool: {size: 1}
  - upsample: {size: 5, mode: bilinear}
"""


def test_verify_compares_a_resized_field_exactly(cli, write):
    # after the crop every unit sees input positions 2..13 (12 positions), exactly what verify measures
    code, out, err = cli("verify", write(SPEC), "--format", "json")
    assert code == 0, out + err


def test_verify_catches_an_inflated_field_after_resizing(cli, write, monkeypatch):
    # a deliberately wrong window: the adaptive pooling said to read one position beyond each end of its
    # input (its window and its reads one wider on each side), so the analysed field would be 1..14 where
    # the execution shows 2..13
    infer = AdaptiveAvgPool.infer

    def inflated(self, inputs):
        facts = infer(self, inputs)
        w = facts.rf
        return replace(facts, rf=Window(tuple(s + 2 for s in w.spans), w.strides, tuple(o - 1 for o in w.offsets),
                                        tuple((first - 1, last + 1) for first, last in w.reads)))

    monkeypatch.setattr(AdaptiveAvgPool, "infer", inflated)
    assert report_of(SPEC).output_rf[0].start == 1
    code, out, err = cli("verify", write(SPEC), "--format", "json")
    assert code == 1
    assert "first position 2, not 1" in out
