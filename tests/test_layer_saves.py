"""training.layer_saves: the layer types' own rules (Layer.saved_for_backward) composed, by hand-derived
figures at fp32 and batch 1; and peak.runtime_in_place from the types' in_place / view declarations."""

from __future__ import annotations

from cnncalc import peak
from cnncalc.analysis import analyze
from cnncalc.spec import parse_spec
from cnncalc.training import layer_saves, training_memory


def _run(text: str):
    spec = parse_spec(text)
    report = analyze(spec)
    return spec, report, training_memory(report, layer_saves(spec.graph, report), optimizer="sgd")


def test_views_keep_the_storage_they_were_taken_from():
    # conv keeps its input (2·4·4 = 32 values); pad and reshape keep nothing; dense keeps its input, the
    # reshape view of pad's output (2·6·6 = 72 values), so that storage: (32 + 72)·4 = 416 B.
    _, _, t = _run("input: [2, 4, 4]\nlayers:\n  - {name: c, conv: {out: 2, kernel: 1, bias: false}}\n"
                   "  - {name: p, pad: {padding: 1}}\n  - {name: r, reshape: {shape: [72]}}\n"
                   "  - {name: d, dense: {out: 3}}\n")
    assert [(layer.name, layer.tensors, layer.bytes) for layer in t.layers] == [
        ("input", (), 0), ("c", ("input",), 128), ("p", (), 0), ("r", (), 0), ("d", ("p",), 288)]
    assert t.activation_bytes == 416


def test_no_gradient_before_the_first_weights_and_private_buffers():
    # maxpool of the input: no gradient flows there, nothing kept. separable_conv (1 → 2·1 depthwise → 2)
    # keeps its input (1·2·2 = 4) and the depthwise output (2 channels · 4 positions = 8); dropout a mask of
    # its output (2·2·2 = 8 values at 4 B). Total (4 + 8 + 8)·4 = 80 B.
    _, _, t = _run("input: [1, 4, 4]\nlayers:\n  - {name: m, maxpool: {kernel: 2}}\n"
                   "  - {name: s, separable_conv: {out: 2, kernel: 1, multiplier: 2}}\n"
                   "  - {name: o, dropout: {}}\n")
    assert [(layer.name, layer.bytes) for layer in t.layers] == [("input", 0), ("m", 0), ("s", 48), ("o", 32)]
    assert t.activation_bytes == 80


def test_runtime_in_place_follows_the_declarations():
    spec, report, _ = _run("input: [1, 4, 4]\nlayers:\n  - {name: c, conv: {out: 1, kernel: 1}}\n"
                           "  - {name: b, batchnorm: {}}\n  - {name: r, relu: {}}\n  - {name: f, flatten: {}}\n"
                           "  - {name: d, dense: {out: 2}}\n")
    may = peak.runtime_in_place(spec.graph)
    assert [row.name for row in report.rows if may(row)] == ["b", "r", "f"]
    # 16 values of 4 B: with b, r and f writing into their input, at most c's input and output are alive
    # together (64 + 64), then f's storage and d's output (64 + 8)
    got = peak.peak_in_order(peak.problem_of_report(report, in_place=may))
    assert (got.peak_bytes, got.peak_layer) == (128, "c")
    assert got.in_place == (("b", "c"), ("r", "b"), ("f", "r"))
