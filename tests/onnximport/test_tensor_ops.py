"""ONNX MatMul of two activations, Softmax along any axis, ReduceSum/Mean/Max/L2 over any axes, Transpose
followed by a general operator, Reshape of any rank and Expand (cnncalc/onnxmap/tensor.py): the layers they
become, with figures derived by hand beside each test. Models built with onnx.helper."""

from __future__ import annotations

import numpy as np
import pytest

import cnncalc
from cnncalc.onnximport import spec_document
from tests.onnximport.models import const, node, save


def _model(tmp_path, nodes, shape, inits=None, **kw):
    path = save(tmp_path / "m.onnx", nodes, shape, inits, **kw)
    return path, spec_document(path)["layers"], cnncalc.analyze(path)


def _types(layers):
    return [next(k for k in item if k not in ("name", "from")) for item in layers]


def test_self_attention_products_and_softmax(tmp_path):
    # x [1, 4, 6, 5]: 4 heads, 6 tokens, d = 5. scores = x · xᵀ (Transpose of the last two axes), softmax
    # over the keys (the last axis), out = scores · x
    nodes = [node("Transpose", ["x"], ["xt"], name="t", perm=[0, 1, 3, 2]),
             node("MatMul", ["x", "xt"], ["s"], name="scores"),
             node("Softmax", ["s"], ["a"], name="soft", axis=-1),
             node("MatMul", ["a", "x"], ["y"], name="out")]
    _, layers, report = _model(tmp_path, nodes, [1, 4, 6, 5])
    assert _types(layers) == ["permute", "matmul", "softmax", "matmul"]
    assert layers[0]["permute"] == {"dims": [0, 2, 1]}          # batch excluded
    assert layers[2]["softmax"] == {"axis": 2}
    rows = {r.name: r for r in report.rows}
    # [4, 6, 5] × [4, 5, 6]: 4 · 6 · 6 · 5 = 720 MACs; [4, 6, 6] × [4, 6, 5]: 4 · 6 · 5 · 6 = 720
    assert rows["scores"].macs == rows["out"].macs == 720
    assert report.totals.macs == 1440 and report.output_shape == (4, 6, 5)
    assert rows["soft"].flops == 3 * 4 * 6 * 6


def test_softmax_of_a_transposed_tensor_follows_its_layout(tmp_path):
    # [1, 3, 4, 5] transposed to [1, 4, 5, 3] (channels last), softmax over its last axis: cnncalc's channels
    nodes = [node("Transpose", ["x"], ["xt"], name="t", perm=[0, 2, 3, 1]),
             node("Softmax", ["xt"], ["y"], name="soft", axis=3),
             node("Transpose", ["y"], ["z"], name="back", perm=[0, 3, 1, 2])]
    _, layers, report = _model(tmp_path, nodes, [1, 3, 4, 5])
    assert layers == [{"name": "soft", "softmax": {}}]
    assert report.output_shape == (3, 4, 5)


def test_reductions_over_any_axes(tmp_path):
    # x [1, 3, 4, 5]: the channel sum at each position (keepdims) → [1, 4, 5], 3 − 1 adds each: 40 FLOPs;
    # its L2 over H and W without keepdims → [1], 2 · 20 FLOPs
    nodes = [node("ReduceSum", ["x", "ax"], ["s"], name="sum", keepdims=1),
             node("ReduceL2", ["s"], ["n"], name="norm", axes=[2, 3], keepdims=0)]
    _, layers, report = _model(tmp_path, [const("ax", np.array([1], np.int64))] + nodes, [1, 3, 4, 5], opset=17)
    assert layers[0]["reduce"] == {"op": "sum", "axes": [0], "keepdims": True}
    assert layers[1]["reduce"] == {"op": "l2", "axes": [1, 2]}
    rows = {r.name: r for r in report.rows}
    assert rows["sum"].output_shape == (1, 4, 5) and rows["sum"].flops == 20 * 2
    assert rows["norm"].output_shape == (1,) and rows["norm"].flops == 2 * 20


def test_reduce_mean_and_max_over_channels_are_reductions_over_space_global_pooling(tmp_path):
    # CBAM's spatial attention reads the mean and the max over the channels at each position; over H and W
    # the same operators stay global pooling
    nodes = [node("ReduceMean", ["x"], ["m"], name="mean", axes=[1], keepdims=1),
             node("ReduceMax", ["x"], ["mx"], name="max", axes=[1], keepdims=1),
             node("Concat", ["m", "mx"], ["c"], name="cat", axis=1),
             node("ReduceMean", ["c"], ["y"], name="pool", axes=[2, 3], keepdims=1)]
    _, layers, report = _model(tmp_path, nodes, [1, 6, 4, 4])
    assert _types(layers) == ["reduce", "reduce", "concat", "global_avgpool"]
    rows = {r.name: r for r in report.rows}
    assert rows["mean"].flops == 16 * 6 and rows["max"].flops == 16 * 5     # n per mean, n − 1 per max
    assert report.output_shape == (2, 1, 1)


def test_reducing_the_batch_axis_is_refused(tmp_path, cli):
    path = save(tmp_path / "m.onnx", [node("ReduceSum", ["x"], ["y"], name="all", keepdims=0)], [1, 3, 4], opset=11)
    code, _, err = cli("analyze", path)
    assert code == 2 and "ReduceSum ×1" in err and "the batch axis" in err


def test_expand_a_gate_over_the_positions(tmp_path):
    # ECA's gate [1, 3, 1, 1] expanded to [1, 3, 4, 5], then multiplied into the map: 60 FLOPs, no MACs
    nodes = [node("GlobalAveragePool", ["x"], ["g"], name="pool"),
             const("shape", np.array([1, 3, 4, 5], np.int64)),
             node("Expand", ["g", "shape"], ["e"], name="expand"),
             node("Mul", ["x", "e"], ["y"], name="gate")]
    _, layers, report = _model(tmp_path, nodes, [1, 3, 4, 5])
    assert layers[1]["expand"] == {"shape": [3, 4, 5]}
    rows = {r.name: r for r in report.rows}
    assert rows["expand"].flops == 0 and rows["gate"].flops == 60
    assert [(a.size, a.stride) for a in rows["expand"].rf] == [(4, 0), (5, 0)]


def test_reshape_of_a_transposed_tensor_and_of_six_axes(tmp_path):
    # [1, 2, 3, 4] → Transpose [0, 2, 3, 1] ([1, 3, 4, 2]) → Reshape [1, 12, 2]: the permutation is made a
    # layer first (the reshape reads the transposed order); then a 6-axis space-to-depth view and back
    nodes = [node("Transpose", ["x"], ["t"], name="t", perm=[0, 2, 3, 1]),
             const("s1", np.array([1, 12, 2], np.int64)),
             node("Reshape", ["t", "s1"], ["r"], name="tokens"),
             const("s2", np.array([1, 2, 2, 3, 1, 2], np.int64)),
             node("Reshape", ["r", "s2"], ["y"], name="six")]
    _, layers, report = _model(tmp_path, nodes, [1, 2, 3, 4])
    assert _types(layers) == ["permute", "reshape", "reshape"]
    assert layers[0]["permute"] == {"dims": [1, 2, 0]} and layers[2]["reshape"] == {"shape": [2, 2, 3, 1, 2]}
    assert report.output_shape == (2, 2, 3, 1, 2)


def test_a_product_of_activations_of_two_ranks_is_refused(tmp_path, cli):
    nodes = [node("ReduceSum", ["x"], ["s"], name="s", axes=[1], keepdims=0),
             node("MatMul", ["x", "s"], ["y"], name="mm")]
    path = save(tmp_path / "m.onnx", nodes, [1, 3, 4, 4], opset=11)
    code, _, err = cli("analyze", path)
    assert code == 2 and "MatMul ×1" in err and "of one rank" in err
