"""Round trip as an oracle: each zoo spec → the PyTorch code `cnncalc export --to pytorch` writes →
torch.onnx.export (dynamo=False, the TorchScript exporter) → `cnncalc analyze model.onnx` gives the spec's own
parameters, state, MACs and output shape. Torch counts its own parameters too, so the ONNX side is held to
torch as well."""

from __future__ import annotations

import warnings

import pytest

import cnncalc
from cnncalc import zoo

torch = pytest.importorskip("torch", reason="the round trip exports with torch (the parity extra)")
from tests.export.exported import load  # noqa: E402  (imports torch)

# every zoo network, swin_t and maxvit_t included: their relative position bias becomes a Gather of its table
# and an Add to the scores, Swin's roll Slices and a Concat, its mask an Add of a constant, each read back as
# the layer it was (tests/onnximport/test_attention_import.py)
ZOO = zoo.names("zoo")


def _round_trip(name, tmp_path, **options):
    spec = cnncalc.read(name)
    net, _ = load(spec)
    path = tmp_path / "model.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # PRESERVE keeps BatchNormalization as its own operator (EVAL would fold it into the convolution)
        torch.onnx.export(net, (torch.zeros(1, *spec.input_shape),), str(path), dynamo=False,
                          training=torch.onnx.TrainingMode.PRESERVE, **options)
    torch_params = sum(p.numel() for p in net.parameters())
    want, got = cnncalc.analyze(name), cnncalc.analyze(path)
    assert got.totals.params == want.totals.params == torch_params
    assert (got.totals.state, got.totals.macs) == (want.totals.state, want.totals.macs)
    assert got.output_shape == want.output_shape
    return want, got


@pytest.mark.parametrize("name", ZOO)
def test_zoo_spec_survives_onnx_export(name, tmp_path):
    _round_trip(name, tmp_path)


def test_gelu_as_older_exports_write_it(tmp_path):
    # opset 17 has no Gelu operator: the exporter writes x / √2 → Erf → + 1 → · x → · ½. ConvNeXt-T's 18
    # blocks each have one GELU; imported, each is one gelu layer again (5 FLOPs per element, as the spec's)
    want, got = _round_trip("zoo:convnext", tmp_path, opset_version=17)
    assert sum(row.type == "gelu" for row in got.rows) == 3 + 3 + 9 + 3
    assert got.totals.flops == want.totals.flops

