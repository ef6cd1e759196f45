"""`cnncalc verify`: the analysis held against the numpy execution.

The executors count window positions by enumeration and read dependencies from the executed arrays
(tests/test_execute.py checks them against nested loops), so agreement here is agreement between two
independent derivations; the tests that break the analysis on purpose show that a disagreement is caught.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from oracles import window_starts

from cnncalc.record import replace
from cnncalc.analysis import analyze
from cnncalc.execute import EXECUTORS, executor_for
from cnncalc.layers.base import Window
from cnncalc.layers.conv import Conv
from cnncalc.layers.transpose import ConvTranspose
from cnncalc.rf import AxisRF
from cnncalc.spec import parse_spec, read_spec
from cnncalc.verify import (AGREE, MISMATCH, RF_AGREE, RF_MISMATCH, RF_UNKNOWN, UNVERIFIABLE, Skip,
                            compare_axis, verify)
from cnncalc.verifycost import Cost, NoExecutor, TooLarge

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "specs" / "seed").glob("*.yaml"))
ZOO = sorted((ROOT / "specs" / "zoo").glob("*.yaml"))
RESNET18 = ROOT / "tests" / "data" / "resnet18.yaml"

# Specs that cannot be executed: file stem → the type verify must name. Each is still run
# below, to show it is reported as unverifiable rather than passed; an entry whose spec becomes verifiable
# makes its test fail, so that the entry is removed. Every layer type of the seed and zoo specs now has an
# executor, so none is expected.
EXPECTED_UNVERIFIABLE: dict[str, str] = {}

# Input used for a spec (file stem) when its own is too large to execute in a second or two. Seeds run at
# their own input otherwise; zoo specs at their own channels and at most 32 positions per spatial axis
# (16 for 3-D inputs). Add a spec here when that is too small for it.
REDUCED_INPUT = {
    "fc_vs_local_vs_conv_conv": (1, 40, 40),       # 10×10 'same' conv on 1000×1000
    "fc_vs_local_vs_conv_fc": (1, 2, 2),           # dense to 10^6 units: 4·10^6 weights on 2×2
    "alexnet": (3, 64, 64),                        # 11×11/4 then three 3×3/2 pools: 63 is the least
    "resnet18": (3, 32, 32),
    # 152×152 gives L4 55²·16·16·81 = 62,726,400 weights, above the 5·10^7 verify draws. 72 is the least
    # input the layers allow: L6 (5) needs 5 → L5 (7/2) needs 2·4 + 7 = 15 → L4 (9) 23 → C3 (9) 31 → M2
    # (3/2, ceil mode) needs ceil((n − 3)/2) + 1 ≥ 31, n = 62 → C1 (11) 72; one channel halves C1's work
    "deepface": (1, 72, 72),
    # four levels of two valid 3×3 convs (−4) and a 2×2 pool need n ≡ 12 (mod 16), n ≥ 188
    "unet": (1, 188, 188),
    "fc_vs_local_vs_conv_local": (1, 40, 40),      # 10^8 per-position weights at 1000×1000
    "netvlad_vgg16": (3, 32, 32),                  # conv5_3 2×2: NetVLAD over 4 descriptors
    "separable_vs_standard": (64, 24, 24),
    "spp": (64, 13, 13),                           # 256·50 = 12,800 inputs × 4096: 52,428,800 dense weights
    "swin_t": (3, 224, 224),
    "maxvit_t": (3, 224, 224),
    "transformer_block": (768, 8),                 # 8 tokens: the 197 of ViT-B/16 take 3.4·10^11 operations
}


def assert_unverifiable(result, stem):
    assert result.status == UNVERIFIABLE
    assert any(EXPECTED_UNVERIFIABLE[stem] == u.type for u in result.unexecutable), result.unexecutable


def verify_text(text: str, **kwargs):
    return verify(parse_spec(textwrap.dedent(text), "test.yaml"), **kwargs)


def assert_agrees(result):
    assert result.status == AGREE, [(n.name, n.problems, n.skipped) for n in result.mismatches]
    for node in result.nodes:
        assert node.shape_ok, node.name


# ----------------------------------------------------------------------------- the seed specs

@pytest.mark.parametrize("path", SEEDS, ids=[p.stem for p in SEEDS])
def test_seed_specs_verify(path):
    result = verify(read_spec(str(path), REDUCED_INPUT.get(path.stem)))
    if path.stem in EXPECTED_UNVERIFIABLE:
        assert_unverifiable(result, path.stem)
        return
    assert_agrees(result)
    # every layer's field is compared (unless the analysis itself reports it unknown, or the layer's tensor
    # has other axes than the input's: attention's heads, a [C] vector reshaped to [1, C]), and at a layer
    # that keeps the input's spatial axes, every unit along every axis
    for node in result.nodes:
        other_axes = node.skipped == Skip.OTHER_AXES and len(node.analytic_shape) != len(result.input_shape)
        assert node.rf_status in (RF_AGREE, RF_UNKNOWN) or other_axes, node.name
        if node.rf_status == RF_AGREE and len(node.analytic_shape) == len(result.input_shape):
            assert node.rf_units == sum(node.analytic_shape[1:])
    assert any(node.rf_status == RF_AGREE for node in result.nodes)


def test_there_are_seed_specs():
    assert SEEDS, "no seed specs found"


# ----------------------------------------------------------------------------- zoo specs at reduced inputs

# Spec arguments for the reduced run, where the input alone cannot make a network small enough: U-Net at
# 188×188 still has 6·10^9 MACs; at a quarter of the width (4 channels at the first level, 64 at the bottom,
# the same structure) it has 1/256 of them.
REDUCED_SETTINGS = {"unet": {"width": 4},
                    # 224×224 is the least input of these two (7×7 windows after a /32)
                    "swin_t": {"embed": 6}, "maxvit_t": {"width": 4, "head": 4},
                    # 4 tokens of 32 channels, 2 heads of 16 (1/√16 exact), 2 blocks
                    "vit_b_16": {"dim": 32, "heads": 2, "mlp": 64, "depth": 2, "resolution": 32}}


def reduced_input(path: Path) -> tuple:
    if path.stem in REDUCED_INPUT:
        return REDUCED_INPUT[path.stem]
    shape = read_spec(str(path)).input_shape
    side = 16 if len(shape) == 4 else 32
    return (shape[0], *(min(n, side) for n in shape[1:]))


@pytest.mark.parametrize("path", ZOO + [RESNET18], ids=[p.stem for p in ZOO] + ["tests/data/resnet18"])
def test_networks_verify_at_a_reduced_input(path):
    result = verify(read_spec(str(path), reduced_input(path), overrides=REDUCED_SETTINGS.get(path.stem)))
    if path.stem in EXPECTED_UNVERIFIABLE:
        assert_unverifiable(result, path.stem)
        return
    assert_agrees(result)
    assert any(node.rf_status == RF_AGREE and node.rf_units for node in result.nodes)


def test_resnet18_through_the_cli_at_64(cli):
    code, out, err = cli("verify", str(RESNET18), "--input", "3,64,64", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["input"] == [3, 64, 64] and data["status"] == "agree"
    layers = {layer["name"]: layer for layer in data["layers"]}
    # conv1 7×7/2 pad 3 on 64: (64 + 6 − 7)//2 + 1 = 32; the maxpool 3×3/2 pad 1: (32 + 2 − 3)//2 + 1 = 16;
    # layer2..4 halve it: 8, 4, 2
    assert layers["conv1"]["executed_shape"] == [64, 32, 32]
    assert layers["layer4.1.relu1"]["executed_shape"] == [512, 2, 2]
    # conv1: 7 taps 2 apart; units 2.. (field 2u−3 .. 2u+3) lie inside the 64 input: size 7, stride 2;
    # unit 0 (−3..3) sees input 0..3
    rf = layers["conv1"]["receptive_field"]
    assert rf["measured"] == {"size": [7, 7], "stride": [2, 2], "unit0_first": [0, 0], "unit0_last": [3, 3]}
    # the classifier sees every position (the last 2×2 map's fields cover the whole 64 input)
    assert layers["fc"]["receptive_field"]["measured"]["unit0_first"] == [0, 0]
    assert layers["fc"]["receptive_field"]["measured"]["unit0_last"] == [63, 63]


# ----------------------------------------------------------------------------- edge cases end to end

EDGE_SPECS = {
    "1-D: stride 3, causal padding, dilation with padding, ceil-mode pooling": """
        input: [2, 40]
        layers:
          - conv: {out: 3, kernel: 5, stride: 3}
          - conv: {out: 3, kernel: 3, padding: [[2, 0]]}
          - conv: {out: 3, kernel: 3, dilation: 3, padding: 2}
          - maxpool: {kernel: 3, stride: 2, padding: 1, ceil_mode: true}
          - avgpool: {kernel: 2, ceil_mode: true}
          - maxpool: {kernel: 2, stride: 2, padding: 1, ceil_mode: true}   # 3 → 2: a third window would start in the padding
          - sumpool: {kernel: 2, stride: 1}
    """,
    "2-D: same with even kernels, full padding, stride above kernel, groups, dense head": """
        input: [4, 21, 17]
        layers:
          - conv: {out: 8, kernel: 4, stride: 2, padding: same}
          - leaky_relu
          - conv: {out: 8, kernel: 3, padding: full, groups: 4}
          - elu
          - conv: {out: 8, kernel: [1, 3], stride: [3, 1], padding: [0, 1]}
          - gelu: {approximate: tanh}
          - avgpool: {kernel: 3, stride: 2, padding: 1, ceil_mode: true}
          - tanh
          - maxpool: {kernel: 2, dilation: 2}
          - sigmoid
          - flatten
          - dropout
          - dense: {out: 5}
          - softmax
    """,
    "2-D DAG: branches with different fields, concat and add, global pooling kept 2-D": """
        input: [3, 24, 24]
        layers:
          - {name: stem, conv: {out: 6, kernel: 3, stride: 2, padding: 1}}
          - name: mixed
            concat:
              a: [{conv: {out: 4, kernel: 1}}]
              b: [{conv: {out: 4, kernel: 5, padding: 2}}]
              c: [{maxpool: {kernel: 3, stride: 1, padding: 1}}, {conv: {out: 4, kernel: 1}}]
          - {name: sum, add: {main: [{conv: {out: 12, kernel: 3, padding: 1}}, batchnorm], skip: []}}
          - relu
          - {global_maxpool: {keepdims: true}}
          - {conv: {out: 2, kernel: 1}}
          - {global_avgpool: {}}
    """,
    # softmax over the channels of a flat vector mixes every element: the analysis once kept the flatten's
    # field here (element 0 sees one position) and verify caught it
    "flatten then softmax": """
        input: [2, 5, 6]
        layers:
          - flatten
          - softmax
          - dense: {out: 3}
    """,
    "3-D": """
        input: [2, 9, 10, 11]
        layers:
          - conv: {out: 3, kernel: 3, stride: 2, padding: 1}
          - maxpool: {kernel: 2, ceil_mode: true}
          - conv: {out: 2, kernel: [1, 2, 3], dilation: [1, 2, 1], padding: same}
    """,
}


@pytest.mark.parametrize("text", EDGE_SPECS.values(), ids=EDGE_SPECS.keys())
def test_edge_cases_agree(text):
    result = verify_text(text)
    assert_agrees(result)
    for node in result.nodes:
        if len(node.analytic_shape) == len(result.input_shape) or len(node.analytic_shape) == 1:
            assert node.rf_status == RF_AGREE, node.name


def test_unknown_fields_are_not_compared(cli, write):
    # a 5×5 conv (stride 1) and a 2×2/2 conv (stride 2) both turn 8×8 into 4×4; their sum has paths of
    # effective stride 1 and 2, so the analysis reports its field as unknown, and so for the next layer
    text = """
        input: [2, 8, 8]
        layers:
          - {name: merge, add: {a: [{conv: {out: 2, kernel: 5}}], b: [{conv: {out: 2, kernel: 2, stride: 2}}]}}
          - {name: after, conv: {out: 2, kernel: 3, padding: 1}}
    """
    result = verify_text(text)
    status = {node.name: node.rf_status for node in result.nodes}
    assert status["merge"] == status["after"] == RF_UNKNOWN
    assert status["merge.a.conv1"] == status["merge.b.conv1"] == RF_AGREE
    assert result.status == AGREE
    code, out, _ = cli("verify", write(text))
    assert code == 0 and "Receptive fields unknown in the analysis, not compared: 2 layers" in out


def test_split_probes_give_the_same_measurements():
    text = EDGE_SPECS["2-D DAG: branches with different fields, concat and add, global pooling kept 2-D"]
    whole = verify_text(text)
    split = verify_text(text, max_probe_elements=12 * 24 * 24 * 5)
    assert whole.runs == 1 and split.runs > 1
    assert [n.measured for n in split.nodes] == [n.measured for n in whole.nodes]
    assert_agrees(split)


# ----------------------------------------------------------------------------- the chapter's layer types

CHAPTER_SPECS = {
    "transposed: paddings, output padding, groups, dilation, Keras same": """
        input: [4, 9, 8]
        layers:
          - conv_transpose: {out: 6, kernel: 4, stride: 2, padding: 1}
          - conv_transpose: {out: 4, kernel: 3, stride: 3, padding: [[2, 0], [0, 1]], output_padding: 1, groups: 2}
          - conv: {out: 4, kernel: 3, stride: 2}
          - conv_transpose: {out: 2, kernel: 3, stride: 2, dilation: 2, padding: same}
          - relu6
          - conv_transpose: {out: 2, kernel: 2, stride: 3, output_padding: 2, dilation: 3}
    """,
    "transposed 1-D": """
        input: [2, 7]
        layers:
          - conv_transpose: {out: 3, kernel: 5, stride: 3, padding: 2, output_padding: 1}
          - conv: {out: 2, kernel: 3, stride: 3}
    """,
    "transposed 3-D, then a reshape to the same shape": """
        input: [2, 3, 4, 5]
        layers:
          - conv_transpose: {out: 2, kernel: [2, 3, 1], stride: [2, 1, 3]}
          - reshape: {shape: [2, 6, 6, 13]}
          - conv: {out: 2, kernel: 2, stride: 2}
    """,
    "depthwise, separable, local and tiled": """
        input: [4, 13, 11]
        layers:
          - depthwise_conv: {kernel: 3, multiplier: 2, stride: 2, padding: same}
          - separable_conv: {out: 5, kernel: [3, 2], multiplier: 3, dilation: [2, 1], padding: 1}
          - local: {out: 3, kernel: 3, stride: 2, padding: 1, bias: channel}
          - tiled_conv: {out: 2, kernel: 2, tile: [2, 3], dilation: 2}
          - local: {out: 2, kernel: 1, bias: none}
    """,
    "upsampling and adaptive pooling, fractional strides": """
        input: [2, 7, 6]
        layers:
          - upsample: {scale: [2, 3]}
          - upsample: {mode: bilinear, size: [9, 11]}
          - upsample: {mode: bilinear, scale: 2, align_corners: true}
          - adaptive_avgpool: {size: [5, 7]}
          - adaptive_maxpool: {size: 3}
          - upsample: {mode: bilinear, size: [3, 3]}
          - adaptive_maxpool: {size: [6, 4]}
    """,
    "upsampling and adaptive pooling, whole strides": """
        input: [2, 12, 12]
        layers:
          - adaptive_avgpool: {size: [4, 6]}
          - upsample: {size: [2, 3]}
          - upsample: {mode: bilinear, size: [2, 3]}
          - adaptive_maxpool: {size: 1}
    """,
    "1-D linear and 3-D trilinear": """
        input: [1, 3, 4, 5]
        layers:
          - upsample: {mode: trilinear, scale: [2, 1, 3]}
          - adaptive_avgpool: {size: [2, 3, 4]}
    """,
    "lrn, pad, reshape": """
        input: [6, 9, 8]
        layers:
          - lrn: {size: 3}
          - pad: {padding: [[2, 0], [1, 3]], value: 2.5}
          - pad: {padding: 2, mode: reflect}
          - conv: {out: 4, kernel: 3}
          - pad: {padding: [1, 0], mode: replicate}
          - conv: {out: 4, kernel: 2}
          - lrn: {size: 4}
          - reshape: {shape: [4, 14, -1]}
          - reshape: {shape: [-1]}
          - dense: {out: 3}
    """,
    "text: embedding then 1-D convolution": """
        input: [1, 20]
        layers:
          - embedding: {vocab: 50, dim: 8}
          - conv: {out: 4, kernel: 3}
          - upsample: {mode: linear, size: 9}
          - global_maxpool
    """,
    "netvlad and spp heads": """
        input: [3, 10, 9]
        layers:
          - {name: trunk, conv: {out: 6, kernel: 3}}
          - {name: heads, concat: {vlad: [{netvlad: {clusters: 4}}], pyramid: [{spp: {levels: [4, 2, 1], mode: avg}}]}}
          - dense: {out: 2}
    """,
}


def fractional(node) -> bool:
    return any(isinstance(v, Fraction) for a in node.analytic_rf for v in (a.size, a.stride, a.start))


@pytest.mark.parametrize("text", CHAPTER_SPECS.values(), ids=CHAPTER_SPECS.keys())
def test_chapter_layer_types_agree(text):
    result = verify_text(text)
    assert_agrees(result)
    for node in result.nodes:
        assert node.rf_status in (RF_AGREE, RF_UNKNOWN), node.name
        if node.type == "reshape" and len(node.analytic_shape) > 1:
            continue                       # a reshape that moves elements: the analysis says unknown
        assert node.rf_status == RF_AGREE, node.name
    # transposed convolutions and resampling by a non-integer ratio have fractional fields, compared by
    # containment only (docs/verify.md); where the ratios are whole, every rule applies
    if "whole strides" in text:
        assert not any(fractional(n) for n in result.nodes)


def test_spp_whose_windows_stop_short_sees_only_what_they_read():
    # Found by verify: levels [4] on 10 positions: window ceil(10/4) = 3, stride floor(10/4) = 2, windows
    # at 0, 2, 4, 6 (a fifth, at 8, would end at 11 > 10): they read 0..8, never 9. The analysis reported
    # the whole input (0..9). A 3×3 conv first: its unit u sees u..u+2, so the pyramid sees 0..8+2 = 0..10
    # of the 12 input positions. With a level 1 (window 10) the pyramid sees everything.
    starts = window_starts(10, 3, 2, 0, 0)
    assert starts == [0, 2, 4, 6]
    read = max(starts) + 3                                           # positions 0..8 read
    report = analyze(parse_spec(textwrap.dedent("""
        input: [2, 12, 12]
        layers:
          - conv: {out: 3, kernel: 3}
          - {name: pyramid, spp: {levels: [4]}}
          - {name: head, dense: {out: 2}}
          - {name: full, from: conv1, spp: {levels: [4, 1]}}
    """), "t.yaml"))
    rows = {row.name: row for row in report.rows}
    for name in ("pyramid", "head"):
        assert [(a.start, a.size) for a in rows[name].rf] == [(0, read + 2)] * 2
    assert [(a.start, a.size) for a in rows["full"].rf] == [(0, 12)] * 2
    assert sum("never pooled" in w.message for w in report.warnings) == 2      # one per axis, 'pyramid' only
    assert verify(parse_spec(textwrap.dedent("""
        input: [2, 10, 10]
        layers:
          - spp: {levels: [4]}
          - dense: {out: 2}
    """), "t.yaml")).status == AGREE


def test_spp_output_is_measured_as_one_vector():
    # levels [2, 1] on 5: element 0 is level 2's first bin (positions 0..2); the vector as a whole sees
    # 0..4, the analysed field, and that is what verify measures (docs/verify.md)
    result = verify_text("""
        input: [1, 5]
        layers:
          - spp: {levels: [2, 1]}
    """)
    assert_agrees(result)
    spp = next(n for n in result.nodes if n.type == "spp")
    assert (spp.measured[0].first, spp.measured[0].last) == (0, 4)


def test_a_wrong_fractional_field_is_caught(monkeypatch):
    # the transposed convolution's field is fractional, so only containment is checked; moving it one input
    # position to the right leaves unit 0's input 0 outside it
    original = ConvTranspose.infer

    def shifted(self, inputs):
        f = original(self, inputs)
        return replace(f, rf=Window(f.rf.spans, f.rf.strides, tuple(o + 1 for o in f.rf.offsets)))
    monkeypatch.setattr(ConvTranspose, "infer", shifted)
    result = verify_text(CHAPTER_SPECS["transposed: paddings, output padding, groups, dilation, Keras same"])
    assert result.status == MISMATCH
    assert any("reaches outside" in p for n in result.mismatches for p in n.problems)


# ----------------------------------------------------------------------------- disagreements are caught

STACKED = ROOT / "specs" / "seed" / "stacked_3x3.yaml"
SMALL = """
    name: small-stack
    input: [4, 12, 12]
    layers:
      - conv: {out: 4, kernel: 3, padding: 1}
      - relu
      - conv: {out: 4, kernel: 3, padding: 1}
      - relu
"""


def break_conv(monkeypatch, change):
    original = Conv.infer

    def wrong(self, inputs):
        return change(original(self, inputs))
    monkeypatch.setattr(Conv, "infer", wrong)


def test_a_wrong_output_shape_is_caught(monkeypatch, cli, write):
    break_conv(monkeypatch, lambda f: replace(f, output=(f.output[0], *(n + 1 for n in f.output[1:]))))
    result = verify_text(SMALL)
    assert result.status == MISMATCH
    conv1 = next(n for n in result.nodes if n.name == "conv1")
    assert not conv1.shape_ok and conv1.executed_shape == (4, 12, 12) and conv1.analytic_shape == (4, 13, 13)
    assert "output shape" in conv1.problems[0]
    code, out, _ = cli("verify", write(SMALL))
    assert code == 1
    assert "mismatch" in out and "conv1" in out


@pytest.mark.parametrize("what, change, message", [
    ("start", lambda w: Window(w.spans, w.strides, tuple(o + 1 for o in w.offsets)), "first position"),
    ("size", lambda w: Window(tuple(s + 2 for s in w.spans), w.strides, w.offsets), "last position"),
    ("stride", lambda w: Window(w.spans, tuple(2 * s for s in w.strides), w.offsets), "effective stride"),
])
def test_a_wrong_receptive_field_is_caught(monkeypatch, cli, write, what, change, message):
    break_conv(monkeypatch, lambda f: replace(f, rf=change(f.rf)))
    result = verify_text(SMALL)
    assert result.status == MISMATCH
    conv1 = next(n for n in result.nodes if n.name == "conv1")
    assert conv1.shape_ok and conv1.rf_status == RF_MISMATCH
    assert any(message in p for p in conv1.problems), conv1.problems
    code, out, _ = cli("verify", write(SMALL))
    assert code == 1 and message in out


def test_a_layer_without_executor_makes_the_spec_unverifiable(monkeypatch, cli, write):
    executor_for("relu")                       # load the executors before removing one
    monkeypatch.delitem(EXECUTORS, "relu")
    result = verify_text(SMALL)
    assert result.status == UNVERIFIABLE and not result.nodes
    assert [(u.layer, u.type, u.reason) for u in result.unexecutable] == [("relu1", "relu", NoExecutor("relu")),
                                                                          ("relu2", "relu", NoExecutor("relu"))]
    code, out, err = cli("verify", write(SMALL))
    assert code == 2 and "not executable" in err and "verify can execute" in err


def test_a_layer_with_too_many_weights_is_not_executed(cli, write):
    # 2·2 inputs into 10^8 units: 4·10^8 weights, above the 5·10^7 verify draws for one layer
    path = write("""
        input: [1, 2, 2]
        layers:
          - flatten
          - {name: huge, dense: {out: 100000000, bias: false}}
    """)
    result = verify(read_spec(path))
    assert result.status == UNVERIFIABLE and not result.nodes
    assert [(u.layer, u.type, u.reason) for u in result.unexecutable] == \
        [("huge", "dense", TooLarge(Cost.LAYER_WEIGHTS, 400_000_000, 50_000_000))]
    code, _, err = cli("verify", path)
    assert code == 2 and "not executable" in err and "--input" in err


def test_an_executor_breaking_the_structural_rule_is_an_error(monkeypatch):
    executor_for("relu")
    monkeypatch.setitem(EXECUTORS, "relu", lambda layer, inputs, ctx: np.maximum(inputs[0], 0) + 1)
    with pytest.raises(RuntimeError, match="all-zero input"):
        verify_text(SMALL)


# ----------------------------------------------------------------------------- the comparison rule

def dependencies(n, sets):
    """dep[i, u] for ``n`` input positions and one set of positions per unit."""
    dep = np.zeros((n, len(sets)), dtype=bool)
    for u, positions in enumerate(sets):
        dep[list(positions), u] = True
    return dep


def test_dilation_holes_agree_with_the_span():
    # 3 taps 2 apart, stride 1, no padding on 9 positions: unit u sees u, u+2, u+4; field size 5
    dep = dependencies(9, [{u, u + 2, u + 4} for u in range(5)])
    problems, measure = compare_axis(AxisRF(5, 1, 0, 5), dep, 9)
    assert problems == []
    assert (measure.size, measure.stride, measure.first, measure.last) == (5, 1, 0, 4)


def test_clipped_fields_need_only_their_inside_ends():
    # field 3 wide, start −1, stride 2 on 6 positions: unit 0 −1..1 (inside 0..1), unit 2 3..5, unit 3
    # 5..7 (inside 5)
    dep = dependencies(6, [{0, 1}, {1, 2, 3}, {3, 4, 5}, {5}])
    assert compare_axis(AxisRF(3, 2, -1, 4), dep, 6)[0] == []


@pytest.mark.parametrize("sets, message", [
    ([{0, 1, 2}, {1, 2, 3}], "reaches outside"),          # unit 0 reads position 2, outside −1..1
    ([{1}, {1, 2, 3}], None),                              # a clipped end may be a hole: agrees
    ([{0, 1}, {2, 3}], "first position 2, not 1"),
    ([{0, 1}, {1, 2}], "last position 2, not 3"),
    ([{0, 1}, set()], "depends on no input position"),
])
def test_comparison_catches(sets, message):
    problems = compare_axis(AxisRF(3, 2, -1, 2), dependencies(6, sets), 6)[0]
    if message is None:
        assert problems == []
    else:
        assert any(message in p for p in problems), problems


def test_measured_stride_is_compared():
    # analysed stride 1 but the units' fields step by 2 (the per-unit rule fails too)
    dep = dependencies(9, [{0, 1}, {2, 3}, {4, 5}])
    problems = compare_axis(AxisRF(2, 1, 0, 3), dep, 9)[0]
    assert "effective stride: analysed 1, measured 2" in problems


# ----------------------------------------------------------------------------- the command line

def test_cli_table_and_quiet_stderr(cli):
    code, out, err = cli("verify", str(STACKED), "--input", "8,16,16")
    assert code == 0
    assert "verify: the analysis agrees with the execution" in out
    assert "Output shapes agree: 5/5 layers" in out
    assert err == ""        # no progress bar when standard error is not a terminal


def test_cli_table_never_cuts_a_number_at_80_columns(cli, write, monkeypatch):
    # Rich's table cut cells and headers at 80 columns ('64×32×3 / 2', header 'Re'); the grid folds only
    # the layer name and the type. conv 3×3 stride 2 (padding 1) on 32×32 → 16×16; its field, by hand:
    # size 3, stride 2, start −1.
    monkeypatch.setenv("COLUMNS", "80")
    spec = write("""
        input: [3, 32, 32]
        layers:
          - {name: a_rather_long_layer_name_that_cannot_fit_in_its_column,
             conv: {out: 64, kernel: 3, stride: 2, padding: 1}}
          - {conv_transpose: {out: 8, kernel: 4, stride: 3}}
    """)
    code, out, _ = cli("verify", spec)
    assert code == 0
    lines = out.splitlines()
    header = next(line for line in lines if line.lstrip().startswith("Layer"))
    note = " ".join(line for line in lines if "left out to fit" in line or "terminal or COLUMNS" in line)
    for title in ("Type", "Output", "Executed", "RF analysed", "RF measured", "Unit 0 sees", "Units", "Result"):
        assert title in header or title in note          # a column that does not fit is left out, and named
    for title in ("Output", "RF analysed", "Result"):
        assert title in header                             # never these
    grid = lines[lines.index(header):lines.index("", lines.index(header))]
    assert max(len(line) for line in grid) <= 80, [line for line in grid if len(line) > 80]
    row = next(line for line in lines if "64×16×16" in line)
    assert row.count("64×16×16") == 2 and "3/2 @-1" in row
    # conv_transpose k 4, s 3 on 16 → (16−1)·3 + 4 = 49. One output unit reads up to ceil(4/3) = 2 input
    # positions, 1/3 apart, from position −1: size 3 + (2 − 1)·2 = 5, stride 2·(1/3) = 2/3, start −1 + (−1)·2 = −3,
    # written whole and unambiguous (the Rich table showed '5/2/3')
    row = next(line for line in lines if "8×49×49" in line)
    assert row.count("8×49×49") == 2 and "5/(2/3) @-3" in row
    # the long name folds instead; nothing of it is lost
    names = "".join(line[1:14].strip().removesuffix("…")          # a name broken mid-word is marked
                    for line in lines[lines.index(header) + 3:lines.index(row)])
    assert names == "a_rather_long_layer_name_that_cannot_fit_in_its_column"


def test_cli_reduced_input(cli):
    code, out, _ = cli("verify", str(STACKED), "--input", "8,12,12", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["input"] == [8, 12, 12]
    assert all(layer["executed_shape"][1:] == [12, 12] for layer in data["layers"])
    # conv2's units 2..9 (fields u−2..u+2) lie inside: 5 wide, stride 1; 12 units on each of 2 axes
    conv2 = next(layer for layer in data["layers"] if layer["name"] == "conv2")
    assert conv2["receptive_field"]["measured"]["size"] == [5, 5]
    assert conv2["receptive_field"]["units_compared"] == 24


@pytest.mark.parametrize("args", [["--input", "8,0,4"], ["--input", "64"], ["--seed", "x"]])
def test_cli_bad_usage_or_spec_exits_2(cli, args):
    code, _, err = cli("verify", str(STACKED), *args)
    assert code == 2 and err


def test_analyze_never_imports_numpy():
    code = ("import sys; from click.testing import CliRunner; from cnncalc.cli import main; "
            f"r = CliRunner().invoke(main, ['analyze', {str(STACKED)!r}]); "
            "assert r.exit_code == 0, r.output; assert 'numpy' not in sys.modules, 'numpy imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_verify_reuses_a_given_report():
    spec = read_spec(str(STACKED))
    report = analyze(spec)
    assert [n.analytic_shape for n in verify(spec, report).nodes] == [r.output_shape for r in report.rows]


def test_fields_downstream_of_a_transposed_convolution_are_envelopes():
    """A U-Net decoder: a 2×2 stride-2 transposed convolution makes output units 0 and 1 both read input
    unit 0, so their real fields coincide while the analysed (uniform) field moves by the jump each unit.
    From there on the analysed field is an envelope, even where the composed numbers are whole again
    (jump 4 × 1/2 = 2): containment is checked, exact ends are not."""
    result = verify_text("""
        input: [1, 16, 16]
        layers:
          - {name: enc, conv: {out: 4, kernel: 3, padding: 1}}
          - {name: down, maxpool: {kernel: 2}}
          - {name: mid, conv: {out: 8, kernel: 3, padding: 1}}
          - {name: up, conv_transpose: {out: 4, kernel: 2, stride: 2}}
          - {name: cat, from: [up, enc], concat: {}}
          - {name: dec, conv: {out: 4, kernel: 3, padding: 1}}
    """)
    assert_agrees(result)
    up = next(node for node in result.nodes if node.name == "up")
    # in input positions: enc 3/1 @-1; down 3 + 1 = 4/2 @-1; mid 4 + 2·2 = 8/2 @-3;
    # up (span 1 + (2 − 1)/2 = 3/2, stride 1/2, offset −1/2): 8 + (1/2)·2 = 9, stride 2·(1/2) = 1, start −3 − 1 = −4
    assert [(a.size, a.stride, a.start) for a in up.analytic_rf] == [(9, 1, -4)] * 2


# ----------------------------------------------------------------------------- limits on memory and work

def test_a_negative_seed_is_a_usage_error(cli, write):
    code, out, err = cli("verify", write(SMALL), "--seed", "-1")
    assert code == 2 and "--seed" in err and "internal error" not in err and out == ""


def test_an_input_too_large_to_hold_is_unverifiable(cli):
    # resnet50 at 3×100000×100000: the input alone has 3·10^10 elements and conv1 (64 channels, stride 2)
    # 64·50000·50000 = 1.6·10^11, far above the 2^24 = 16,777,216 elements verify holds for one example
    # (before, this ran out of memory: a MemoryError, exit 3)
    path = str(ROOT / "specs/zoo/resnet50.yaml")
    result = verify(read_spec(path, (3, 100_000, 100_000)))
    assert result.status == UNVERIFIABLE and not result.nodes
    assert [(u.layer, u.type, u.reason) for u in result.unexecutable] == \
        [("conv1", "conv", TooLarge(Cost.TENSOR, 160_000_000_000, 2**24))]
    code, _, err = cli("verify", path, "--input", "3,100000,100000")
    # the refusal names an input that fits (tests/test_verify_limits.py checks that it does)
    assert code == 2 and "try --input 3," in err and "verify can execute" not in err


def test_too_much_work_is_unverifiable(cli):
    # resnet50 at its own 3×224×224: 224 + 224 = 448 probes. Its largest tensor is conv1's 64·112·112 =
    # 802,816 elements, so a structural run holds 2^25 // 802,816 − 1 = 40 probes (plus the zero probe):
    # ⌈448/40⌉ = 12 runs. Examples executed: 1 (numeric) + 448 + 12 = 461; MACs 4,089,184,256 (the figure
    # torchvision publishes); 461 · 4.09·10^9 alone is 1.9·10^12, above the 3·10^11 limit
    path = str(ROOT / "specs/zoo/resnet50.yaml")
    result = verify(read_spec(path))
    assert result.status == UNVERIFIABLE and not result.nodes
    [u] = result.unexecutable
    assert (u.reason.cost, u.reason.examples, u.reason.macs, u.reason.allowed) == \
        (Cost.WORK, 461, 4_089_184_256, 3 * 10**11)
    assert u.reason.found == 461 * (4_089_184_256 + 50 * u.reason.elements)
    code, _, err = cli("verify", path)
    assert code == 2 and "try --input 3," in err


def test_max_work_boundary(cli, write):
    # input [1, 4], one relu: 4 probes in one structural run (plus its zero probe) and the numeric run:
    # 6 examples; no MACs; elements: input 4 + relu 4 = 8 → work 6 · (0 + 50 · 8) = 2,400
    path = write("input: [1, 4]\nlayers:\n  - relu\n")
    result = verify(read_spec(path), max_work=2_400)
    assert result.status == AGREE and 1 + result.probes + result.runs == 6
    assert verify(read_spec(path), max_work=2_399).unexecutable[0].reason == \
        TooLarge(Cost.WORK, 2_400, 2_399, examples=6, macs=0, elements=8)
    code, _, err = cli("verify", path, "--max-work", "2.399K")
    assert code == 2 and "not executable" in err
    assert cli("verify", path, "--max-work", "2.4K")[0] == 0
    for bad in ("0", "lots", "-5", "1e999999999999"):
        code, _, err = cli("verify", path, "--max-work", bad)
        assert code == 2 and "--max-work" in err and "internal error" not in err


def test_dependency_tables_too_large_are_unverifiable():
    # input [1, 100000], three relus: each of the 4 tensors (input included) keeps 10^5 positions ×
    # 10^5 units of booleans: 4·10^10 entries, above 2^28 = 268,435,456 (before: a MemoryError)
    spec = parse_spec("input: [1, 100000]\nlayers:\n  - relu\n  - relu\n  - relu\n", "test.yaml")
    result = verify(spec, max_work=10**20)
    assert result.status == UNVERIFIABLE and not result.nodes
    [u] = result.unexecutable
    assert u.reason == TooLarge(Cost.TABLES, 40_000_000_000, 268_435_456)


def test_max_work_default_in_help_is_the_limit(cli):
    from cnncalc.cli.verify import DEFAULT_WORK
    from cnncalc.units import parse_count
    from cnncalc.verifycost import ELEMENT_COST, MAX_WORK
    assert parse_count(DEFAULT_WORK) == MAX_WORK
    code, out, _ = cli("verify", "--help")
    assert code == 0 and DEFAULT_WORK in out and f"{ELEMENT_COST} ×" in out
