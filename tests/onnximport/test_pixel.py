"""ONNX DepthToSpace, SpaceToDepth and the 6-D Reshape → Transpose → Reshape of a space-to-depth (TResNet's
stem, torch's nn.PixelUnshuffle) → pixel_shuffle, pixel_unshuffle (cnncalc/onnxmap/pixel.py, patterns.py)."""

from __future__ import annotations

import numpy as np
import pytest

import cnncalc
from cnncalc.onnximport import spec_document
from tests.onnximport.models import node, save


def _layers(tmp_path, nodes, shape, inits=None):
    return spec_document(save(tmp_path / "m.onnx", nodes, shape, inits))["layers"]


@pytest.mark.parametrize("mode, args", [("CRD", {"factor": 2}), ("DCR", {"factor": 2, "order": "dcr"})])
def test_depth_to_space(tmp_path, mode, args):
    layers = _layers(tmp_path, [node("DepthToSpace", ["x"], ["y"], name="up", blocksize=2, mode=mode)], [1, 8, 3, 5])
    assert layers == [{"name": "up", "pixel_shuffle": args}]
    # [8, 3, 5] → [8/4, 6, 10]
    assert cnncalc.analyze(tmp_path / "m.onnx").output_shape == (2, 6, 10)


def test_space_to_depth(tmp_path):
    layers = _layers(tmp_path, [node("SpaceToDepth", ["x"], ["y"], name="down", blocksize=3)], [1, 2, 6, 9])
    assert layers == [{"name": "down", "pixel_unshuffle": {"factor": 3, "order": "dcr"}}]
    assert cnncalc.analyze(tmp_path / "m.onnx").output_shape == (18, 2, 3)


@pytest.mark.parametrize("perm, args", [((0, 3, 5, 1, 2, 4), {"factor": 4, "order": "dcr"}),   # TResNet
                                        ((0, 1, 3, 5, 2, 4), {"factor": 4})])                  # PixelUnshuffle
def test_space_to_depth_through_a_6d_reshape(tmp_path, perm, args):
    # [1, 3, 8, 12] → [1, 3, 2, 4, 3, 4] → permuted → [1, 48, 2, 3]
    nodes = [node("Reshape", ["x", "s1"], ["a"], name="s2d.Reshape"),
             node("Transpose", ["a"], ["b"], name="s2d.Transpose", perm=list(perm)),
             node("Reshape", ["b", "s2"], ["y"], name="s2d.Reshape_1")]
    layers = _layers(tmp_path, nodes, [1, 3, 8, 12], {"s1": np.array([1, 3, 2, 4, 3, 4], np.int64),
                                                      "s2": np.array([1, 48, 2, 3], np.int64)})
    assert layers == [{"name": "s2d.Reshape_1", "pixel_unshuffle": args}]


def test_another_6d_permutation_is_no_pixel_rearrangement(tmp_path, cli_json):
    # not a space-to-depth: the general tensor operations of issue 22 (a 6-D reshape, a permute, a reshape back)
    nodes = [node("Reshape", ["x", "s1"], ["a"], name="r1"), node("Transpose", ["a"], ["b"], name="t", perm=[0, 1, 2, 4, 3, 5]),
             node("Reshape", ["b", "s2"], ["y"], name="r2")]
    path = save(tmp_path / "m.onnx", nodes, [1, 3, 8, 12], {"s1": np.array([1, 3, 2, 4, 3, 4], np.int64),
                                                            "s2": np.array([1, 3, 8, 12], np.int64)})
    doc = cli_json("analyze", path)
    types = [r["type"] for r in doc["layers"] if r["name"] != "input"]
    assert "pixel_unshuffle" not in types and "permute" in types and doc["layers"][-1]["output_shape"] == [3, 8, 12]


def test_torch_exports_of_space_to_depth_and_pixel_shuffles(tmp_path):
    from extras import require_torch
    torch = require_torch()
    nn = torch.nn

    class SpaceToDepth(nn.Module):                 # TResNet's stem (timm), written out
        def forward(self, x):
            n, c, h, w = x.size()
            x = x.view(n, c, h // 4, 4, w // 4, 4).permute(0, 3, 5, 1, 2, 4).contiguous()
            return x.view(n, c * 16, h // 4, w // 4)

    net = nn.Sequential(SpaceToDepth(), nn.Conv2d(48, 16, 3, padding=1), nn.PixelUnshuffle(2),
                        nn.Conv2d(64, 16, 1), nn.PixelShuffle(2)).eval()
    torch.onnx.export(net, torch.randn(1, 3, 32, 16), str(tmp_path / "m.onnx"), dynamo=False)
    types = [next(iter(set(e) - {"name", "from"})) for e in spec_document(str(tmp_path / "m.onnx"))["layers"]]
    assert types == ["pixel_unshuffle", "conv", "pixel_unshuffle", "conv", "pixel_shuffle"]
    from torch.utils.flop_counter import FlopCounterMode
    with FlopCounterMode(display=False) as counter:
        out = net(torch.randn(1, 3, 32, 16))
    report = cnncalc.analyze(str(tmp_path / "m.onnx"))
    # torch: conv 48·16·9 + 16 = 6,928, conv 64·16 + 16 = 1,040: 7,968 parameters
    assert report.totals.params == sum(p.numel() for p in net.parameters()) == 7_968
    assert report.totals.macs == counter.get_total_flops() // 2
    # by hand: [3, 32, 16] → s2d /4 [48, 8, 4] → conv [16, 8, 4] → unshuffle 2 [64, 4, 2] → conv [16, 4, 2] →
    # shuffle 2 [4, 8, 4]
    assert report.output_shape == tuple(out.shape[1:]) == (4, 8, 4)
