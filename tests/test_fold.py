"""`analyze --depth N`: blocks deeper than N folded into one row; totals unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RESNET = str(ROOT / "specs/zoo/resnet50.yaml")
BOTTLENECK = str(ROOT / "specs/seed/inception_bottleneck.yaml")


def analyze(cli, *args):
    code, out, err = cli("analyze", *args, "--format", "json")
    assert code == 0, err
    return json.loads(out)


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_folded_rows_add_up_to_the_unchanged_totals(cli, depth):
    whole = analyze(cli, RESNET)
    folded = analyze(cli, RESNET, "--depth", str(depth))
    assert folded["totals"] == whole["totals"] and folded["memory"] == whole["memory"]
    assert folded["receptive_field"] == whole["receptive_field"] and folded["output"] == whole["output"]
    for key in ("params", "trainable_params", "state", "macs", "flops", "activation_elements"):
        assert sum(row[key] for row in folded["layers"]) == sum(row[key] for row in whole["layers"])
    assert all(row["name"].count(".") < depth for row in folded["layers"])
    assert len(folded["layers"]) < len(whole["layers"])


def test_resnet50_layer1_by_hand(cli):
    rows = {row["name"]: row for row in analyze(cli, RESNET, "--depth", "1")["layers"]}
    # layer1: three bottlenecks at 64 channels (BN: 2·C parameters each).
    # first: 1×1 64→64 (4,096) + BN 128, 3×3 64→64 (36,864) + 128, 1×1 64→256 (16,384) + 512,
    #        downsample 1×1 64→256 (16,384) + 512 = 75,008
    # the others: 1×1 256→64 (16,384) + 128, 36,864 + 128, 16,384 + 512 = 70,400 each
    layer1 = rows["layer1"]
    assert layer1["params"] == 75_008 + 2 * 70_400
    assert layer1["type"] == "block" and layer1["output_shape"] == [256, 56, 56]
    assert layer1["inputs"] == ["maxpool"] and rows["layer2"]["inputs"] == ["layer1"]
    assert list(rows) == ["input", "conv1", "bn1", "relu1", "maxpool", "layer1", "layer2", "layer3", "layer4",
                          "avgpool", "fc"]


def test_inception_block_folds_into_one_row(cli):
    rows = analyze(cli, BOTTLENECK, "--depth", "1")["layers"]
    assert [r["name"] for r in rows] == ["input", "mixed"]
    # 1×1 16→16 (256); 1×1 16→8 (128) + 3×3 8→16 (1,152); 1×1 16→8 (128) + 5×5 8→16 (3,200); pool + 1×1 (256)
    assert rows[1]["params"] == 256 + 128 + 1_152 + 128 + 3_200 + 256
    assert rows[1]["receptive_field"] == {"size": [5, 5], "stride": [1, 1], "start": [-2, -2]}


def test_depth_in_the_table_and_a_bad_depth(cli):
    code, out, _ = cli("analyze", RESNET, "--depth", "1")
    assert code == 0 and "block (32 layers)" in out and "25,557,032" in out and "layer1.0" not in out
    code, _, err = cli("analyze", RESNET, "--depth", "0")
    assert code == 2 and "--depth" in err
