"""Issue 22's nine models that the ONNX import once refused, exported by torch and analysed, against torch's
own count of the same model (skipped without timm; extras.require_timm says how to install it): parameters
``sum(p.numel())``, state (the floating-point buffers in ``state_dict()``: BatchNorm's running statistics;
timm's blur filter is a non-persistent buffer, outside it), MACs FlopCounterMode's FLOPs halved, and the
output shape. bench/timm_refused.py runs the same comparison as a script."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from extras import require_timm, require_torchvision

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import timm_refused  # noqa: E402  (bench/timm_refused.py: the models, torch's figures, the export)

SIZE = 64         # a small input: the figures' agreement does not depend on the size, the export's time does


@pytest.mark.parametrize("name", timm_refused.MODELS)
def test_the_model_imports_exactly(tmp_path, name):
    require_timm()
    if name == "densenet121":
        require_torchvision()
    import cnncalc

    net = timm_refused.build(name)
    params, state, macs = timm_refused.torch_figures(net, SIZE)
    report = cnncalc.analyze(str(timm_refused.export(net, tmp_path / f"{name}.onnx", size=SIZE)))
    assert (report.totals.params, report.totals.state, report.totals.macs) == (params, state, macs)
    assert report.output_shape == (1000,)


def test_nf_resnet_exported_without_folding(tmp_path):
    # do_constant_folding=False keeps ScaledStdConv2d's gain an initializer of its own: the same figures
    require_timm()
    import cnncalc

    net = timm_refused.build("nf_resnet26")
    want = timm_refused.torch_figures(net, SIZE)
    path = timm_refused.export(net, tmp_path / "nf.onnx", folded=False, size=SIZE)
    totals = cnncalc.analyze(str(path)).totals
    assert (totals.params, totals.state, totals.macs) == want
