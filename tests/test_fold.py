"""`analyze --depth N`: blocks deeper than N folded into one row; totals unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import SMALL        # conv, relu, maxpool, flatten, dense on 3×8×8

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
    assert code == 0 and "block (32 layers)" in out and "25,557,032" in out
    assert "\n layer1 " in out and "\n layer1.0" not in out      # a row for the block, none for its layers
    code, _, err = cli("analyze", RESNET, "--depth", "0")
    assert code == 2 and "--depth" in err




def test_share_columns_by_hand(cli, write):
    code, out, err = cli("analyze", write(SMALL), "--columns", "name,params,params_share,macs,macs_share")
    assert code == 0, err
    lines = {line.split()[0]: line.split() for line in out.splitlines() if line.strip()}
    # conv 4·3·9 + 4 = 112 of 112 + 650 = 762 parameters: 14.698% → 14.7%; dense 650/762 = 85.30% → 85.3%
    # MACs: conv 8·8·4·27 = 6,912 of 6,912 + 640 = 7,552: 91.53% → 91.5%; dense 640/7,552 = 8.47% → 8.5%
    assert lines["conv1"] == ["conv1", "112", "14.7%", "6,912", "91.5%"]
    assert lines["dense1"] == ["dense1", "650", "85.3%", "640", "8.5%"]
    assert lines["total"] == ["total", "762", "100.0%", "7,552", "100.0%"]
    assert "FLOPs" not in out.split("Input")[0]               # only the chosen columns


def test_columns_errors(cli, write):
    path = write(SMALL)
    for bad in ("layer,parms", "layer,layer", ""):
        code, _, err = cli("analyze", path, "--columns", bad)
        assert code == 2 and "--columns" in err
    code, _, err = cli("analyze", path, "--columns", "layer", "--format", "json")     # the table's old word
    assert code == 2 and "unknown column 'layer' (now called 'name')" in err
    code, _, err = cli("analyze", path, "--columns", "name,latency")                  # latency needs --device
    assert code == 2 and "needs --device" in err


def test_quiet_is_the_totals_only(cli, write):
    path = write(SMALL)
    code, out, _ = cli("analyze", path, "--quiet")
    assert code == 0 and "\n conv1 " not in out and "Parameters" in out and "762" in out     # no layer rows
    code, out, _ = cli("analyze", path, "--quiet", "--format", "markdown")
    assert code == 0 and "| conv1 |" not in out and "| Parameters | 762 |" in out
    assert cli("analyze", path, "--quiet", "--format", "json")[0] == 2


def test_share_rounding():
    from cnncalc.render.fmt import share
    # half-even on exact tenths: 1/2000 = 0.05% → 0.0%, 3/2000 = 0.15% → 0.2%
    assert (share(1, 3), share(1, 2000), share(3, 2000), share(5, 5), share(0, 0)) == \
        ("33.3%", "0.0%", "0.2%", "100.0%", "-")
