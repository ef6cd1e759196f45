"""ONNX Concat of a constant before a sequence → class_token, Add of a constant of the whole shape →
position_embedding (cnncalc/onnxmap/learnable.py)."""

from __future__ import annotations

import cnncalc
from cnncalc.onnximport import spec_document
from tests.onnximport.models import node, save, weights


def test_channels_first_token_and_embedding(tmp_path):
    nodes = [node("Concat", ["cls", "x"], ["c"], name="cat", axis=2), node("Add", ["c", "pos"], ["y"], name="pos")]
    path = save(tmp_path / "m.onnx", nodes, [1, 6, 10], {"cls": weights(1, 6, 1), "pos": weights(1, 6, 11)})
    assert spec_document(path)["layers"] == [{"name": "cat", "class_token": {}},
                                             {"name": "pos", "position_embedding": {}}]
    # token 6 + embedding 6·11 = 66 parameters; 66 adds
    report = cnncalc.analyze(path)
    assert (report.output_shape, report.totals.params, report.totals.flops) == ((6, 11), 72, 66)


def test_a_vit_layout(tmp_path):
    # ViT: [N, C, L] transposed to [N, L, C], the token [1, 1, C] concatenated along L, the embedding
    # [1, L + 1, C] added: params 6 + 11·6 = 72
    nodes = [node("Transpose", ["x"], ["t"], name="t", perm=[0, 2, 1]),
             node("Concat", ["cls", "t"], ["c"], name="cat", axis=1), node("Add", ["c", "pos"], ["y"], name="pos")]
    path = save(tmp_path / "m.onnx", nodes, [1, 6, 10], {"cls": weights(1, 1, 6), "pos": weights(1, 11, 6)})
    assert [next(iter(set(e) - {"name", "from"})) for e in spec_document(path)["layers"]] == \
        ["class_token", "position_embedding"]
    assert cnncalc.analyze(path).totals.params == 72


def test_a_constant_concatenated_on_the_channels_is_refused(tmp_path, cli):
    path = save(tmp_path / "m.onnx", [node("Concat", ["c", "x"], ["y"], name="cat", axis=1)], [1, 6, 10],
                {"c": weights(1, 2, 10)})
    code, _, err = cli("analyze", path)
    assert code == 2 and "Concat ×1 (an operand is a constant (other than a class token" in err


def test_a_torch_vit_stem(tmp_path):
    from extras import require_torch
    torch = require_torch()
    nn = torch.nn

    class Stem(nn.Module):
        def __init__(self):
            super().__init__()
            self.patch = nn.Conv2d(3, 16, 4, stride=4)
            self.cls = nn.Parameter(torch.zeros(1, 1, 16))
            self.pos = nn.Parameter(torch.zeros(1, 17, 16))
            self.norm = nn.LayerNorm(16)

        def forward(self, x):
            x = self.patch(x).flatten(2).transpose(1, 2)
            x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], dim=1)
            return self.norm(x + self.pos)

    net = Stem().eval()
    torch.onnx.export(net, torch.randn(1, 3, 16, 16), str(tmp_path / "m.onnx"), dynamo=False)
    report = cnncalc.analyze(str(tmp_path / "m.onnx"))
    # torch: patch 3·16·16 + 16 = 784, cls 16, pos 17·16 = 272, norm 32: 1,104
    assert report.totals.params == sum(p.numel() for p in net.parameters()) == 1_104
