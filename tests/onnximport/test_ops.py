"""Each ONNX operator's mapping: the layer it becomes, with figures derived by hand beside each test."""

from __future__ import annotations

import numpy as np
import pytest

import cnncalc
from cnncalc.onnximport import spec_document
from tests.onnximport.models import const, node, save, weights


def _analyze(tmp_path, nodes, shape, inits=None, **kw):
    return cnncalc.analyze(save(tmp_path / "m.onnx", nodes, shape, inits, **kw))


def _layers(tmp_path, nodes, shape, inits=None, **kw):
    return spec_document(save(tmp_path / "m.onnx", nodes, shape, inits, **kw))["layers"]


def test_conv_with_groups_dilation_and_pads(tmp_path):
    # 8 → 16 channels, 2 groups, 3×3, dilation 2, pads 2: weight [16, 4, 3, 3], bias 16.
    # params 16·4·9 + 16 = 592; output 16×10×10 (10 + 4 − 2·2 − 1 + 1 = 10); MACs 16·100·(4·9) = 57,600
    conv = node("Conv", ["x", "w", "b"], ["y"], name="conv", group=2, dilations=[2, 2], pads=[2, 2, 2, 2])
    report = _analyze(tmp_path, [conv], [1, 8, 10, 10], {"w": weights(16, 4, 3, 3), "b": weights(16)})
    assert (report.totals.params, report.totals.macs, report.output_shape) == (592, 57_600, (16, 10, 10))
    assert report.rows[-1].name == "conv"


@pytest.mark.parametrize("auto_pad, pads, out", [
    ("SAME_UPPER", "same", (4, 4)),                    # ceil(7/2) = 4; total pad (4−1)·2 + 3 − 7 = 2
    ("SAME_LOWER", [[1, 1], [1, 1]], (4, 4)),          # the same total 2, split 1/1 (odd totals: extra before)
    ("VALID", None, (3, 3)),                           # (7 − 3)//2 + 1 = 3
])
def test_conv_auto_pad(tmp_path, auto_pad, pads, out):
    conv = node("Conv", ["x", "w"], ["y"], name="c", strides=[2, 2], auto_pad=auto_pad)
    layers = _layers(tmp_path, [conv], [1, 1, 7, 7], {"w": weights(2, 1, 3, 3)})
    args = layers[0]["conv"]
    assert args.get("padding") == (1 if pads == [[1, 1], [1, 1]] else pads)
    report = cnncalc.analyze(tmp_path / "m.onnx")
    assert report.output_shape == (2, *out)
    # params 2·9 = 18 (no bias); MACs 2·out·9
    assert (report.totals.params, report.totals.macs) == (18, 2 * out[0] * out[1] * 9)


def test_same_lower_odd_total_puts_the_extra_before(tmp_path):
    # 6 wide, kernel 4, stride 1: total 3 → SAME_LOWER pads 2 before, 1 after
    conv = node("Conv", ["x", "w"], ["y"], name="c", auto_pad="SAME_LOWER")
    layers = _layers(tmp_path, [conv], [1, 1, 6], {"w": weights(1, 1, 4)})
    assert layers[0]["conv"]["padding"] == [[2, 1]]


def test_conv_weight_that_disagrees_is_an_error_naming_the_node(tmp_path, cli):
    conv = node("Conv", ["x", "w"], ["y"], name="bad_conv", kernel_shape=[5, 5])
    path = save(tmp_path / "m.onnx", [conv], [1, 3, 8, 8], {"w": weights(4, 3, 3, 3)})
    code, _, err = cli("analyze", path)
    assert code == 2 and "'bad_conv' (Conv)" in err and "kernel_shape [5, 5]" in err


def test_conv_weight_channels_that_disagree(tmp_path, cli):
    conv = node("Conv", ["x", "w"], ["y"], name="c2")
    path = save(tmp_path / "m.onnx", [conv], [1, 3, 8, 8], {"w": weights(4, 2, 3, 3)})
    code, _, err = cli("analyze", path)
    assert code == 2 and "'c2' (Conv)" in err and "3 input channels" in err


def test_conv_transpose(tmp_path):
    # 4 → 2 channels, kernel 4, stride 2, pads 1: out (5−1)·2 − 2 + 3 + 1 = 10; weight [4, 2, 4, 4] = 128 + bias 2;
    # MACs per input position: 4·25 inputs · 2·16 = 3,200
    deconv = node("ConvTranspose", ["x", "w", "b"], ["y"], name="up", strides=[2, 2], pads=[1, 1, 1, 1])
    report = _analyze(tmp_path, [deconv], [1, 4, 5, 5], {"w": weights(4, 2, 4, 4), "b": weights(2)})
    assert (report.totals.params, report.totals.macs, report.output_shape) == (130, 3_200, (2, 10, 10))


def test_conv_transpose_output_shape(tmp_path):
    # output_shape 11 from 5, stride 2, kernel 3: full scatter (5−1)·2 + 3 = 11 → no crop
    deconv = node("ConvTranspose", ["x", "w"], ["y"], name="up", strides=[2, 2], output_shape=[11, 11])
    report = _analyze(tmp_path, [deconv], [1, 1, 5, 5], {"w": weights(1, 1, 3, 3)})
    assert report.output_shape == (1, 11, 11)


def test_gemm_and_matmul_with_bias(tmp_path):
    # Gemm 20 → 10 (transB, weight [10, 20]) + bias: 210 params, 200 MACs; MatMul 10 → 5 + Add bias: 55, 50
    nodes = [node("Gemm", ["x", "w1", "b1"], ["h"], name="fc1", transB=1),
             node("MatMul", ["h", "w2"], ["m"], name="fc2"), node("Add", ["m", "b2"], ["y"], name="fc2_bias")]
    inits = {"w1": weights(10, 20), "b1": weights(10), "w2": weights(10, 5), "b2": weights(5)}
    layers = _layers(tmp_path, nodes, [1, 20], inits)
    assert [list(layer)[-1] for layer in layers] == ["dense", "dense"]
    report = cnncalc.analyze(tmp_path / "m.onnx")
    assert (report.totals.params, report.totals.macs, report.output_shape) == (265, 250, (5,))


def test_gemm_with_alpha_is_refused(tmp_path, cli):
    path = save(tmp_path / "m.onnx", [node("Gemm", ["x", "w"], ["y"], name="g", alpha=2.0)], [1, 4],
                {"w": weights(4, 3)})
    code, _, err = cli("analyze", path)
    assert code == 2 and "Gemm ×1" in err and "'g'" in err


def test_batchnorm_pools_and_activations(tmp_path):
    # BN on 4 channels: 8 params + 8 state; maxpool 2/2 → 4×4; avgpool k3 s1 p1 → 4×4; global → [4, 1, 1]
    nodes = [node("BatchNormalization", ["x", "s", "b", "m", "v"], ["a"], name="bn", epsilon=1e-3),
             node("Relu", ["a"], ["r"], name="relu"),
             node("MaxPool", ["r"], ["p"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
             node("AveragePool", ["p"], ["q"], name="avg", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
             node("Tanh", ["q"], ["t"], name="tanh"),
             node("GlobalAveragePool", ["t"], ["g"], name="gap"),
             node("Flatten", ["g"], ["f"], name="flat"),
             node("Softmax", ["f"], ["y"], name="soft", axis=1)]
    inits = {k: weights(4) for k in "sbmv"}
    layers = _layers(tmp_path, nodes, [1, 4, 8, 8], inits)
    assert layers[0] == {"name": "bn", "batchnorm": {"eps": 0.001}}
    assert layers[2] == {"name": "pool", "maxpool": {"kernel": 2}}      # ONNX stride 2 = cnncalc's default
    assert layers[3] == {"name": "avg", "avgpool": {"kernel": 3, "stride": 1, "padding": 1}}
    assert [list(layer)[-1] for layer in layers] == ["batchnorm", "relu", "maxpool", "avgpool", "tanh",
                                                      "global_avgpool", "flatten", "softmax"]
    report = cnncalc.analyze(tmp_path / "m.onnx")
    assert (report.totals.params, report.totals.state, report.output_shape) == (8, 8, (4,))


def test_clip_is_relu6_or_relu(tmp_path):
    nodes = [const("lo", np.float32(0)), const("hi", np.float32(6)),
             node("Clip", ["x", "lo", "hi"], ["a"], name="r6"), node("Clip", ["a", "lo"], ["y"], name="r")]
    layers = _layers(tmp_path, nodes, [1, 2, 3, 3])
    assert layers == [{"name": "r6", "relu6": {}}, {"name": "r", "relu": {}}]


def test_clip_to_other_bounds_is_refused(tmp_path, cli):
    nodes = [const("lo", np.float32(-1)), const("hi", np.float32(1)), node("Clip", ["x", "lo", "hi"], ["y"], name="c")]
    code, _, err = cli("analyze", save(tmp_path / "m.onnx", nodes, [1, 2, 3, 3]))
    assert code == 2 and "Clip ×1" in err


def test_silu_hardswish_and_hardsigmoid_patterns(tmp_path):
    # x·sigmoid(x) → one silu entry; x·hardsigmoid(x) → hardswish; a hardsigmoid read elsewhere stays one
    nodes = [node("Sigmoid", ["x"], ["s"], name="act/Sigmoid"), node("Mul", ["x", "s"], ["a"], name="act/Mul"),
             node("HardSigmoid", ["a"], ["h"], name="hs", alpha=1 / 6), node("Mul", ["h", "a"], ["b"], name="hswish"),
             node("HardSwish", ["b"], ["c"], name="hswish2"),
             node("HardSigmoid", ["c"], ["y"], name="gate", alpha=1 / 6)]
    layers = _layers(tmp_path, nodes, [1, 2, 3, 3])
    assert layers == [{"name": "act.Mul", "silu": {}}, {"name": "hswish", "hardswish": {}},
                      {"name": "hswish2", "hardswish": {}}, {"name": "gate", "hardsigmoid": {}}]


def test_add_and_mul_of_activations_and_a_channel_scale(tmp_path):
    # squeeze-excitation shape: gate [C, 1, 1] times x [C, H, W] (broadcast), a residual add, a layer scale
    nodes = [node("GlobalAveragePool", ["x"], ["g"], name="pool"), node("Sigmoid", ["g"], ["s"], name="gate"),
             node("Mul", ["x", "s"], ["m"], name="excite"), node("Add", ["m", "x"], ["a"], name="residual"),
             node("Mul", ["a", "gamma"], ["y"], name="layer_scale")]
    layers = _layers(tmp_path, nodes, [1, 4, 5, 5], {"gamma": weights(4, 1, 1)})
    assert layers == [{"name": "pool", "global_avgpool": {"keepdims": True}}, {"name": "gate", "sigmoid": {}},
                      {"name": "excite", "from": ["input", "gate"], "mul": {}},
                      {"name": "residual", "from": ["excite", "input"], "add": {}},
                      {"name": "layer_scale", "scale": {}}]


def test_concat_split_and_branches(tmp_path):
    nodes = [node("Conv", ["x", "w1"], ["a"], name="a"), node("Conv", ["x", "w2"], ["b"], name="b"),
             node("Concat", ["a", "b"], ["c"], name="cat", axis=1),
             node("Split", ["c", "sizes"], ["s0", "s1"], name="sp", axis=1),
             node("Add", ["s0", "s1"], ["y"], name="sum")]
    inits = {"w1": weights(3, 2, 1, 1), "w2": weights(3, 2, 1, 1), "sizes": np.array([3, 3], dtype=np.int64)}
    layers = _layers(tmp_path, nodes, [1, 2, 4, 4], inits)
    assert layers == [{"name": "a", "conv": {"out": 3, "kernel": 1, "bias": False}},
                      {"name": "b", "from": "input", "conv": {"out": 3, "kernel": 1, "bias": False}},
                      {"name": "cat", "from": ["a", "b"], "concat": {}},
                      {"name": "sp", "split": {"parts": 2}},
                      {"name": "sum", "from": ["sp.0", "sp.1"], "add": {}}]


def test_a_split_part_other_than_the_last_as_the_output(tmp_path):
    # Split of 6 channels into [2, 4], the graph's output part 0: the spec's `sp` alone would mean its last
    # part ([4, 4, 4]), so the output is an identity of sp.0: [2, 4, 4]
    nodes = [node("Split", ["x", "sizes"], ["s0", "s1"], name="sp", axis=1)]
    layers = _layers(tmp_path, nodes, [1, 6, 4, 4], {"sizes": np.array([2, 4], dtype=np.int64)}, output="s0")
    assert layers == [{"name": "sp", "split": {"sizes": [2, 4]}}, {"name": "output", "from": "sp.0", "identity": {}}]
    assert cnncalc.analyze(tmp_path / "m.onnx").output_shape == (2, 4, 4)
    # the last part as the output needs no identity: [4, 4, 4]
    layers = _layers(tmp_path, nodes, [1, 6, 4, 4], {"sizes": np.array([2, 4], dtype=np.int64)}, output="s1")
    assert layers == [{"name": "sp", "split": {"sizes": [2, 4]}}]
    assert cnncalc.analyze(tmp_path / "m.onnx").output_shape == (4, 4, 4)


def test_lrn_and_leaky_relu_write_only_what_differs_from_the_type(tmp_path):
    # LRN with torch's LocalResponseNorm(5) values (alpha 1e-4, beta 0.75, k 1: cnncalc's lrn defaults) is
    # `lrn: {}`; size 3 and beta 0.5 are written. LeakyRelu's ONNX default slope 0.01 is cnncalc's default;
    # 0.2 is written. ELU's ONNX default α = 1 is cnncalc's; 0.5 is written
    nodes = [node("LRN", ["x"], ["a"], name="lrn5", size=5, alpha=1e-4, beta=0.75, bias=1.0),
             node("LRN", ["a"], ["b"], name="lrn3", size=3, beta=0.5),
             node("LeakyRelu", ["b"], ["c"], name="leaky"), node("LeakyRelu", ["c"], ["d"], name="leaky2", alpha=0.2),
             node("Elu", ["d"], ["e"], name="elu"), node("Elu", ["e"], ["y"], name="elu2", alpha=0.5)]
    assert _layers(tmp_path, nodes, [1, 8, 4, 4]) == [
        {"name": "lrn5", "lrn": {}}, {"name": "lrn3", "lrn": {"size": 3, "beta": 0.5}},
        {"name": "leaky", "leaky_relu": {}}, {"name": "leaky2", "leaky_relu": {"negative_slope": 0.2}},
        {"name": "elu", "elu": {}}, {"name": "elu2", "elu": {"alpha": 0.5}}]


def test_shape_subgraph_is_folded(tmp_path):
    # torchvision's flatten as exported: Shape → Gather(0) → Unsqueeze → Concat([n, -1]) → Reshape; the shape
    # nodes are no layers, the Reshape to [N, 4·3·3] is a flatten: output [36]
    nodes = [node("Shape", ["x"], ["shape"], name="shape"),
             const("zero", np.array(0, dtype=np.int64)),
             node("Gather", ["shape", "zero"], ["n"], name="gather", axis=0),
             const("axes", np.array([0], dtype=np.int64)),
             node("Unsqueeze", ["n", "axes"], ["n1"], name="unsq"),
             const("minus", np.array([-1], dtype=np.int64)),
             node("Concat", ["n1", "minus"], ["target"], name="cat", axis=0),
             node("Cast", ["target"], ["target64"], name="cast", to=7),
             node("Reshape", ["x", "target64"], ["y"], name="flat")]
    layers = _layers(tmp_path, nodes, [1, 4, 3, 3])
    assert layers == [{"name": "flat", "flatten": {}}]
    assert cnncalc.analyze(tmp_path / "m.onnx").output_shape == (36,)


def test_reshape_transpose_reshape_is_a_channel_shuffle(tmp_path):
    nodes = [node("Reshape", ["x", "s1"], ["a"], name="view"),
             node("Transpose", ["a"], ["b"], name="swap", perm=[0, 2, 1, 3, 4]),
             node("Reshape", ["b", "s2"], ["y"], name="back")]
    inits = {"s1": np.array([1, 2, 3, 4, 4], dtype=np.int64), "s2": np.array([1, 6, 4, 4], dtype=np.int64)}
    assert _layers(tmp_path, nodes, [1, 6, 4, 4], inits) == [{"name": "back", "channel_shuffle": {"groups": 2}}]


def test_channels_last_block_follows_the_transpose(tmp_path):
    # ConvNeXt's block: permute to NHWC, LayerNorm over the last axis, Linear (MatMul + bias), permute back
    nodes = [node("Transpose", ["x"], ["t"], name="to_nhwc", perm=[0, 2, 3, 1]),
             node("LayerNormalization", ["t", "g", "beta"], ["n"], name="norm", axis=-1),
             node("MatMul", ["n", "w"], ["m"], name="pw"), node("Add", ["m", "bias"], ["l"], name="pw_bias"),
             node("Gelu", ["l"], ["a"], name="act"),
             node("Transpose", ["a"], ["y"], name="to_nchw", perm=[0, 3, 1, 2])]
    inits = {"g": weights(4), "beta": weights(4), "w": weights(4, 16), "bias": weights(16)}
    layers = _layers(tmp_path, nodes, [1, 4, 5, 5], inits, opset=20)
    assert layers == [{"name": "norm", "layernorm": {"over": "channels"}}, {"name": "pw", "linear": {"out": 16}},
                      {"name": "act", "gelu": {}}]


def test_resize_pad_slice_reduce_mean(tmp_path):
    nodes = [const("scales", np.array([1, 1, 2, 2], dtype=np.float32)),
             node("Resize", ["x", "", "scales"], ["u"], name="up", mode="nearest"),
             const("pads", np.array([0, 0, 1, 2, 0, 0, 1, 2], dtype=np.int64)),
             node("Pad", ["u", "pads"], ["p"], name="pad", mode="reflect"),
             const("st", np.array([1], dtype=np.int64)), const("en", np.array([-1], dtype=np.int64)),
             const("ax", np.array([2], dtype=np.int64)),
             node("Slice", ["p", "st", "en", "ax"], ["s"], name="crop"),
             node("ReduceMean", ["s"], ["y"], name="mean", axes=[2, 3], keepdims=1)]
    layers = _layers(tmp_path, nodes, [1, 3, 4, 4], opset=17)
    # 4×4 → up 8×8 → pad (1, 2) → 10×12 → crop rows 1 before, 1 after → 8×12 → mean [3, 1, 1]
    assert layers == [{"name": "up", "upsample": {"scale": 2}},
                      {"name": "pad", "pad": {"padding": [1, 2], "mode": "reflect"}},
                      {"name": "crop", "crop": {"amount": [1, 0]}},
                      {"name": "mean", "global_avgpool": {"keepdims": True}}]


def test_resize_linear_and_dropout_identity(tmp_path):
    nodes = [const("sizes", np.array([1, 2, 6, 6], dtype=np.int64)),
             node("Resize", ["x", "", "", "sizes"], ["u"], name="up", mode="linear",
                  coordinate_transformation_mode="align_corners"),
             node("Identity", ["u"], ["i"], name="same"), node("Dropout", ["i"], ["y"], name="drop")]
    layers = _layers(tmp_path, nodes, [1, 2, 4, 4])
    assert layers == [{"name": "up", "upsample": {"mode": "bilinear", "size": 6, "align_corners": True}},
                      {"name": "drop", "dropout": {}}]
    # bilinear: 6·6·2 = 72 outputs × 7 FLOPs each (docs/conventions.md: 2^(n+1) − 1 for n axes) = 504
    assert cnncalc.analyze(tmp_path / "m.onnx").totals.flops == 504


def test_channel_slices_that_split_the_channels_are_one_split(tmp_path):
    # torch's chunk / split as the legacy exporter writes them: one Slice per part, on axis 1. Channels
    # 2..6 and 0..2 of 6 (written in that order) together cover each channel once: one split, sizes [2, 4],
    # each Slice one part; the conv reads the 4-channel part: 1×1, 4 → 3 without bias, 12 weights on 4×4
    # positions: 192 MACs
    nodes = [const("s0", np.array([2], dtype=np.int64)), const("e0", np.array([6], dtype=np.int64)),
             const("s1", np.array([0], dtype=np.int64)), const("e1", np.array([2], dtype=np.int64)),
             const("ax", np.array([1], dtype=np.int64)),
             node("Slice", ["x", "s0", "e0", "ax"], ["hi"], name="hi"),
             node("Slice", ["x", "s1", "e1", "ax"], ["lo"], name="lo"),
             node("Conv", ["hi", "w"], ["c"], name="c"),
             node("Concat", ["lo", "c"], ["y"], name="cat", axis=1)]
    layers = _layers(tmp_path, nodes, [1, 6, 4, 4], {"w": weights(3, 4, 1, 1)}, opset=17)
    assert layers[0] == {"name": "hi", "split": {"sizes": [2, 4]}}
    assert layers[1]["from"] == "hi.1" and layers[2] == {"name": "cat", "from": ["hi.0", "c"], "concat": {}}
    report = cnncalc.analyze(tmp_path / "m.onnx")
    assert (report.totals.params, report.totals.macs, report.output_shape) == (12, 192, (5, 4, 4))


def test_a_lone_channel_slice_is_reported_unmapped(tmp_path, cli):
    # channels 1..3 of 6, nothing else slicing that tensor: no split covers it, and cnncalc has no channel crop
    nodes = [const("s", np.array([1], dtype=np.int64)), const("e", np.array([3], dtype=np.int64)),
             const("ax", np.array([1], dtype=np.int64)), node("Slice", ["x", "s", "e", "ax"], ["y"], name="pick")]
    path = save(tmp_path / "m.onnx", nodes, [1, 6, 4, 4], opset=17)
    code, _, err = cli("analyze", path)
    assert code == 2 and "Slice ×1" in err and "'pick'" in err and "channels 1..3 of 6" in err


def test_gelu_written_with_erf_is_one_gelu(tmp_path):
    # x / √2 → Erf → + 1 → · x → · ½ on 2×3×3: one gelu, 5 FLOPs per element (docs/conventions.md): 90
    nodes = [const("sqrt2", np.array(2 ** 0.5, dtype=np.float32)), node("Div", ["x", "sqrt2"], ["d"], name="/act/Div"),
             node("Erf", ["d"], ["e"], name="/act/Erf"), const("one", np.array(1.0, dtype=np.float32)),
             node("Add", ["e", "one"], ["a"], name="/act/Add"), node("Mul", ["x", "a"], ["m"], name="/act/Mul"),
             const("half", np.array(0.5, dtype=np.float32)), node("Mul", ["m", "half"], ["y"], name="/act/Mul_1")]
    assert _layers(tmp_path, nodes, [1, 2, 3, 3], opset=17) == [{"name": "act", "gelu": {}}]
    assert cnncalc.analyze(tmp_path / "m.onnx").totals.flops == 5 * 2 * 3 * 3


def test_gelu_as_the_dynamo_exporter_writes_it(tmp_path):
    # torch.onnx.export(dynamo=True) halves before it multiplies by x: x / √2 → Erf → + 1 → · ½ → · x; one
    # gelu, 5 FLOPs per element: 90 on 2×3×3
    nodes = [const("sqrt2", np.array(2 ** 0.5, dtype=np.float32)), node("Div", ["x", "sqrt2"], ["d"], name="/act/Div"),
             node("Erf", ["d"], ["e"], name="/act/Erf"), const("one", np.array(1.0, dtype=np.float32)),
             node("Add", ["e", "one"], ["a"], name="/act/Add"), const("half", np.array(0.5, dtype=np.float32)),
             node("Mul", ["half", "a"], ["h"], name="/act/Mul"), node("Mul", ["x", "h"], ["y"], name="/act/Mul_1")]
    assert _layers(tmp_path, nodes, [1, 2, 3, 3], opset=17) == [{"name": "act", "gelu": {}}]
    assert cnncalc.analyze(tmp_path / "m.onnx").totals.flops == 5 * 2 * 3 * 3


def test_a_division_that_is_not_gelu_is_reported(tmp_path, cli):
    # a Div by a constant is an arith, of two activations a div (tests/onnximport/test_arith.py); of two
    # activations of different ranks, it is refused
    nodes = [node("GlobalAveragePool", ["x"], ["g"], name="pool"), node("Flatten", ["g"], ["f"], name="flat"),
             node("Div", ["x", "f"], ["y"], name="third")]
    path = save(tmp_path / "m.onnx", nodes, [1, 2, 3, 2], opset=17)
    code, _, err = cli("analyze", path)
    assert code == 2 and "Div ×1" in err and "'third'" in err and "differ in rank or layout" in err


def test_layernorm_over_all_pad_on_given_axes_and_a_same_transposed_conv(tmp_path):
    # LayerNormalization from axis 1 of [N, 2, 3, 3]: every value of the sample, γ and β of 2·3·3 = 18 each:
    # 36 parameters. Pad of axis 3 only (the opset-18 axes input): 1 before, 2 after: 3 wide → 6.
    # ConvTranspose 2 → 1 channel, 3×3, stride 2, SAME_UPPER: output in·stride = 3·2 = 6 by 6·2 = 12; the full
    # scatter is 2·(n−1) + 3, so the crop totals 2·2 + 3 − 6 = 1 and 2·5 + 3 − 12 = 1, the extra one after
    # (ONNX's SAME_UPPER): [[0, 1], [0, 1]]; weight 2·1·9 = 18, no bias
    nodes = [node("LayerNormalization", ["x", "g", "beta"], ["n"], name="norm", axis=1),
             const("pads", np.array([1, 2], dtype=np.int64)), const("axes", np.array([3], dtype=np.int64)),
             node("Pad", ["n", "pads", "", "axes"], ["p"], name="pad"),
             node("ConvTranspose", ["p", "w"], ["y"], name="up", strides=[2, 2], auto_pad="SAME_UPPER")]
    inits = {"g": weights(2, 3, 3), "beta": weights(2, 3, 3), "w": weights(2, 1, 3, 3)}
    layers = _layers(tmp_path, nodes, [1, 2, 3, 3], inits, opset=18)
    assert layers == [{"name": "norm", "layernorm": {"over": "all"}},
                      {"name": "pad", "pad": {"padding": [[0, 0], [1, 2]]}},
                      {"name": "up", "conv_transpose": {"out": 1, "kernel": 3, "stride": 2,
                                                        "padding": [[0, 1], [0, 1]], "bias": False}}]
    report = cnncalc.analyze(tmp_path / "m.onnx")
    assert (report.totals.params, report.output_shape) == (36 + 18, (1, 6, 12))


def test_a_model_whose_output_does_not_depend_on_its_input_is_refused(tmp_path, cli):
    nodes = [node("Shape", ["x"], ["s"], name="shape"), node("Cast", ["s"], ["y"], name="cast", to=1)]
    code, _, err = cli("analyze", save(tmp_path / "m.onnx", nodes, [1, 2, 3, 3]))
    assert code == 2 and "is a constant: the model does not depend on its input" in err


def test_a_one_input_concat_is_no_layer(tmp_path):
    # torchvision's densenet: torch.cat([x], 1) before each dense layer's first convolution. The Concat
    # passes its input through: the spec has the two convolutions only (no one-input concat, which cnncalc's
    # own reader refuses), params 2·3·1 + 4·2·1 = 14
    nodes = [node("Conv", ["x", "w1"], ["a"], name="c1"), node("Concat", ["a"], ["b"], name="cat", axis=1),
             node("Conv", ["b", "w2"], ["y"], name="c2")]
    path = save(tmp_path / "m.onnx", nodes, [1, 3, 4, 4], {"w1": weights(2, 3, 1, 1), "w2": weights(4, 2, 1, 1)})
    assert [next(k for k in e if k not in ("name", "from")) for e in spec_document(path)["layers"]] == ["conv", "conv"]
    report = cnncalc.analyze(path)
    assert (report.totals.params, report.output_shape) == (14, (4, 4, 4))
