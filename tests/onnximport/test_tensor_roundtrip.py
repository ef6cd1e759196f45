"""Round trip of the attention and gating seed specs (issue 22): spec → `cnncalc export --to pytorch` →
torch.onnx.export (the TorchScript exporter) → `cnncalc analyze model.onnx` gives the spec's own parameters,
state, MACs and output shape, torch's parameter count beside them: MatMul of two activations, Softmax along
an axis, the reductions, Transpose, Reshape of any rank and Expand import exactly."""

from __future__ import annotations

import pytest

from tests.onnximport.test_roundtrip import _round_trip

pytest.importorskip("torch", reason="the round trip exports with torch (the parity extra)")


# cbam is not here: its shared MLP (`share:`) becomes two Gemm nodes reading the same initializers, which the
# import counts twice (1,260 parameters for torch's 680): ONNX import does not yet tie weights
@pytest.mark.parametrize("name", ["global_context", "non_local", "eca", "selective_kernel", "transformer_block"])
def test_attention_seed_spec_survives_onnx_export(name, tmp_path):
    _round_trip(f"seed:{name}", tmp_path)


def _split_attention():
    """ResNeSt's split attention (Zhang et al., "ResNeSt", CVPRW 2022, Fig. 2 and its r-softmax), radix 2,
    cardinality 1, on 64 channels: a grouped 3×3 convolution to radix·C, the splits summed and pooled, a
    1×1 bottleneck (BN, ReLU), a 1×1 convolution back to radix·C, a softmax across the radix splits of each
    channel, and the splits weighted and summed."""
    from torch import nn
    from torch.nn import functional as F

    class SplitAttention(nn.Module):
        def __init__(self, c=64, radix=2, inner=32):
            super().__init__()
            self.radix = radix
            self.conv = nn.Sequential(nn.Conv2d(c, c * radix, 3, padding=1, groups=radix, bias=False),
                                      nn.BatchNorm2d(c * radix), nn.ReLU())
            self.fc1 = nn.Sequential(nn.Conv2d(c, inner, 1), nn.BatchNorm2d(inner), nn.ReLU())
            self.fc2 = nn.Conv2d(inner, c * radix, 1)

        def forward(self, x):
            b = x.shape[0]
            splits = self.conv(x).view(b, self.radix, -1, *x.shape[2:])          # [B, r, C, H, W]
            attention = self.fc2(self.fc1(splits.sum(1).mean((2, 3), keepdim=True)))
            attention = F.softmax(attention.view(b, 1, self.radix, -1).transpose(1, 2), dim=1)    # r-softmax
            return (splits * attention.reshape(b, self.radix, -1, 1, 1)).sum(1)

    return SplitAttention()


def _paper_modules():
    from tests.parity.test_attention_parity import ECA, GlobalContext, NonLocal, SelectiveKernel
    return {"global_context": lambda: GlobalContext(64, 4), "non_local": lambda: NonLocal(64, 32),
            "eca": lambda: ECA(64), "selective_kernel": lambda: SelectiveKernel(64, 32, 32),
            "split_attention": _split_attention}


@pytest.mark.parametrize("name", ["global_context", "non_local", "eca", "selective_kernel", "split_attention"])
def test_paper_module_exported_by_torch_imports_exactly(name, tmp_path):
    # the torch.nn modules of tests/parity/test_attention_parity.py, written from the papers (not from cnncalc),
    # exported by torch: their graphs are torch's own (ReduceMean, Unsqueeze, Transpose, Expand, MatMul of
    # activations, Softmax over positions or paths, ReduceSum); imported, parameters, state and MACs equal
    # torch's parameters and buffers and FlopCounterMode's count halved
    import warnings

    import torch
    import cnncalc
    from tests.parity.test_attention_parity import figures, flop_counter_macs
    net = _paper_modules()[name]().eval()
    x = torch.randn(1, 64, 14, 14)
    path = tmp_path / "m.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(net, (x,), str(path), dynamo=False, training=torch.onnx.TrainingMode.PRESERVE)
    report = cnncalc.analyze(path)
    assert (report.totals.params, report.totals.state, report.totals.macs) == \
        (*figures(net), flop_counter_macs(net, x))
    assert report.output_shape == (64, 14, 14)
