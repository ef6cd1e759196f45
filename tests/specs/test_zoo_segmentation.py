"""The segmentation networks of the zoo written by extending zoo:mobilenet_v3_large (issue 23), against
torchvision's published figures and a hand derivation of their heads (no PyTorch needed; layer-by-layer and
MAC parity with torch: tests/parity/test_segmentation_parity.py and test_spec_parity.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cnncalc.analysis import analyze
from cnncalc.spec import read_spec

ZOO = Path(__file__).resolve().parents[2] / "specs" / "zoo"

# torchvision's mobilenet_v3_large: 5,483,032 parameters (MobileNet_V3_Large_Weights.IMAGENET1K_V2), of which
# the classifier, Linear(960, 1280) and Linear(1280, 1000), holds 960·1280 + 1280 + 1280·1000 + 1000
BACKBONE = 5_483_032 - (960 * 1280 + 1280 + 1280 * 1000 + 1000)
# LRASPPHead(40, 960, 21, 128): cbr 1×1 960→128 + BN, scale 1×1 960→128, 1×1 40→21 and 128→21 with bias
LRASPP_HEAD = (960 * 128 + 2 * 128) + 960 * 128 + (40 * 21 + 21) + (128 * 21 + 21)
# DeepLabHead(960, 21): ASPP 1×1 branch, three 3×3 dilated, pooling 1×1 (each 256 with BN), projection
# 1,280→256 + BN; a 3×3 256→256 + BN; a 1×1 256→21 with bias
DEEPLAB_HEAD = (2 * (960 * 256 + 512) + 3 * (960 * 256 * 9 + 512) + (1280 * 256 + 512)
                + (256 * 256 * 9 + 512) + (256 * 21 + 21))


@pytest.mark.parametrize("spec, params, ops", [
    # LRASPP_MobileNet_V3_Large_Weights.COCO_WITH_VOC_LABELS_V1: num_params 3,221,538, _ops 2.086 (GFLOPS)
    ("lraspp_mobilenet_v3_large", 3_221_538, "2.086"),
    # DeepLabV3_MobileNet_V3_Large_Weights.COCO_WITH_VOC_LABELS_V1: num_params 11,029,328 with the auxiliary
    # FCNHead(40, 21) (3×3 40→10 3,600, BN 20, 1×1 10→21 231); aux_loss off: 3,851 fewer. Its _ops (10.452)
    # count the auxiliary head too, so the MACs are torch's in the parity test
    ("deeplabv3_mobilenet_v3_large", 11_029_328 - (40 * 10 * 9 + 20 + 10 * 21 + 21), None),
])
def test_segmentation_networks_by_extension(spec, params, ops):
    rep = analyze(read_spec(str(ZOO / f"{spec}.yaml")))
    head = LRASPP_HEAD if spec.startswith("lraspp") else DEEPLAB_HEAD
    assert BACKBONE + head == params                       # the derivation agrees with the published figure
    assert rep.totals.params == params
    assert rep.input_shape == (3, 520, 520) and rep.output_shape == (21, 520, 520)
    if ops:
        assert f"{rep.totals.macs / 10**9:.3f}" == ops
    assert rep.warnings == ()


def test_the_dilated_backbone_keeps_its_parameters_and_stride_16():
    plain = analyze(read_spec(str(ZOO / "mobilenet_v3_large.yaml")))
    dilated = analyze(read_spec(str(ZOO / "mobilenet_v3_large.yaml"), overrides={"dilated": True}))
    assert plain.totals.params == dilated.totals.params == 5_483_032
    rows = {r.name: r for r in dilated.rows}
    # 224 / 16 = 14: the last stage keeps the 14×14 of bneck12 (its depthwise 5×5 dilated by 2, padding 4)
    assert rows["head.conv"].output_shape == (960, 14, 14)
    assert {r.name: r for r in plain.rows}["head.conv"].output_shape == (960, 7, 7)
