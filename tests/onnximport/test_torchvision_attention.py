"""torchvision's vit_b_16, swin_t and maxvit_t exported to ONNX by torch.onnx.export (the legacy exporter,
opset 17; vit_b_16 and swin_t by the dynamo exporter too) and read by cnncalc: parameters equal to torch's
count of the model's parameters and to torchvision's published num_params, MACs equal to torch's
FlopCounterMode total halved on the same model at 224×224, batch 1, and to torchvision's published `_ops`
(GFLOPS) to its printed digits.

The oracles: torchvision's weights metadata (torchvision/models/vision_transformer.py,
ViT_B_16_Weights.IMAGENET1K_V1: 86,567,656 parameters, 17.564 GFLOPS; swin_transformer.py,
Swin_T_Weights.IMAGENET1K_V1: 28,288,354, 4.491; maxvit.py, MaxVit_T_Weights.IMAGENET1K_V1: 30,919,624,
5.558), and FlopCounterMode run as tests/parity/test_attention_parity.py runs it (autograd on, so that
nn.MultiheadAttention's fused inference path, which the counter does not see, is not taken; the math backend
of scaled_dot_product_attention). The small patterns each model brings are in test_attention_import.py,
which needs onnx only.

maxvit_t is exported with do_constant_folding=False: with folding, torch.onnx.export folds each
BatchNormalization into the convolution before it (docs/onnx.md), and the ONNX model then has other
parameters than torch's (the default export's MACs are still torch's: the last test)."""

from __future__ import annotations

import warnings

import pytest
from extras import require_torch, require_torchvision

torch = require_torch()
torchvision = require_torchvision()

import cnncalc  # noqa: E402

# torchvision's published figures: (num_params, _ops in GFLOPS as printed)
PUBLISHED = {"vit_b_16": (86_567_656, "17.564"), "swin_t": (28_288_354, "4.491"), "maxvit_t": (30_919_624, "5.558")}


def _flop_counter_macs(model) -> int:
    from torch.nn.attention import SDPBackend, sdpa_kernel
    from torch.utils.flop_counter import FlopCounterMode
    with FlopCounterMode(display=False) as counter, sdpa_kernel(SDPBackend.MATH):
        model(torch.zeros(1, 3, 224, 224))
    total = counter.get_total_flops()
    assert total % 2 == 0
    return total // 2


def _export(name, tmp_path, dynamo=False, **options):
    """torchvision's model ``name`` (untrained), exported by the legacy exporter (opset 17), or by the dynamo
    exporter with its weights in the file (external_data=False: cnncalc never reads external data) and none
    of them zero (its optimiser drops a zero bias, which torchvision initialises ViT's to)."""
    torch.manual_seed(0)
    model = getattr(torchvision.models, name)().eval()
    path = tmp_path / f"{name}.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if dynamo:
            pytest.importorskip("onnxscript", reason="the dynamo exporter needs onnxscript")
            with torch.no_grad():
                for p in model.parameters():
                    p.add_(torch.rand_like(p) * 0.01 + 0.01)
            torch.onnx.export(model, (torch.zeros(1, 3, 224, 224),), str(path), dynamo=True, external_data=False)
        else:
            torch.onnx.export(model, (torch.zeros(1, 3, 224, 224),), str(path), dynamo=False, opset_version=17,
                              **options)
    return model, str(path)


@pytest.mark.parametrize("name, options", [("vit_b_16", {}), ("swin_t", {}),
                                           ("maxvit_t", {"do_constant_folding": False}),
                                           ("vit_b_16", {"dynamo": True}), ("swin_t", {"dynamo": True})])
def test_torchvision_attention_exports_equal_torch_and_the_published_figures(name, options, tmp_path):
    model, path = _export(name, tmp_path, **options)
    report = cnncalc.analyze(path)
    params, ops = PUBLISHED[name]
    assert report.totals.params == sum(p.numel() for p in model.parameters()) == params
    assert report.totals.macs == _flop_counter_macs(model)
    assert f"{report.totals.macs / 10**9:.3f}" == ops
    assert report.output_shape == (1000,)
    types = {row.type for row in report.rows}
    if name != "vit_b_16":          # the bias of each attention, read back as its table (not its gathered values)
        assert "relative_position_bias" in types
    if name == "swin_t":            # and the mask of each shifted window attention
        assert sum(row.type == "shifted_window_mask" for row in report.rows) == 1 + 1 + 3
    if name != "vit_b_16" and not options.get("dynamo"):
        # the same arithmetic as the zoo spec written from torchvision's source, element-wise FLOPs (the
        # scaling, the bias and mask adds, the norms) and state (MaxViT's batch norms) included; ViT's export
        # scales q and k each by d^−¼ where the spec scales q by d^−½, and the dynamo exporter rewrites more
        spec = cnncalc.analyze(f"zoo:{name}")
        assert (report.totals.flops, report.totals.state) == (spec.totals.flops, spec.totals.state)


@pytest.mark.parametrize("dynamo", [False, True])
def test_maxvit_t_with_its_batch_norms_folded_by_the_exporter(dynamo, tmp_path):
    # torch.onnx.export's default (either exporter) folds each BatchNormalization into the convolution before
    # it (and the relative position biases into constants of their gathered values, which cnncalc reads back
    # as their tables): the MACs are torch's still; the parameters are the ONNX model's, not torch's
    model, path = _export("maxvit_t", tmp_path, dynamo=dynamo)
    report = cnncalc.analyze(path)
    assert report.totals.macs == _flop_counter_macs(model)
    assert sum(row.type == "relative_position_bias" for row in report.rows) == 2 * (2 + 2 + 5 + 2)
