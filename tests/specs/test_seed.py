"""The seed specs (specs/seed/), each figure derived by hand beside the assertion; and every shipped spec's
rows add up to its totals."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from cnncalc.analysis import analyze
from cnncalc.spec import read_spec

SEED = Path(__file__).resolve().parents[2] / "specs" / "seed"


def report(name, **kwargs):
    return analyze(read_spec(str(SEED / name), **kwargs))


def rows(rep):
    return {row.name: row for row in rep.rows}


@pytest.mark.parametrize("name, weights, biases", [
    # every one of 10^6 units sees every one of 10^6 pixels; a bias per unit
    ("fc_vs_local_vs_conv_fc.yaml", 10**12, 10**6),
    # every one of 10^6 units has its own 10×10 = 100 weights; a bias per unit
    ("fc_vs_local_vs_conv_local.yaml", 10**6 * 100, 10**6),
    # one 10×10 filter shared by all units; one bias
    ("fc_vs_local_vs_conv_conv.yaml", 100, 1),
])
def test_fc_vs_local_vs_conv(name, weights, biases, cli_json, tmp_path):
    rep = report(name)
    assert rep.totals.params == weights
    assert rep.output_shape in ((10**6,), (1, 1000, 1000))        # 10^6 hidden units either way
    # each hidden unit does one MAC per weight it uses: 10^12, 10^8 and 100 per unit · 10^6 units
    assert rep.totals.macs == {"fc": 10**12, "local": 10**8, "conv": 100 * 10**6}[name.split("_")[-1][:-5]]
    # exact integers end to end: the JSON carries the ints themselves
    data = cli_json("analyze", str(SEED / name))
    assert data["totals"]["params"] == weights and isinstance(data["totals"]["params"], int)
    # with biases on: the same spec with its defaults switched
    text = (SEED / name).read_text().replace("defaults: {bias: false}", "defaults: {bias: true}")
    path = tmp_path / name
    path.write_text(text)
    assert analyze(read_spec(str(path))).totals.params == weights + biases


def test_fc_prints_exactly(cli):
    code, out, _ = cli("analyze", str(SEED / "fc_vs_local_vs_conv_fc.yaml"))
    assert code == 0 and "1,000,000,000,000" in out


def test_separable_vs_standard():
    r = rows(report("separable_vs_standard.yaml"))
    std, sep = r["both.standard.conv1"], r["both.separable.separable_conv1"]
    assert std.params == 9 * 64 * 128 == 73_728
    assert sep.params == 9 * 64 + 64 * 128 == 8_768
    assert std.macs == 56 * 56 * 73_728
    assert sep.macs == 56 * 56 * 8_768
    assert Fraction(sep.macs, std.macs) == Fraction(1, 128) + Fraction(1, 9)
    assert r["both"].output_shape == (256, 56, 56)


def test_dilated_vs_standard():
    r = rows(report("dilated_vs_standard.yaml"))
    dil, std = r["both.dilated.conv1"], r["both.standard.conv1"]
    assert dil.params == 9 * 32 * 32 == 9_216
    assert std.params == 25 * 32 * 32 == 25_600
    # both see 5×5 starting 2 positions into the padding; both keep 28×28 (28 + 4 − 5 + 1)
    for row in (dil, std):
        assert row.output_shape == (32, 28, 28)
        assert [(a.size, a.stride, a.start) for a in row.rf] == [(5, 1, -2)] * 2


def test_transposed_checkerboard():
    rep = report("transposed_checkerboard.yaml")
    row = rep.rows[1]
    assert row.output_shape == (1, 7, 7)                 # (2−1)·3 + 4
    assert row.params == 16
    assert row.macs == 4 * 16                            # per input position: 4 inputs · 16 taps
    assert row.macs != 49 * 16                           # per output position would be 784
    assert [w.message for w in rep.warnings if "checkerboard" in w.message]
    # each output unit: stride 1/3 input positions; unit 0 is reached by input 0 only (taps 0..3 of input 0
    # cover outputs 0..3): the window from (0 − 3)/3 = −1 to 0, span 1 + 3/3 = 2
    assert (row.rf[0].size, row.rf[0].stride, row.rf[0].start) == (2, Fraction(1, 3), -1)


def test_spp():
    rep = report("spp.yaml")
    spp, fc = rep.rows[1], rep.rows[2]
    assert spp.output_shape == (256 * (36 + 9 + 4 + 1),) == (12_800,)
    assert fc.params == 12_800 * 4096 + 4096
    assert not rep.warnings
    odd = report("spp.yaml", input_shape=(256, 10, 10))
    # 10 positions at level 6: window ceil(10/6) = 2, stride floor(10/6) = 1 → 9 bins per axis;
    # level 3: window 4, stride 3 → 3 ✓; level 2: window 5, stride 5 → 2 ✓
    assert odd.rows[1].output_shape == (256 * (81 + 9 + 4 + 1),)
    assert len(odd.warnings) == 2 and all("level 6" in w.message for w in odd.warnings)


def test_deepface():
    rep = report("deepface.yaml")
    r = rows(rep)
    shapes = {name: r[name].output_shape for name in ("C1", "M2", "C3", "L4", "L5", "L6", "F7", "F8")}
    # 152−11+1 = 142; ceil((142−3)/2)+1 = 71; 71−9+1 = 63; 63−9+1 = 55; (55−7)//2+1 = 25; 25−5+1 = 21
    assert shapes == {"C1": (32, 142, 142), "M2": (32, 71, 71), "C3": (16, 63, 63), "L4": (16, 55, 55),
                      "L5": (16, 25, 25), "L6": (16, 21, 21), "F7": (4096,), "F8": (4030,)}
    params = {
        "C1": 11 * 11 * 3 * 32 + 32,                      # 11,648
        "C3": 9 * 9 * 32 * 16 + 16,                       # 41,488
        "L4": 55 * 55 * 16 * (9 * 9 * 16) + 55 * 55 * 16,  # 62,726,400 + 48,400
        "L5": 25 * 25 * 16 * (7 * 7 * 16) + 25 * 25 * 16,  # 7,840,000 + 10,000
        "L6": 21 * 21 * 16 * (5 * 5 * 16) + 21 * 21 * 16,  # 2,822,400 + 7,056
        "F7": 21 * 21 * 16 * 4096 + 4096,                 # 28,901,376 + 4,096
        "F8": 4096 * 4030 + 4030,                         # 16,506,880 + 4,030
    }
    assert {name: r[name].params for name in params} == params
    assert rep.totals.params == sum(params.values()) == 118_923_774
    local_and_fc = sum(params[n] for n in ("L4", "L5", "L6", "F7", "F8"))
    assert Fraction(local_and_fc, rep.totals.params) > Fraction(95, 100)
    # floor rounding at M2 would give 70, not the paper's 71
    text = (SEED / "deepface.yaml").read_text().replace("ceil_mode: true", "ceil_mode: false")
    from cnncalc.spec import parse_spec
    assert rows(analyze(parse_spec(text)))["M2"].output_shape == (32, 70, 70)


def test_netvlad_vgg16():
    rep = report("netvlad_vgg16.yaml")
    vlad = rep.rows[-1]
    assert vlad.output_shape == (64 * 512,) == (32_768,)
    assert vlad.params == 64 * 512 + 64 + 64 * 512 == 65_600
    # VGG-16's 13 convolutions (in, out, side): 3×3 weights + bias each
    convs = [(3, 64, 224), (64, 64, 224), (64, 128, 112), (128, 128, 112), (128, 256, 56), (256, 256, 56),
             (256, 256, 56), (256, 512, 28), (512, 512, 28), (512, 512, 28), (512, 512, 14), (512, 512, 14),
             (512, 512, 14)]
    conv_params = sum(9 * i * o + o for i, o, _ in convs)
    assert conv_params == 14_714_688
    assert rep.totals.params == conv_params + 65_600
    n = 14 * 14
    assert vlad.macs == 2 * n * 64 * 512
    assert rep.totals.macs == sum(s * s * 9 * i * o for i, o, s in convs) + vlad.macs


def test_inception_naive():
    r = report("inception_naive.yaml")
    c_in, c1, hw = 16, 16, 28 * 28
    weights = (1 * 1 + 3 * 3 + 5 * 5) * c_in * c1           # = 8,960, the textbook's figure
    assert r.totals.params == weights == 8960
    assert r.totals.macs == weights * hw                     # every conv keeps 28×28 ('same')
    assert r.output_shape == (3 * c1 + c_in, 28, 28)         # the pool passes its 16 channels through
    assert [a.size for a in r.output_rf] == [5, 5]           # the widest branch: 5×5


def test_inception_bottleneck_true_count_and_the_textbook_formula():
    r = report("inception_bottleneck.yaml")
    c_in, c1, c2, hw = 16, 16, 8, 28 * 28
    true = (c_in * c1                      # 1×1 branch
            + c_in * c2 + 3 * 3 * c2 * c1  # reduce, 3×3
            + c_in * c2 + 5 * 5 * c2 * c1  # reduce, 5×5
            + c_in * c1)                   # pool projection
    assert r.totals.params == true == 5120
    textbook = (1 * 1 * (3 * c1 + c2) + 3 * 3 * c2 + 5 * 5 * c2) * c1
    assert textbook == 5248
    assert textbook - true == c1 * c1 - c1 * c2     # one reduce counted as C1→C1 instead of C1→C2
    assert r.totals.macs == true * hw
    assert r.output_shape == (4 * c1, 28, 28)


def test_stacked_3x3_vs_single_5x5():
    c = 64
    stacked, single = report("stacked_3x3.yaml"), report("single_5x5.yaml")
    assert stacked.totals.params == 2 * 3 * 3 * c * c == 18 * c * c
    assert single.totals.params == 5 * 5 * c * c == 25 * c * c
    # both see 5×5 of the input: 3 + (3 − 1) = 5
    assert [a.size for a in stacked.output_rf] == [5, 5] == [a.size for a in single.output_rf]
    assert stacked.totals.macs == 18 * c * c * 32 * 32
    assert single.totals.macs == 25 * c * c * 32 * 32


def test_every_shipped_spec_analyses_and_its_rows_add_up():
    """Every seed and zoo spec: the totals are the sums of the rows, parameters split exactly into trainable
    and non-trainable, and the activation total is every row's output but the input's."""
    paths = sorted(SEED.glob("*.yaml")) + sorted((SEED.parent / "zoo").glob("*.yaml"))
    assert len(paths) >= 13
    for path in paths:
        r = analyze(read_spec(str(path)))
        t = r.totals
        assert t.params == sum(row.params for row in r.rows) > 0, path.name
        assert t.macs == sum(row.macs for row in r.rows), path.name
        assert t.flops == sum(row.flops for row in r.rows), path.name
        assert t.state == sum(row.state for row in r.rows), path.name
        assert t.trainable_params + t.non_trainable_params == t.params, path.name
        assert t.activation_elements == sum(row.activation_elements for row in r.rows if row.type != "input")


def test_squeeze_excitation_costs():
    # the spec's description, by hand: a ResNet basic block at 64 channels on 56×56, SE reduction 16 (64 → 4 → 64)
    positions = 56 * 56                                        # 3,136
    plain_params = 2 * 9 * 64 * 64 + 2 * 2 * 64                # two 3×3 convs without bias + two BNs' γ, β
    plain_macs = 2 * 9 * 64 * 64 * positions                   # 231,211,008
    se_params = (64 * 4 + 4) + (4 * 64 + 64)                   # fc1 and fc2, 1×1 convs with bias: 260 + 320
    se_macs = 64 * 4 + 4 * 64                                  # at the one position of the pooled map
    with_se = report("squeeze_excitation.yaml")
    without = report("squeeze_excitation.yaml", overrides={"se": False})
    assert (without.totals.params, without.totals.macs) == (plain_params, plain_macs) == (73_984, 231_211_008)
    assert (with_se.totals.params - without.totals.params, with_se.totals.macs - without.totals.macs) \
        == (se_params, se_macs) == (580, 512)
    r = rows(with_se)
    # the pool reads every element (n−1 adds and a divide per channel); the gate multiplies every element
    assert r["res.main.se.squeeze"].flops == 64 * positions
    assert r["res.main.se.excite"].flops == 64 * positions
    assert r["res.main.se.excite"].output_shape == (64, 56, 56)
