"""zoo:regnet: one spec, the fifteen torchvision RegNets from the paper's design-space parameters (variants:
table, log/exp/power expressions), against torchvision's published figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cnncalc.analysis import analyze
from cnncalc.cli import main
from cnncalc.errors import SpecError
from cnncalc.spec import read_spec

ZOO = Path(__file__).resolve().parents[2] / "specs" / "zoo"

# torchvision 0.29.1, torchvision/models/regnet.py: the weights' meta of each RegNet_*_Weights (the
# IMAGENET1K_V1 entry, crop_size 224; the SWAG_E2E_V1 entries, crop_size 384): num_params exactly, and _ops
# (GFLOPS: conv and linear MACs without bias, / 10^9) to the digits printed there.
# variant: (weights, num_params, _ops, input size)
PUBLISHED = {
    "y_400mf": ("RegNet_Y_400MF_Weights.IMAGENET1K_V1", 4_344_144, "0.402", 224),
    "y_800mf": ("RegNet_Y_800MF_Weights.IMAGENET1K_V1", 6_432_512, "0.834", 224),
    "y_1_6gf": ("RegNet_Y_1_6GF_Weights.IMAGENET1K_V1", 11_202_430, "1.612", 224),
    "y_3_2gf": ("RegNet_Y_3_2GF_Weights.IMAGENET1K_V1", 19_436_338, "3.176", 224),
    "y_8gf": ("RegNet_Y_8GF_Weights.IMAGENET1K_V1", 39_381_472, "8.473", 224),
    "y_16gf": ("RegNet_Y_16GF_Weights.IMAGENET1K_V1", 83_590_140, "15.912", 224),
    "y_32gf": ("RegNet_Y_32GF_Weights.IMAGENET1K_V1", 145_046_770, "32.28", 224),
    "y_128gf": ("RegNet_Y_128GF_Weights.IMAGENET1K_SWAG_LINEAR_V1", 644_812_894, "127.518", 224),
    "x_400mf": ("RegNet_X_400MF_Weights.IMAGENET1K_V1", 5_495_976, "0.414", 224),
    "x_800mf": ("RegNet_X_800MF_Weights.IMAGENET1K_V1", 7_259_656, "0.8", 224),
    "x_1_6gf": ("RegNet_X_1_6GF_Weights.IMAGENET1K_V1", 9_190_136, "1.603", 224),
    "x_3_2gf": ("RegNet_X_3_2GF_Weights.IMAGENET1K_V1", 15_296_552, "3.177", 224),
    "x_8gf": ("RegNet_X_8GF_Weights.IMAGENET1K_V1", 39_572_648, "7.995", 224),
    "x_16gf": ("RegNet_X_16GF_Weights.IMAGENET1K_V1", 54_278_536, "15.941", 224),
    "x_32gf": ("RegNet_X_32GF_Weights.IMAGENET1K_V1", 107_811_560, "31.736", 224),
}
# the same networks at 384×384 (RegNet_Y_{16,32,128}GF_Weights.IMAGENET1K_SWAG_E2E_V1)
SWAG_384 = {"y_16gf": (83_590_140, "46.735"), "y_32gf": (145_046_770, "94.826"), "y_128gf": (644_812_894, "374.57")}


def regnet(**overrides):
    return analyze(read_spec(str(ZOO / "regnet.yaml"), overrides=overrides))


def test_the_fifteen_are_torchvisions_list():
    # torchvision.models.regnet.__all__ lists regnet_y_{400mf, 800mf, 1_6gf, 3_2gf, 8gf, 16gf, 32gf, 128gf} and
    # regnet_x_{400mf, 800mf, 1_6gf, 3_2gf, 8gf, 16gf, 32gf}: 8 + 7
    assert len(PUBLISHED) == 8 + 7


@pytest.mark.parametrize("variant", sorted(PUBLISHED))
def test_every_regnet_equals_torchvisions_published_figures(variant):
    _, num_params, ops, size = PUBLISHED[variant]
    rep = regnet(variant=variant)
    assert rep.input_shape == (3, size, size)
    assert rep.totals.params == num_params
    digits = len(ops.split(".")[1])
    assert f"{rep.totals.macs / 10**9:.{digits}f}" == ops
    assert rep.output_shape == (1000,) and rep.warnings == ()


@pytest.mark.parametrize("variant", sorted(SWAG_384))
def test_resolution_is_an_argument(variant):
    num_params, ops = SWAG_384[variant]
    rep = regnet(variant=variant, resolution=384)
    assert rep.input_shape == (3, 384, 384) and rep.totals.params == num_params
    assert f"{rep.totals.macs / 10**9:.{len(ops.split('.')[1])}f}" == ops


def test_stage_widths_and_depths_follow_the_papers_rule():
    # RegNetY-400MF by hand (d 16, w0 48, wa 27.89, wm 2.09, g 8): u_j = 48 + 27.89·j, s_j = round(ln(u_j/48) /
    # ln 2.09): j=0 → 0; j=1: ln(1.581)/ln(2.09) = 0.458/0.737 = 0.62 → 1; j=3: ln(2.743)/0.737 = 1.37 → 1;
    # j=4: ln(3.324)/0.737 = 1.63 → 2; j=9: ln(6.229)/0.737 = 2.48 → 2; j=10: ln(6.81)/0.737 = 2.60 → 3. So
    # depths 1, 3 (j 1–3), 6 (j 4–9), 6 (j 10–15); widths quantize(48·2.09^K, 8): 48, 100.32 → 104,
    # 209.67 → 208, 438.2 → 440 (the paper's Table of RegNetY-400MF: 48, 104, 208, 440 and 1, 3, 6, 6)
    rep = regnet(variant="y_400mf")
    blocks = {}
    for row in rep.rows:
        parts = row.name.split(".")
        if parts[0].startswith("block") and parts[-1] == "c":
            blocks.setdefault(parts[0], []).append(row.output_shape[0])
    assert {k: (len(v), set(v)) for k, v in blocks.items()} == {
        "block1": (1, {48}), "block2": (3, {104}), "block3": (6, {208}), "block4": (6, {440})}


def test_a_parameter_of_the_row_can_be_changed():
    # --set beats the row: RegNetY-400MF with 10 classes loses 990 rows of the 440 → 1000 classifier
    assert regnet(variant="y_400mf", classes=10).totals.params == 4_344_144 - 990 * (440 + 1)


def test_an_unknown_variant_lists_them():
    with pytest.raises(SpecError) as info:
        regnet(variant="y_600mf")
    message = str(info.value)
    assert "no variant 'y_600mf'" in message and "y_400mf, y_800mf" in message and "x_32gf" in message
    assert "regnet.yaml" in message


def test_the_command_line_selects_a_variant():
    result = CliRunner().invoke(main, ["analyze", "zoo:regnet", "--set", "variant=x_400mf", "-f", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["totals"]["params"] == PUBLISHED["x_400mf"][1]
    bad = CliRunner().invoke(main, ["analyze", "zoo:regnet", "--set", "variant=x_600mf"])
    assert bad.exit_code == 2 and "no variant 'x_600mf'" in bad.output and "did you mean 'x_800mf'" in bad.output
