"""Scratch buffers, RAM and flash under a runtime (cnncalc/scratch.py, cnncalc/layers/scratch.py;
docs/conventions.md, "Scratch buffers, RAM and flash"): every figure derived by hand from the kernel
libraries' own sizing formulas (cited in cnncalc/layers/scratch.py) and the liveness rule."""

from __future__ import annotations

import pytest

import cnncalc
from cnncalc.errors import SpecError
from cnncalc.layers import scratch as kernels
from cnncalc.runtimes import parse_runtime

# int8 on 8×8: c1 3×3 (3 → 8) + BN + ReLU6; dw 3×3 pad 1 + BN + ReLU6; pw 1×1 (8 → 16) + BN; dw5 5×5 pad 2 + BN.
SPEC = """
name: scratchy
input: [3, 8, 8]
defaults: {bias: false}
layers:
  - {name: c1, conv: {out: 8, kernel: 3, padding: 1}}
  - {name: bn1, batchnorm: {}}
  - {name: r1, relu6: {}}
  - {name: dw, depthwise_conv: {kernel: 3, padding: 1}}
  - {name: bn2, batchnorm: {}}
  - {name: r2, relu6: {}}
  - {name: pw, conv: {out: 16, kernel: 1}}
  - {name: bn3, batchnorm: {}}
  - {name: dw5, depthwise_conv: {kernel: 5, padding: 2}}
  - {name: bn4, batchnorm: {}}
"""


def analysed(write, runtime, **kw):
    return cnncalc.analyze(write(SPEC), dtype="int8", runtime=runtime, **kw).figures


def test_tinyengine_static_buffers_by_hand(write):
    f = analysed(write, "tinyengine")
    s = f.scratch
    # conv2d.py: im2col k·k·C_in·2·2, kernel (3×3 only) k·k·C_in·C_out·2; depthwiseConv2d.py in place:
    # 2·(H + 2p)·(W + 2p).  c1: 3·3·3·4 = 108 and 3·3·3·8·2 = 432; dw: 2·10·10 = 200; pw: 1·1·8·4 = 32;
    # dw5: 2·12·12 = 288.
    assert {x.layer: dict(x.buffers) for x in s.layers} == {
        "c1": {"im2col": 108, "kernel": 432}, "dw": {"channel": 200}, "pw": {"im2col": 32}, "dw5": {"channel": 288}}
    assert s.static == (("channel", 288, "dw5"), ("im2col", 108, "c1"), ("kernel", 432, "c1"))
    # Activations (folded, clamps fused, depthwise in place): c1's step input 192 + 512; dw in c1's storage 512;
    # pw's step dw 512 + pw 1,024 = 1,536; dw5 in pw's storage. RAM: 1,536 + 288 + 108 + 432.
    assert f.peak.peak_bytes == 1_536
    assert f.ram == 1_536 + 288 + 108 + 432 == 2_364


def test_tflite_micro_per_operator_buffers_in_the_arena_by_hand(write):
    f = analysed(write, "tflite-micro")
    # CMSIS-NN: c1 arm_convolve_s8 2·align4(27)·2 = 112; dw 3×3 pad 1: arm_depthwise_conv_3x3_s8, none;
    # pw 1×1: arm_convolve_1x1_s8_fast, none; dw5 5×5: arm_depthwise_conv_s8_opt 16·5·5·2 = 800.
    assert {x.layer: dict(x.buffers) for x in f.scratch.layers} == {"c1": {"im2col": 112}, "dw5": {"im2col": 800}}
    # No in place: steps c1 192 + 512 (+112), dw 512 + 512, pw 512 + 1,024, dw5 1,024 + 1,024 (+800).
    assert f.peak.peak_bytes == 2_048
    # The greedy planner (largest first; equal sizes the later first), every size a multiple of 16 already:
    # dw5 1,024 at 0; pw 1,024 (alive with dw5) at 1,024; dw5's scratch 800 at 2,048; dw 512 at 0 (pw is above
    # it); c1 512 at 512 (alive with dw); the input 192 at 0; c1's scratch 112 at 192. Arena 2,848 = the step of
    # dw5, no fragmentation.
    plan = f.arena
    offsets = {t.name: o for t, o in zip(plan.tensors, plan.offsets)}
    assert offsets == {"dw5": 0, "pw": 1_024, "dw5 (scratch)": 2_048, "dw": 0, "c1": 512, "input": 0,
                       "c1 (scratch)": 192}
    assert plan.arena_bytes == f.ram == 2_848 and plan.fragmentation_bytes == 0


def test_tflite_micro_aligns_every_arena_buffer_to_16_bytes(write):
    # input 3·5·5 = 75 B → 80; a 1×1 convolution to 2 channels 50 B → 64; both alive at its step: 144 (not 125)
    path = write("name: odd\ninput: [3, 5, 5]\nlayers:\n  - {name: c, conv: {out: 2, kernel: 1}}\n")
    plan = cnncalc.analyze(path, dtype="int8", runtime="tflite-micro").figures.arena
    assert [t.size for t in plan.tensors] == [80, 64] and plan.arena_bytes == 144
    assert cnncalc.analyze(path, dtype="int8", planner="greedy-by-size").figures.arena.arena_bytes == 125


def test_flash_by_hand(write):
    # Deployed (folded): c1 216 weights + 8 biases; dw 72 + 8; pw 128 + 16; dw5 400 + 16: 864 bytes at int8; and
    # per output channel of each, a 4-byte scale and 3 more bytes for the 32-bit bias: 7·(8 + 8 + 16 + 16) = 336.
    assert analysed(write, "tinyengine").flash == 864 + 336 == 1_200
    # Eager: every parameter and BN statistic at a byte (912 + 96), and the 4-byte scales only (no layer has a
    # bias as written): 4·48 = 192.
    eager = cnncalc.analyze(write(SPEC), dtype="int8").figures
    assert eager.flash == 912 + 96 + 192
    # Not int8: parameters and state at the dtype, nothing else.
    assert cnncalc.analyze(write(SPEC), runtime="fused").figures.flash == 4 * 864


def test_mobilenet_v2_flash_from_the_paper_and_torchvision():
    # MobileNetV2 (Sandler et al., CVPR 2018, Table 2): stem 32; bottlenecks (t, c, n, s); a 1×1 conv to 1280;
    # the classifier (1000). Every convolution is followed by a BN that folds into it.
    table = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]
    channels, c_in = [32], 32
    for t, c, n, _ in table:
        for _ in range(n):
            channels += ([t * c_in] if t != 1 else []) + [t * c_in, c]
            c_in = c
    channels.append(1280)
    conv = sum(channels)
    # torchvision's published num_params, 3,504,872 (torchvision/models/mobilenetv2.py, MobileNet_V2_Weights
    # meta), counts two BN parameters per conv channel; folded, each channel keeps one (the bias).
    params = 3_504_872 - conv
    f = cnncalc.analyze("zoo:mobilenet_v2", dtype="int8", runtime="tinyengine").figures
    assert f.report.totals.params == params
    assert f.flash == params + 7 * (conv + 1000)


# MCUNetV2 (Lin et al., NeurIPS 2021, Fig. 1): MobileNetV2 int8 at 224 under TinyEngine, 1372 kB (KiB: 1,404,928 B,
# the activations' peak, tests/test_deploy.py). TinyEngine's total adds its static buffers: the in-place channel
# buffer of stage 1's depthwise convolution on 112×112, 2·114·114 = 25,992; the im2col of the last 1×1 convolution
# (960 input channels), 960·4 = 3,840; the stem's 3×3 kernel copy 3·3·3·32·2 = 1,728. Within 10% of 1372 kB.
def test_mobilenet_v2_ram_under_tinyengine():
    f = cnncalc.analyze("zoo:mobilenet_v2", dtype="int8", runtime="tinyengine").figures
    assert f.ram == 1_404_928 + 2 * 114 * 114 + 960 * 4 + 3 * 3 * 3 * 32 * 2 == 1_436_488
    assert abs(f.ram - 1372 * 1024) <= 0.10 * 1372 * 1024


# MCUNet (Lin et al., NeurIPS 2020), as issue 20 quotes it: MobileNetV2 width 0.35 at 144, int8, measured on an
# STM32H743: TinyEngine 295 kB. Activations 290,304 B (tests/test_deploy.py), stage 1's depthwise channel buffer
# on 72×72, 2·74·74 = 10,952; the last 1×1 convolution's im2col, 336 inputs (960·0.35) · 4 = 1,344; the stem's
# 3×3 kernel copy, 16 outputs (32·0.35 → 16): 3·3·3·16·2 = 864. Within 5% of 295 kB; TF-Lite Micro needs more.
def test_mobilenet_v2_035_at_144_ram_within_5_percent_of_the_measurement():
    def ram(runtime):
        return cnncalc.analyze("zoo:mobilenet_v2", dtype="int8", runtime=runtime, input=(3, 144, 144),
                               set={"width": 0.35}).figures.ram
    tiny = ram("tinyengine")
    assert tiny == 290_304 + 2 * 74 * 74 + 336 * 4 + 3 * 3 * 3 * 16 * 2 == 303_464
    assert abs(tiny - 295_000) <= 0.05 * 295_000
    assert ram("tflite-micro") > tiny


def test_not_int8_counts_no_scratch(write):
    f = cnncalc.analyze(write(SPEC), runtime="tinyengine").figures
    assert not f.scratch.counted and f.scratch.layers == () and f.ram == f.peak.peak_bytes


def test_formulas_pointwise_and_the_library_exceptions():
    # CMSIS-NN: a 1×1 with padding is arm_convolve_s8: 2·align4(1·1·6)·2 = 32; depthwise with a multiplier of 2
    # runs the generic arm_depthwise_conv_s8 (no buffer); 3×3 with padding 2 is not the 3×3 kernel: 4·9·2 = 72.
    assert kernels.convolution("cmsis-nn", 6, 4, (1, 1), ((1, 1), (1, 1)), (1, 1), (1, 1)) == {"im2col": 32}
    assert kernels.depthwise("cmsis-nn", 4, 2, (8, 8), (3, 3), ((1, 1), (1, 1)), (1, 1), False) == {}
    assert kernels.depthwise("cmsis-nn", 4, 1, (8, 8), (3, 3), ((2, 2), (2, 2)), (1, 1), False) == {"im2col": 72}
    # TinyEngine not in place: 2·k·k·C = 2·9·4
    assert kernels.depthwise("tinyengine", 4, 1, (8, 8), (3, 3), ((1, 1), (1, 1)), (1, 1), False) == {"im2col": 72}
    assert kernels.convolution("cmsis-nn", 6, 4, (3, 3, 3), ((1, 1),) * 3, (1,) * 3, (1,) * 3) == {}


def test_check_limits_ram_and_flash(cli, write):
    path = write(SPEC)
    code, out, _ = cli("check", path, "--dtype", "int8", "--runtime", "tinyengine", "--max-ram", "2364B",
                       "--max-flash", "1200B")
    assert code == 0, out
    code, out, _ = cli("check", path, "--dtype", "int8", "--runtime", "tinyengine", "--max-ram", "2363B")
    assert code == 1 and "2,364 B" in out


@pytest.mark.parametrize("rule, value, words", [
    ("scratch", "im2col", "'rules.scratch.value' must be one of none, cmsis-nn, tinyengine"),
    ("alignment", "0", "'rules.alignment.value' must be a whole number of bytes"),
    ("patch_input", "sometimes", "'rules.patch_input.value' must be one of resident, streamed")])
def test_a_bad_rule_value_is_located(rule, value, words):
    from cnncalc import runtimes
    with open(f"{runtimes.HERE}/tflite-micro.yaml", encoding="utf-8") as handle:
        text = handle.read()
    lines = text.splitlines()
    (i,) = [n for n, line in enumerate(lines) if line.startswith(f"  {rule}:")]
    lines[i] = f"  {rule}: {{value: {value}, what: x, source: y}}"
    with pytest.raises(SpecError, match=words) as err:
        parse_runtime("\n".join(lines).encode(), "bad.yaml")
    assert err.value.location is not None and err.value.location.line == i + 1
