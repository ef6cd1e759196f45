"""Round trip as an oracle: each zoo spec → torch (tests/parity/torch_builder.py) → torch.onnx.export
(dynamo=False, the TorchScript exporter) → `cnncalc analyze model.onnx` gives the spec's own parameters, state,
MACs and output shape. Torch counts its own parameters too, so the ONNX side is held to torch as well."""

from __future__ import annotations

import warnings

import pytest
import torch

import cnncalc
from cnncalc import zoo
from tests.parity.torch_builder import build

ZOO = zoo.names("zoo")


class _Output(torch.nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return self.net(x)[self.net.output]


@pytest.mark.parametrize("name", ZOO)
def test_zoo_spec_survives_onnx_export(name, tmp_path):
    spec = cnncalc.read(name)
    net = build(spec, "cpu")
    path = tmp_path / "model.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # PRESERVE keeps BatchNormalization as its own operator (EVAL would fold it into the convolution)
        torch.onnx.export(_Output(net), (torch.zeros(1, *spec.input_shape),), str(path), dynamo=False,
                          training=torch.onnx.TrainingMode.PRESERVE)
    torch_params = sum(p.numel() for p in net.parameters())
    want, got = cnncalc.analyze(name), cnncalc.analyze(path)
    assert got.totals.params == want.totals.params == torch_params
    assert (got.totals.state, got.totals.macs) == (want.totals.state, want.totals.macs)
    assert got.output_shape == want.output_shape
