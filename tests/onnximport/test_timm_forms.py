"""The forms timm's anti-aliasing (BlurPool2d: TResNet) and weight-standardised convolutions (StdConv2d,
ScaledStdConv2d: NF-ResNet) take in torch's ONNX exports, built here with onnx.helper node for node as
torch.onnx.export (opset 17) writes them, → `blurpool` and `std_conv` with torch's parameter counts.
tests/onnximport/test_timm_models.py compares timm's own exports when timm is installed."""

from __future__ import annotations

import numpy as np
import pytest

import cnncalc
from cnncalc.onnximport import spec_document
from tests.onnximport.models import const, node, save

BINOMIAL_3 = np.outer([1, 2, 1], [1, 2, 1]).astype(np.float32) / 16


def _blur(tmp_path, weight, as_constant=True, dynamo_bias=False):
    """timm's BlurPool2d(channels=4): F.pad(x, [1, 1, 1, 1], 'reflect') then F.conv2d(x, filt, stride=2,
    groups=4); the non-persistent filter is a Constant node in torch's export. ``dynamo_bias``: the dynamo
    exporter's bias of the bias-free F.conv2d, Expand(CastLike(0.0, x), [C])."""
    nodes = [const("pads", np.array([0, 0, 1, 1, 0, 0, 1, 1], np.int64)),
             node("Pad", ["x", "pads"], ["p"], name="/aa/Pad", mode="reflect")]
    inits = {}
    if as_constant:
        nodes.append(const("filt", weight))
    else:
        inits["filt"] = weight
    bias = []
    if dynamo_bias:
        nodes += [const("zero", np.array(0.0, np.float32)), node("CastLike", ["zero", "x"], ["z"]),
                  const("n", np.array([4], np.int64)), node("Expand", ["z", "n"], ["b"])]
        bias = ["b"]
    nodes.append(node("Conv", ["p", "filt", *bias], ["y"], name="/aa/Conv", group=4, kernel_shape=[3, 3],
                      strides=[2, 2], pads=[0, 0, 0, 0]))
    return save(tmp_path / "blur.onnx", nodes, [1, 4, 10, 10], inits)


@pytest.mark.parametrize("as_constant, dynamo_bias", [(True, False), (False, False), (True, True)])
def test_a_depthwise_binomial_conv_is_blurpool(tmp_path, as_constant, dynamo_bias):
    path = _blur(tmp_path, np.broadcast_to(BINOMIAL_3, (4, 1, 3, 3)).copy(), as_constant, dynamo_bias)
    layers = spec_document(path)["layers"]
    assert [next(iter(set(e) - {"name", "from"})) for e in layers] == ["pad", "blurpool"]
    assert layers[1]["blurpool"] == {}           # kernel 3, stride 2, no padding: the defaults
    totals = cnncalc.analyze(path).totals
    # 10×10 reflect-padded to 12×12, 3×3 at stride 2 → 5×5; 4·25·9 = 900 MACs; the filter is no parameter
    assert (totals.params, totals.state, totals.macs) == (0, 0, 900)


def test_a_depthwise_conv_of_other_weights_is_a_conv(tmp_path):
    weight = np.broadcast_to(BINOMIAL_3, (4, 1, 3, 3)).copy()
    weight[3, 0, 1, 1] += 0.5                     # one channel's filter differs: learned weights
    layers = spec_document(_blur(tmp_path, weight))["layers"]
    assert "conv" in layers[1]
    assert cnncalc.analyze(tmp_path / "blur.onnx").totals.params == 4 * 9     # 4 filters of 3×3, no bias


OUT, IN, K = 8, 3, 3
FAN_IN = IN * K * K


def _standardised(tmp_path, folded: bool, gain: bool = True, learned_shift=False, constant_shift=0.0):
    """A ScaledStdConv2d(3, 8, 3, padding=1) (or, without ``gain``, a StdConv2d) as torch.onnx.export writes it:
    F.batch_norm(weight.reshape(1, 8, -1), None, None, weight=gain·scale, training=True) reshaped to the
    weight, then Conv. ``folded`` (do_constant_folding, the default): the reshaped weight, gain·scale and a
    transposed copy of the weight are initializers; else the weight and the gain, and the nodes between."""
    rng = np.random.default_rng(0)
    w = rng.standard_normal((OUT, IN, K, K)).astype(np.float32)
    inits = {"bias": np.zeros(OUT, np.float32)}
    shift = "shift"
    nodes = []
    if learned_shift is not False:
        inits["shift"] = np.full(OUT, learned_shift, np.float32)
    else:
        nodes.append(const("shift", np.full(OUT, constant_shift, np.float32)))
    if folded:
        inits.update({"flat": w.reshape(1, OUT, -1), "copy": w.reshape(1, OUT, -1).transpose(0, 2, 1).copy()})
        flat, copy = "flat", "copy"
        if gain:
            inits["scale"] = np.full(OUT, FAN_IN ** -0.5, np.float32)
        else:
            nodes.append(const("scale", np.ones(OUT, np.float32)))
        inits["shape"] = np.array([OUT, IN, K, K], np.int64)
        shape = "shape"
    else:
        inits["w"] = w
        nodes += [const("flat_shape", np.array([1, OUT, -1], np.int64)), node("Reshape", ["w", "flat_shape"], ["flat"]),
                  const("copy_shape", np.array([1, OUT, -1], np.int64)), node("Reshape", ["flat", "copy_shape"], ["c0"]),
                  node("Transpose", ["c0"], ["copy"], perm=[0, 2, 1]), node("Shape", ["w"], ["shape"])]
        flat, copy, shape = "flat", "copy", "shape"
        if gain:
            inits["gain"] = np.ones((OUT, 1, 1, 1), np.float32)
            nodes += [const("gamma", np.array(FAN_IN ** -0.5, np.float32)), node("Mul", ["gain", "gamma"], ["g1"]),
                      const("minus1", np.array([-1], np.int64)), node("Reshape", ["g1", "minus1"], ["scale"])]
        else:
            nodes.append(const("scale", np.ones(OUT, np.float32)))
    nodes += [node("ReduceMean", [copy], ["mean"], axes=[0, 1], keepdims=0),
              node("ReduceMean", [copy], ["mean_kept"], axes=[0, 1], keepdims=1),
              node("Sub", [copy, "mean_kept"], ["centred"]), node("Mul", ["centred", "centred"], ["squares"]),
              node("ReduceMean", ["squares"], ["var"], axes=[0, 1], keepdims=0),
              node("BatchNormalization", [flat, "scale", shift, "mean", "var"], ["standard", "rm", "rv"],
                   epsilon=1e-6, momentum=1.0, training_mode=1),
              node("Reshape", ["standard", shape], ["weight"]),
              node("Conv", ["x", "weight", "bias"], ["y"], name="/conv/Conv", kernel_shape=[K, K], pads=[1, 1, 1, 1])]
    return save(tmp_path / "ws.onnx", nodes, [1, IN, 6, 6], inits, opset=17)


@pytest.mark.parametrize("folded", [True, False])
def test_a_standardised_weight_with_a_gain_is_std_conv(tmp_path, folded):
    path = _standardised(tmp_path, folded)
    assert spec_document(path)["layers"] == [{"name": "conv", "std_conv": {"out": 8, "kernel": 3, "padding": 1}}]
    totals = cnncalc.analyze(path).totals
    # torch: weight 8·3·3·3 = 216, bias 8, gain 8 = 232 (the transposed copy the folded file holds is no
    # parameter); MACs 8·6·6 outputs · 27 = 7,776
    assert (totals.params, totals.state, totals.macs) == (232, 0, 7_776)


@pytest.mark.parametrize("folded", [True, False])
def test_a_standardised_weight_without_a_gain(tmp_path, folded):
    path = _standardised(tmp_path, folded, gain=False)
    assert spec_document(path)["layers"][0]["std_conv"] == {"out": 8, "kernel": 3, "padding": 1, "gain": False}
    assert cnncalc.analyze(path).totals.params == 216 + 8          # StdConv2d: weight and bias


@pytest.mark.parametrize("shift", [{"learned_shift": 0.1}, {"constant_shift": 0.5}])
def test_a_shift_other_than_zeros_is_refused(tmp_path, cli, shift):
    # std_conv has a gain only: a shift of other values, learned (an initializer) or a Constant, is refused
    code, _, err = cli("analyze", _standardised(tmp_path, True, **shift))
    assert code == 2 and "standardised with a shift of other values than zeros" in err


def test_a_shift_of_zeros_in_an_initializer_is_none(tmp_path):
    # the dynamo exporter's optimiser makes timm's constant zero shift an initializer: still no parameter
    path = _standardised(tmp_path, True, learned_shift=0.0)
    assert cnncalc.analyze(path).totals.params == 232


def test_a_zero_bias_computed_from_constants_is_none(tmp_path):
    # dynamo (optimize=False) writes a bias-free convolution's bias as Expand(CastLike(0.0, x), [C_out]): folded
    # (CastLike reads only its second input's type), it holds no learned value
    nodes = [const("zero", np.array(0.0, np.float32)), node("CastLike", ["zero", "x"], ["z"]),
             const("n", np.array([4], np.int64)), node("Expand", ["z", "n"], ["b"]),
             node("Conv", ["x", "w", "b"], ["y"], name="/conv/Conv", kernel_shape=[1, 1])]
    path = save(tmp_path / "z.onnx", nodes, [1, 3, 5, 5], {"w": np.ones((4, 3, 1, 1), np.float32)})
    assert spec_document(path)["layers"] == [{"name": "conv", "conv": {"out": 4, "kernel": 1, "bias": False}}]
    assert cnncalc.analyze(path).totals.params == 12          # 4·3 weights
