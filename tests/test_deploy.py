"""The deployed network (cnncalc/deploy.py) under the shipped runtime profiles (cnncalc/runtimes/), through the
API and the CLI; torch's own folding is the oracle of tests/parity/test_fold_parity.py.

SMALL below, derived by hand (input 3×8×8; every tensor after it 4×8×8 = 256 elements, 1,024 B in float32):
  c1   conv 3×3 'pad 1', 3 → 4, no bias: params 3·3·3·4 = 108; MACs 64 positions · 4 · 3 · 9 = 6,912;
       FLOPs 2·6,912 = 13,824
  b1   batchnorm: params γ, β = 8, state 8; FLOPs 2·256 = 512
  r1   relu: FLOPs 256
  c2   conv 3×3 'pad 1', 4 → 4, bias: params 9·4·4 + 4 = 148; MACs 64 · 4 · 4 · 9 = 9,216;
       FLOPs 18,432 + 256 = 18,688
  b2   batchnorm: params 8, state 8; FLOPs 512
  sum  add(b2, r1): FLOPs 256
  r2   relu: FLOPs 256
  eager: params 108 + 8 + 148 + 8 = 272, state 16, MACs 16,128,
         FLOPs 13,824 + 512 + 256 + 18,688 + 512 + 256 + 256 = 34,304, activations 7·256 = 1,792 elements;
         peak (spec order, float32): input 768 B; c1 768 + 1,024 = 1,792; b1 1,024 + 1,024 = 2,048;
         r1 2,048; c2 r1 + c2 = 2,048; b2 r1 + c2 + b2 = 3,072 (the first peak); sum r1 + b2 + sum = 3,072;
         r2 2,048 → 3,072 B at b2.
  fused (fold, every element-wise activation, residual add):
       c1+b1+r1: params 108 + 4 (b1's shift becomes the bias c1 lacked) = 112, state 0, MACs 6,912,
                 FLOPs 13,824 + 256 (that bias's add) + 256 (relu, in the epilogue) = 14,336
       c2+b2+sum+r2: params 148 (b2's shift folds into c2's own bias), MACs 9,216,
                 FLOPs 18,688 + 256 (add) + 256 (relu) = 19,200; reads c1's chain and (the shortcut) c1's chain
       totals: params 260, state 0, MACs 16,128, FLOPs 33,536, activations 2·256 = 512 elements;
       peak: input 768; c1 768 + 1,024 = 1,792; c2 1,024 + 1,024 = 2,048 → 2,048 B at c2.
  tflite-micro (fold, clamps only, no residual fusion): c1+b1+r1 (112, 14,336 FLOPs), c2+b2 (148,
       18,688 FLOPs), sum (256), r2 (256): the same totals in another grouping, 4·256 = 1,024 elements;
       peak: c2 c1 + c2 = 2,048; sum c1 + c2 + sum = 3,072 → 3,072 B at sum.
"""

from __future__ import annotations

import json

import pytest

import cnncalc
from cnncalc import runtimes
from cnncalc.errors import SpecError

SMALL = """name: small
input: [3, 8, 8]
layers:
  - {name: c1, conv: {out: 4, kernel: 3, padding: 1, bias: false}}
  - {name: b1, batchnorm: {}}
  - {name: r1, relu: {}}
  - {name: c2, conv: {out: 4, kernel: 3, padding: 1}}
  - {name: b2, batchnorm: {}}
  - {name: sum, add: {}, from: [b2, r1]}
  - {name: r2, relu: {}}
"""

LOCAL = """name: local-net
input: [3, 8, 8]
layers:
  - {name: c1, conv: {out: 4, kernel: 3}}
  - {name: lc, local: {out: 4, kernel: 3}}
"""


def figures(report):
    t = report.totals
    return t.params, t.state, t.macs, t.flops, t.activation_elements, report.peak.peak_bytes


def rows(report):
    return [(r.name, r.type, r.inputs, r.params, r.macs, r.flops) for r in report.rows]


def test_eager_is_the_spec_as_written():
    report = cnncalc.analyze(SMALL)
    assert report.runtime == "eager"
    assert figures(report) == (272, 16, 16_128, 34_304, 1_792, 3_072)
    assert report.peak.peak_layer == "b2"
    explicit = cnncalc.analyze(SMALL, runtime="eager")
    assert explicit.to_json() == report.to_json()
    assert "runtime" not in report.to_dict()          # eager's JSON is as before the runtimes


def test_fused_folds_fuses_and_merges_the_rows():
    report = cnncalc.analyze(SMALL, runtime="fused")
    assert report.runtime == "fused"
    assert figures(report) == (260, 0, 16_128, 33_536, 512, 2_048)
    assert report.peak.peak_layer == "c2"
    assert rows(report) == [("input", "input", (), 0, 0, 0),
                            ("c1", "conv+batchnorm+relu", ("input",), 112, 6_912, 14_336),
                            ("c2", "conv+batchnorm+add+relu", ("c1",), 148, 9_216, 19_200)]
    assert report.row("c2").label == "conv 3×3+batchnorm+add+relu"
    assert report.to_dict()["runtime"]["name"] == "fused"


def test_tflite_micro_fuses_clamps_but_not_the_residual_add():
    report = cnncalc.analyze(SMALL, runtime="tflite-micro")
    assert figures(report) == (260, 0, 16_128, 33_536, 1_024, 3_072)
    assert report.peak.peak_layer == "sum"
    assert rows(report) == [("input", "input", (), 0, 0, 0),
                            ("c1", "conv+batchnorm+relu", ("input",), 112, 6_912, 14_336),
                            ("c2", "conv+batchnorm", ("c1",), 148, 9_216, 18_688),
                            ("sum", "add", ("c2", "c1"), 0, 0, 256),
                            ("r2", "relu", ("sum",), 0, 0, 256)]


def test_a_non_clamping_activation_stays_a_layer_under_tflite_micro_and_fuses_under_fused():
    spec = SMALL.replace("{name: r1, relu: {}}", "{name: r1, sigmoid: {}}")
    assert [r.type for r in cnncalc.analyze(spec, runtime="tflite-micro").rows][1:3] == ["conv+batchnorm",
                                                                                         "sigmoid"]
    assert cnncalc.analyze(spec, runtime="fused").rows[1].type == "conv+batchnorm+sigmoid"


def test_what_does_not_fold():
    # batch norm without running statistics normalises with the batch's: it cannot fold
    batch_stats = SMALL.replace("{name: b1, batchnorm: {}}", "{name: b1, batchnorm: {track_running_stats: false}}")
    assert cnncalc.analyze(batch_stats, runtime="fused").rows[1].type == "conv"
    # a conv output that another layer also reads stays a tensor: nothing fuses into it
    shared = SMALL.replace("from: [b2, r1]", "from: [b2, c1]")
    assert [r.type for r in cnncalc.analyze(shared, runtime="fused").rows[1:]] == [
        "conv", "batchnorm", "relu", "conv+batchnorm+add+relu"]


def test_in_place_depthwise_under_tinyengine():
    # a depthwise convolution (a grouped conv with groups = channels) after a 1×1 expansion, TinyEngine runs it
    # in its input's storage: 8×8×8 int8 = 512 B each; eager/fused peak while dw runs: expand + dw = 1,024 B;
    # in place: 512 B (the input 3×8×8 = 192 B is freed after expand)
    spec = """name: dw
input: [3, 8, 8]
layers:
  - {name: expand, conv: {out: 8, kernel: 1}}
  - {name: dw, conv: {out: 8, kernel: 3, padding: 1, groups: 8}}
  - {name: project, conv: {out: 3, kernel: 1}}
"""
    assert cnncalc.analyze(spec, dtype="int8", runtime="fused").peak.peak_bytes == 1_024
    tiny = cnncalc.analyze(spec, dtype="int8", runtime="tinyengine")
    assert tiny.peak.in_place == (("dw", "expand"),)
    assert tiny.peak.peak_bytes == 704              # at expand: input 192 + expand 512


# MCUNetV2 (Lin et al., "Memory-efficient Patch-based Inference for Tiny Deep Learning", NeurIPS 2021, Fig. 1):
# MobileNetV2 int8 at 224×224 under TinyEngine peaks at 1,372 kB; cnncalc's deployed graph (folded, fused clamps,
# in-place depthwise) peaks at 1,404,928 B = 1,372 KiB, at stage2's expansion (stage1's projection 112·112·16 =
# 200,704 B and the expansion 112·112·96 = 1,204,224 B alive together).
def test_mobilenet_v2_int8_under_tinyengine_reproduces_mcunetv2():
    report = cnncalc.analyze("zoo:mobilenet_v2", dtype="int8", runtime="tinyengine")
    assert report.peak.peak_bytes == 112 * 112 * 16 + 112 * 112 * 96 == 1_404_928
    assert abs(report.peak.peak_bytes - 1372 * 1000) <= 0.10 * 1372 * 1000
    # the eager figure of the issue: 2.30 MiB
    assert cnncalc.analyze("zoo:mobilenet_v2", dtype="int8").peak.peak_bytes == 2_408_448


# MCUNetV2 (Lin et al., NeurIPS 2021), as issue 20 quotes it: MobileNetV2 width 0.35 at 144×144, int8, measured
# on an STM32H743 under TinyEngine: 295 kB. cnncalc: stage1's projection 72·72·8 and stage2's expansion 72·72·48.
def test_mobilenet_v2_035_at_144_under_tinyengine_within_5_percent_of_the_measurement():
    report = cnncalc.analyze("zoo:mobilenet_v2", dtype="int8", runtime="tinyengine", input=(3, 144, 144),
                             set={"width": 0.35})
    assert report.peak.peak_bytes == 72 * 72 * 8 + 72 * 72 * 48 == 290_304
    assert abs(report.peak.peak_bytes - 295_000) <= 0.05 * 295_000


def test_unknown_runtime_lists_the_shipped_ones(cli):
    message = "unknown runtime 'tinyengin' (did you mean 'tinyengine'?); one of eager, fused, tflite-micro, tinyengine"
    with pytest.raises(SpecError) as err:
        cnncalc.analyze(SMALL, runtime="tinyengin")
    assert str(err.value) == message
    code, out, stderr = cli("analyze", "zoo:lenet5", "--runtime", "tinyengin")      # (the runner's name: main)
    assert code == 2 and out == ""
    assert stderr == f"cnncalc: error: Invalid value for '--runtime': {message}; see 'main analyze --help'\n"
    code, _, stderr = cli("runtimes", "nope")
    assert code == 2
    assert stderr == "cnncalc: error: unknown runtime 'nope'; shipped: eager, fused, tflite-micro, tinyengine\n"


def test_a_layer_the_runtime_cannot_run_is_named(cli, write):
    path = write(LOCAL)
    code, out, stderr = cli("analyze", path, "--runtime", "tinyengine")
    assert code == 2 and out == ""
    assert stderr == (f"cnncalc: error: {path}:5:5: layer 'lc': the runtime 'tinyengine' cannot run a local layer: "
                      f"its weights differ by output position, and the runtime has no such kernel "
                      f"(cnncalc runtimes tinyengine)\n")
    assert cnncalc.analyze(LOCAL, runtime="fused").rows[-1].type == "local"     # fused runs it


def test_analyze_says_which_runtime(cli):
    code, out, _ = cli("analyze", "zoo:resnet18", "--runtime", "fused", "-q")
    assert code == 0
    assert "Runtime (the deployed network)" in out and "fused: Graph-optimised" in out
    assert "Parameters                                  11,684,712 (11.7M)" in out
    code, out, _ = cli("analyze", "zoo:resnet18", "--runtime", "fused", "--format", "json")
    document = json.loads(out)
    assert document["runtime"]["name"] == "fused"
    assert document["layers"][1]["type"] == "conv+batchnorm+relu"


def test_check_budgets_the_deployed_network(cli):
    # eager resnet18 has 11,689,512 parameters; folded 11,684,712 (torch's folding: tests/parity)
    code, _, _ = cli("check", "zoo:resnet18", "--max-params", "11684712")
    assert code == 1
    code, out, _ = cli("check", "zoo:resnet18", "--max-params", "11684712", "--runtime", "fused")
    assert code == 0
    assert out.splitlines()[-1] == "cnncalc check passed (as fused deploys them): 1 spec, 1 check, 1 passed, 0 failed"
    code, out, _ = cli("check", "zoo:resnet18", "--max-params", "11684712", "--runtime", "fused", "--format", "json")
    assert json.loads(out)["runtime"] == "fused"
    assert cnncalc.check("zoo:resnet18", {"params": 11_684_712}, runtime="fused").passed


def test_compare_runtimes_side_by_side(cli):
    code, out, _ = cli("compare", "zoo:resnet18", "--runtimes", "eager,fused", "--format", "json")
    assert code == 0
    document = json.loads(out)
    assert [n["name"] for n in document["specs"]] == ["eager", "fused"]
    assert document["totals"]["params"]["values"] == [11_689_512, 11_684_712]     # torchvision's; folded
    code, _, stderr = cli("compare", "zoo:resnet18", "zoo:vgg16", "--runtimes", "eager,fused")
    assert code == 2 and "give one SPEC" in stderr
    code, _, stderr = cli("compare", "zoo:resnet18", "--runtimes", "eager,fusd")
    assert code == 2
    assert "unknown runtime 'fusd' (did you mean 'fused'?); one of eager, fused, tflite-micro, tinyengine" in stderr


def test_runtimes_lists_every_profile_with_a_source_for_every_rule(cli):
    code, out, _ = cli("runtimes", "--format", "json")
    assert code == 0
    listed = json.loads(out)["runtimes"]
    assert [r["name"] for r in listed] == list(runtimes.SHIPPED) == ["eager", "fused", "tflite-micro", "tinyengine"]
    for runtime in listed:
        assert list(runtime["rules"]) == list(runtimes.RULES)
        for rule in runtime["rules"].values():
            assert rule["what"].strip() and rule["source"].strip()
    code, out, _ = cli("runtimes", "tinyengine")
    assert code == 0 and out.startswith("tinyengine: TinyEngine (MCUNet)")
    assert "in_place_depthwise  yes" in out


def test_a_bad_profile_is_a_located_error():
    text = runtimes.load("fused").source
    with open(text, encoding="utf-8") as handle:
        good = handle.read()
    with pytest.raises(SpecError, match=r"<runtime>:\d+:\d+: 'rules.fuse.value' must be one of elementwise, clamp"):
        runtimes.parse_runtime(good.replace("value: elementwise", "value: everything"))
    with pytest.raises(SpecError, match="'rules' needs 'planner'"):
        runtimes.parse_runtime("\n".join(line for line in good.splitlines() if "planner:" not in line))


def test_resnet18_flops_lose_one_per_element_of_every_folded_batch_norm():
    # docs/conventions.md: a folded BN's 2 FLOPs per element go; the bias its shift becomes (ResNet's convs
    # have none) adds 1 per element back: the difference is the BN outputs' elements
    eager, fused = cnncalc.analyze("zoo:resnet18"), cnncalc.analyze("zoo:resnet18", runtime="fused")
    bn_elements = sum(row.activation_elements for row in eager.rows if row.type == "batchnorm")
    assert (eager.totals.flops, fused.totals.flops) == (3_637_806_568, 3_635_322_856)
    assert eager.totals.flops - fused.totals.flops == bn_elements == 2_483_712


def test_a_fused_activation_keeps_its_own_parameters_and_a_depthwise_host_takes_the_fold():
    # input 4×6×6. dw: depthwise_conv 3×3 'pad 1', no bias: 4·9 = 36 params, MACs 36 positions · 4 · 9 = 1,296,
    # FLOPs 2,592; bn 8 params, 8 state, 2·144 = 288 FLOPs; prelu (one slope per channel): 4 params,
    # FLOPs 144·(its per-element rule). Fused: 36 + 4 (the fold's bias) + 4 (the slopes) = 44 params, 0 state,
    # FLOPs 2,592 + 144 (the bias add) + prelu's own.
    spec = """name: dwp
input: [4, 6, 6]
layers:
  - {name: dw, depthwise_conv: {kernel: 3, padding: 1, bias: false}}
  - {name: bn, batchnorm: {}}
  - {name: act, prelu: {per_channel: true}}
"""
    eager = cnncalc.analyze(spec)
    prelu = eager.row("act")
    assert prelu.params == 4
    fused = cnncalc.analyze(spec, runtime="fused")
    (row,) = fused.rows[1:]
    assert (row.type, row.params, row.state, row.macs) == ("depthwise_conv+batchnorm+prelu", 44, 0, 1_296)
    assert row.flops == 2_592 + 144 + prelu.flops
    tiny = cnncalc.analyze(spec, runtime="tinyengine")          # prelu is no clamp: it stays a layer
    assert [r.type for r in tiny.rows[1:]] == ["depthwise_conv+batchnorm", "prelu"]
    assert tiny.peak.in_place == (("dw", "input"),)             # depthwise, one filter per channel: in place
