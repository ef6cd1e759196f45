"""zoo:mobilenet_v1's width and resolution arguments against the MobileNet paper (Howard et al. 2017,
"MobileNets: Efficient Convolutional Neural Networks for Mobile Vision Applications") and by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from cnncalc.analysis import analyze
from cnncalc.spec import read_spec

ZOO = Path(__file__).resolve().parents[2] / "specs" / "zoo"


def v1(**overrides):
    return analyze(read_spec(str(ZOO / "mobilenet_v1.yaml"), overrides=overrides)).totals


# 0.25 MobileNet by hand. Channels max(floor(0.25·C), 8) of Table 1's 32, 64, 128, 128, 256, 256, 512 (×6),
# 1024, 1024: 8, 16, 32, 32, 64, 64, 128 (×6), 256, 256. Parameters (no bias, no BN, as the paper counts):
#   conv1 3·3·3·8 = 216; each dw/pw pair 9·in + in·out:
#   (8,16) 72+128 = 200; (16,32) 144+512 = 656; (32,32) 288+1,024 = 1,312; (32,64) 288+2,048 = 2,336;
#   (64,64) 576+4,096 = 4,672; (64,128) 576+8,192 = 8,768; (128,128) ×5: 5·(1,152+16,384) = 87,680;
#   (128,256) 1,152+32,768 = 33,920; (256,256) 2,304+65,536 = 67,840; fc 256·1,000 + 1,000 = 257,000
#   sum: 207,600 + 257,000 = 464,600 (Table 6: "0.25 MobileNet-224 … 0.5 million parameters")
# MACs at 224 (TF 'same' padding: 112, 56, 28, 14, 7): each layer's weights × its output positions, fc 256,000:
#   216·112² = 2,709,504; 200·112² = 2,508,800; 656·56² = 2,057,216; 1,312·56² = 4,114,432;
#   2,336·28² = 1,831,424; 4,672·28² = 3,662,848; 8,768·14² = 1,718,528; 87,680·14² = 17,185,280;
#   33,920·7² = 1,662,080; 67,840·7² = 3,324,160; + 256,000 = 41,030,272 (Table 6: 41 million mult-adds)
# MACs at 96 (48, 24, 12, 6, 3): 216·48² = 497,664; 200·48² = 460,800; 656·24² = 377,856;
#   1,312·24² = 755,712; 2,336·12² = 336,384; 4,672·12² = 672,768; 8,768·6² = 315,648; 87,680·6² = 3,156,480;
#   33,920·3² = 305,280; 67,840·3² = 610,560; + 256,000 = 7,745,152
QUARTER_PARAMS, QUARTER_MACS_224, QUARTER_MACS_96 = 464_600, 41_030_272, 7_745_152


def test_quarter_width_by_hand():
    assert (v1(width=0.25).params, v1(width=0.25).macs) == (QUARTER_PARAMS, QUARTER_MACS_224)
    assert (v1(width=0.25, resolution=96).params, v1(width=0.25, resolution=96).macs) == (QUARTER_PARAMS,
                                                                                        QUARTER_MACS_96)
    # MLPerf Tiny's visual wake words / TFLM person detection shape: two classes: the fc is 256·2 + 2 instead
    # of 256,000 + 1,000 parameters (and 512 instead of 256,000 MACs)
    two = v1(width=0.25, resolution=96, classes=2)
    assert (two.params, two.macs) == (QUARTER_PARAMS - 257_000 + 514, QUARTER_MACS_96 - 256_000 + 512)
    # a grayscale input (--input 1,96,96, as TFLM's person detection reads its camera): conv1 is 3·3·1·8 = 72
    # weights instead of 216, 72·48² = 165,888 MACs instead of 497,664
    gray = analyze(read_spec(str(ZOO / "mobilenet_v1.yaml"), input_shape=(1, 96, 96),
                             overrides={"width": 0.25, "resolution": 96, "classes": 2})).totals
    assert (gray.params, gray.macs) == (two.params - 216 + 72, two.macs - 497_664 + 165_888)


@pytest.mark.parametrize("width, million_params, million_macs", [
    # the paper's Table 6 (width multiplier, at 224): parameters in millions to one decimal, mult-adds in millions
    (1.0, "4.2", "569"), (0.75, "2.6", "325"), (0.5, "1.3", "149"), (0.25, "0.5", "41")])
def test_widths_reproduce_table_6(width, million_params, million_macs):
    totals = v1(width=width)
    assert f"{totals.params / 1e6:.1f}" == million_params and f"{totals.macs / 1e6:.0f}" == million_macs


@pytest.mark.parametrize("resolution, million_macs", [
    # the paper's Table 7 (1.0 MobileNet at 224, 192, 128: 569, 418, 186 million mult-adds, 4.2 million
    # parameters at every size). Its 160 row (290 million) is not asserted: the spec gives 290,675,200, which
    # rounds to 291; without the classifier (1,024,000) it would be 289.65, so no single convention of the
    # paper's rounding reproduces all four rows.
    (224, "569"), (192, "418"), (128, "186")])
def test_resolutions_reproduce_table_7(resolution, million_macs):
    totals = v1(resolution=resolution)
    assert f"{totals.macs / 1e6:.0f}" == million_macs and f"{totals.params / 1e6:.1f}" == "4.2"
