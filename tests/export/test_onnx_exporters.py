"""Every exporter (issue 24): the file `cnncalc export --to pytorch` writes goes through both of torch's ONNX
exporters, the TorchScript-based one (torch.onnx.export(..., dynamo=False)) and torch.export's (dynamo=True,
which needs onnxscript), and the ONNX model computes what eager torch does, within 1e-5, run by ONNX
Runtime (onnxscript and onnxruntime are in the parity extra; onnx's numpy reference evaluator was tried and
sizes a ceil_mode max pooling with padding wrongly, GoogLeNet's). seed:spp once lost its pooling windows in
the legacy exporter (ceil written -(-a // n)) and seed:deepface's locally connected layers failed it
outright (Tensor.unfold after F.pad): each has a test of its own below."""

from __future__ import annotations

import contextlib
import io
import warnings
from pathlib import Path

import pytest
from extras import require_torch

torch = require_torch()
onnxruntime = pytest.importorskip("onnxruntime")

from cnncalc.analysis import analyze  # noqa: E402
from cnncalc.spec import read_spec  # noqa: E402
from tests.export.exported import load_module  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
SHIPPED = sorted((REPO / "specs" / "zoo").glob("*.yaml")) + sorted((REPO / "specs" / "seed").glob("*.yaml"))
# the big networks at a smaller input their spec allows
SMALLER = {"deepface": None, "fc_vs_local_vs_conv_local": (1, 100, 100), "fc_vs_local_vs_conv_conv": (1, 100, 100),
           "unet": (1, 188, 188), "alexnet": None, "vgg16": None, "vgg16_bn": None, "netvlad_vgg16": (3, 64, 64)}
EXECUTE_LIMIT = 200_000_000


def exported_agree(path: Path, folder: Path, dynamo: bool, shape=None) -> None:
    spec = read_spec(str(path), input_shape=shape)
    if analyze(spec).totals.params > EXECUTE_LIMIT:
        pytest.skip(f"{path.stem}: too large to execute ({EXECUTE_LIMIT:,} parameters at most)")
    torch.manual_seed(0)
    net, _ = load_module(spec, folder)
    x = torch.randn(1, *spec.input_shape)
    with torch.no_grad():
        want = net(x)
    out = folder / "model.onnx"
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        torch.onnx.export(net, (x,), str(out), dynamo=dynamo)
    session = onnxruntime.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    got = session.run(None, {session.get_inputs()[0].name: x.numpy()})[0]
    torch.testing.assert_close(torch.from_numpy(got), want, rtol=1e-5, atol=1e-5)


def test_lenet5_through_the_legacy_exporter(tmp_path):
    # the fast tier's share of the tests below
    exported_agree(REPO / "specs" / "zoo" / "lenet5.yaml", tmp_path, False)


@pytest.mark.parametrize("dynamo", [False, True], ids=["legacy", "dynamo"])
@pytest.mark.parametrize("name", ["lenet5", "spp"])
def test_small_files_through_both_exporters(name, dynamo, tmp_path):
    folder = "zoo" if name == "lenet5" else "seed"
    exported_agree(REPO / "specs" / folder / f"{name}.yaml", tmp_path, dynamo)


@pytest.mark.parametrize("dynamo", [False, True], ids=["legacy", "dynamo"])
def test_locally_connected_layers_through_both_exporters(dynamo, tmp_path):
    # seed:deepface's L4–L6 (Unshared, windows by index_select) at the smallest odd size it takes
    exported_agree(REPO / "specs" / "seed" / "deepface.yaml", tmp_path, dynamo, (3, 155, 149))


# One shipped spec for each kind of code the writers produce, so that CI stays within its ten minutes; every
# shipped spec through both exporters is bench/exporters_all.py (2.6 minutes of one core; all 42 agreed on
# 2026-12-08, docs/performance.md): plain convolution, pooling and dense
# (alexnet); residual blocks and batch norm (resnet18); depthwise, ReLU6 and inverted residuals
# (mobilenet_v2); concatenated branches and ceil-mode pooling (googlenet); split and channel shuffle
# (shufflenet_v2); SiLU, squeeze-and-excitation, stochastic depth (efficientnet); LayerNorm over channels,
# linear, GELU, layer scale (convnext); transposed convolutions and crops (unet); TensorFlow 'same' padding
# (mobilenet_v1); hardswish, dilation and bilinear upsampling (lraspp_mobilenet_v3_large); attention:
# matmul, softmax, permute, reshape, split, class token, position embedding (vit_b_16); the
# seeds with their own writers (spp, deepface) have the tests above.
REPRESENTATIVE = ["alexnet", "resnet18", "mobilenet_v2", "googlenet", "shufflenet_v2", "efficientnet", "convnext",
                  "unet", "mobilenet_v1", "lraspp_mobilenet_v3_large", "vit_b_16", "squeeze_excitation", "eca"]
CHOSEN = [p for p in SHIPPED if p.stem in REPRESENTATIVE]


@pytest.mark.parametrize("dynamo", [False, True], ids=["legacy", "dynamo"])
@pytest.mark.parametrize("path", CHOSEN, ids=[p.stem for p in CHOSEN])
def test_every_kind_of_shipped_file_through_both_exporters(path, dynamo, tmp_path):
    assert len(CHOSEN) == len(REPRESENTATIVE)      # every name is a shipped spec
    exported_agree(path, tmp_path, dynamo, SMALLER.get(path.stem, read_spec(str(path)).input_shape))
