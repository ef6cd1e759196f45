"""ONNX arithmetic with constants → arith, sqrt, rsqrt (cnncalc/onnxmap/arith.py), from onnx.helper models and
from torch's own exports of small networks (NF-ResNet's fixed residual factor, MobileOne's + 0, DenseNet's
one-input cat), whose parameters and MACs must equal torch's."""

from __future__ import annotations

import numpy as np
import pytest

import cnncalc
from cnncalc.onnximport import spec_document
from tests.onnximport.models import const, node, save, weights


def _layers(tmp_path, nodes, shape=(1, 3, 4, 4), inits=None):
    return spec_document(save(tmp_path / "m.onnx", nodes, list(shape), inits))["layers"]


@pytest.mark.parametrize("op, first, value, expected", [
    ("Add", False, 0.0, {"op": "add", "value": 0.0}),
    ("Mul", False, 0.2, {"op": "mul", "value": 0.2}),          # float32(0.2) shown as its shortest decimal
    ("Mul", True, 0.2, {"op": "mul", "value": 0.2}),           # c·x is x·c
    ("Sub", True, 2.0, {"op": "sub", "value": 2.0, "reverse": True}),
    ("Sub", False, 2.0, {"op": "sub", "value": 2.0}),
    ("Div", False, 3.0, {"op": "div", "value": 3.0}),
    ("Div", True, 3.0, {"op": "div", "value": 3.0, "reverse": True}),
    ("Pow", False, 2.0, {"op": "pow", "value": 2.0}),
])
def test_an_operator_with_a_one_value_constant_is_arith(tmp_path, op, first, value, expected):
    c = const("c", np.array(value, np.float32))
    inputs = ["c", "x"] if first else ["x", "c"]
    layers = _layers(tmp_path, [c, node(op, inputs, ["y"], name="op")])
    assert layers == [{"name": "op", "arith": expected}]
    # 3·4·4 = 48 elements, one FLOP each; no parameters
    totals = cnncalc.analyze(tmp_path / "m.onnx").totals
    assert (totals.params, totals.macs, totals.flops) == (0, 0, 48)


def test_a_constant_of_one_value_in_any_rank(tmp_path):
    # a [1, 1, 1, 1] constant (as exporters write a scalar broadcast) is one value too; the shape is kept
    layers = _layers(tmp_path, [node("Mul", ["x", "c"], ["y"], name="m")], inits={"c": np.full((1, 1, 1, 1), 0.5, np.float32)})
    assert layers == [{"name": "m", "arith": {"op": "mul", "value": 0.5}}]


def test_a_mul_by_one_value_per_channel_is_still_scale(tmp_path):
    layers = _layers(tmp_path, [node("Mul", ["x", "g"], ["y"], name="m")], inits={"g": weights(3, 1, 1)})
    assert layers == [{"name": "m", "scale": {}}]


def test_other_constants_and_a_pow_of_activations_are_refused(tmp_path, cli):
    nodes = [node("Add", ["x", "b"], ["a"], name="bias"), node("Relu", ["a"], ["r"], name="relu"),
             node("Pow", ["a", "r"], ["y"], name="power")]
    path = save(tmp_path / "m.onnx", nodes, [1, 3, 4, 4], {"b": weights(1, 3, 1, 1)})
    code, _, err = cli("analyze", path)
    assert code == 2 and "Add ×1 (its constant has shape [1, 3, 1, 1]" in err and "'bias'" in err
    assert "Pow ×1 (Pow of two activations" in err and "'power'" in err


@pytest.mark.parametrize("op, layer", [("Sub", "sub"), ("Div", "div")])
def test_sub_and_div_of_activations(tmp_path, op, layer):
    # [3, 4, 4] op its [3, 1, 1] pooled mean, broadcast: one operation per output element, 48 FLOPs
    nodes = [node("GlobalAveragePool", ["x"], ["m"], name="mean"), node(op, ["x", "m"], ["y"], name="op")]
    layers = _layers(tmp_path, nodes)
    assert layers[1] == {"name": "op", "from": ["input", "mean"], layer: {}}
    report = cnncalc.analyze(tmp_path / "m.onnx")
    assert (report.output_shape, report.rows[-1].flops) == ((3, 4, 4), 48)


def test_sqrt_and_rsqrt(tmp_path):
    nodes = [node("Relu", ["x"], ["r"], name="relu"), node("Sqrt", ["r"], ["s"], name="root"),
             node("Sqrt", ["s"], ["t"], name="/inv/Sqrt"), const("one", np.array(1.0, np.float32)),
             node("Div", ["one", "t"], ["y"], name="/inv/Div")]
    assert _layers(tmp_path, nodes) == [{"name": "relu", "relu": {}}, {"name": "root", "sqrt": {}},
                                        {"name": "inv.Div", "rsqrt": {}}]


def test_a_sqrt_read_twice_is_not_rsqrt(tmp_path):
    nodes = [node("Sqrt", ["x"], ["s"], name="root"), const("one", np.array(1.0, np.float32)),
             node("Div", ["one", "s"], ["d"], name="inv"), node("Add", ["d", "s"], ["y"], name="sum")]
    layers = _layers(tmp_path, nodes)
    assert [next(iter(set(e) - {"name", "from"})) for e in layers] == ["sqrt", "arith", "add"]
    assert layers[1]["arith"] == {"op": "div", "value": 1.0, "reverse": True}


def _torch_figures(net, shape):
    """(parameters, MACs) as torch counts them: parameters(), and FlopCounterMode's FLOPs halved."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode
    with FlopCounterMode(display=False) as counter:
        net(torch.randn(1, *shape))
    return sum(p.numel() for p in net.parameters()), counter.get_total_flops() // 2


def _exported(net, shape, path):
    import torch
    torch.onnx.export(net.eval(), torch.randn(1, *shape), str(path), dynamo=False,
                      training=torch.onnx.TrainingMode.PRESERVE)
    return str(path)


def test_torch_exports_of_nf_mobileone_and_densenet_forms(tmp_path):
    from extras import require_torch
    torch = require_torch()
    nn = torch.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Conv2d(3, 8, 3, padding=1)
            self.a = nn.Conv2d(8, 8, 3, padding=1, bias=False)
            self.b = nn.Conv2d(8, 8, 1, bias=False)
            self.bn = nn.BatchNorm2d(8)
            self.head = nn.Conv2d(8, 4, 1)

        def forward(self, x):
            x = torch.relu(self.stem(x))
            out = 0 + self.a(x)                    # MobileOne: a branch that is absent is the number 0
            out = out + self.bn(self.b(x))
            x = x + out * 0.2                      # NF-ResNet: the residual branch times α
            x = torch.cat([x], 1)                  # DenseNet: a one-input cat
            x = torch.rsqrt(torch.relu(x) + 1.0) - 0.5
            return self.head(x / 2.0)

    net = Net()
    params, macs = _torch_figures(net.eval(), (3, 9, 7))
    report = cnncalc.analyze(_exported(net, (3, 9, 7), tmp_path / "net.onnx"))
    # torch: stem 3·8·9 + 8 = 224, a 8·8·9 = 576, b 64, bn 16, head 8·4 + 4 = 36: 916; BN's running mean and
    # var are the state, 16
    assert (report.totals.params, report.totals.state, report.totals.macs) == (params, 16, macs)
    assert params == 916 and report.output_shape == (4, 9, 7)
