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


def _paper_modules():
    from tests.parity.test_attention_parity import ECA, GlobalContext, NonLocal, SelectiveKernel
    return {"global_context": lambda: GlobalContext(64, 4), "non_local": lambda: NonLocal(64, 32),
            "eca": lambda: ECA(64), "selective_kernel": lambda: SelectiveKernel(64, 32, 32)}


@pytest.mark.parametrize("name", ["global_context", "non_local", "eca", "selective_kernel"])
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
