"""ONNX GRN (ConvNeXt V2, as timm exports it) → grn (the ReduceL2 handler of cnncalc/onnxmap/tensor.py, patterns.global_response_norm)."""

from __future__ import annotations

import numpy as np
import pytest

import cnncalc
from cnncalc.onnximport import spec_document
from tests.onnximport.models import const, node, save, weights


def _grn(prefix: str = "/grn/", opset: int = 17, with_one: bool = True):
    """timm's GlobalResponseNorm (channels first) as torch exports it, on input x; output 'y'."""
    axes = {"axes": [2, 3]} if opset < 18 else {}
    nodes = [node("ReduceL2", ["x"] + (["ax23"] if opset >= 18 else []), ["g"], name=prefix + "ReduceL2",
                  keepdims=1, **axes),
             node("ReduceMean", ["g"] + (["ax1"] if opset >= 18 else []), ["m"], name=prefix + "ReduceMean",
                  keepdims=1, **({"axes": [1]} if opset < 18 else {})),
             const("eps", np.array(1e-6, np.float32)),
             node("Add", ["m", "eps"], ["d"], name=prefix + "Add"),
             node("Div", ["g", "d"], ["n"], name=prefix + "Div"),
             node("Mul", ["x", "n"], ["xn"], name=prefix + "Mul"),
             node("Mul", ["gamma", "xn"], ["a"], name=prefix + "Mul_1")]
    last = "a"
    if with_one:
        nodes += [const("one", np.array(1.0, np.float32)), node("Mul", ["a", "one"], ["a1"], name=prefix + "Mul_2")]
        last = "a1"
    nodes += [node("Add", ["beta", last], ["b"], name=prefix + "Add_1"),
              node("Add", ["x", "b"], ["y"], name=prefix + "Add_2")]
    inits = {"gamma": weights(1, 8, 1, 1), "beta": weights(1, 8, 1, 1)}
    if opset >= 18:
        inits.update(ax23=np.array([2, 3], np.int64), ax1=np.array([1], np.int64))
    return nodes, inits


@pytest.mark.parametrize("opset, with_one", [(17, True), (18, True), (17, False)])
def test_timm_grn_is_one_grn(tmp_path, opset, with_one):
    nodes, inits = _grn(opset=opset, with_one=with_one)
    path = save(tmp_path / "m.onnx", nodes, [1, 8, 5, 6], inits, opset=opset)
    assert spec_document(path)["layers"] == [{"name": "grn", "grn": {}}]
    # γ, β: 2·8 = 16 parameters; 6·240 + 3·8 + 2 = 1,466 FLOPs
    totals = cnncalc.analyze(path).totals
    assert (totals.params, totals.macs, totals.flops) == (16, 0, 1_466)


def test_a_reduce_l2_that_is_not_grn_is_a_reduce(tmp_path, cli_json):
    # not the start of a GRN: the general `reduce` (l2 over the spatial axes, keepdims), issue 22's reductions
    nodes = [node("ReduceL2", ["x"], ["y"], name="norm", axes=[2, 3], keepdims=1)]
    doc = cli_json("analyze", save(tmp_path / "m.onnx", nodes, [1, 8, 5, 6]))
    (row,) = [r for r in doc["layers"] if r["name"] != "input"]
    assert row["type"] == "reduce" and row["output_shape"] == [8, 1, 1]


def test_a_grn_whose_norms_are_read_elsewhere_is_not_matched(tmp_path, cli):
    nodes, inits = _grn()
    nodes.append(node("Add", ["y", "g"], ["z"], name="extra"))
    code, out, err = cli("analyze", save(tmp_path / "m.onnx", nodes, [1, 8, 5, 6], inits), "--format", "json")
    assert '"grn"' not in out         # its nodes map one by one (or are refused), never as one grn


def test_a_torch_export_of_timms_grn(tmp_path):
    from extras import require_torch
    torch = require_torch()
    nn = torch.nn

    class GlobalResponseNorm(nn.Module):        # timm.layers.GlobalResponseNorm, channels first, written out
        def __init__(self, dim, eps=1e-6):
            super().__init__()
            self.eps = eps
            self.weight = nn.Parameter(torch.randn(dim))
            self.bias = nn.Parameter(torch.randn(dim))

        def forward(self, x):
            x_g = x.norm(p=2, dim=(2, 3), keepdim=True)
            x_n = x_g / (x_g.mean(dim=1, keepdim=True) + self.eps)
            return x + torch.addcmul(self.bias.view(1, -1, 1, 1), self.weight.view(1, -1, 1, 1), x * x_n)

    net = nn.Sequential(nn.Conv2d(3, 8, 3), GlobalResponseNorm(8), nn.Conv2d(8, 4, 1)).eval()
    torch.onnx.export(net, torch.randn(1, 3, 9, 9), str(tmp_path / "m.onnx"), dynamo=False)
    layers = spec_document(str(tmp_path / "m.onnx"))["layers"]
    assert [next(iter(set(e) - {"name", "from"})) for e in layers] == ["conv", "grn", "conv"]
    report = cnncalc.analyze(str(tmp_path / "m.onnx"))
    # torch: conv 3·8·9 + 8 = 224, GRN 16, conv 8·4 + 4 = 36: 276
    assert report.totals.params == sum(p.numel() for p in net.parameters()) == 276
