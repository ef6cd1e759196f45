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
