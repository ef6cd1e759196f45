"""Peak memory, training memory and the latency estimate through the CLI: analyze's summary and JSON,
check's budgets (options, a spec's budget:, budget files; exit 0/1/2 in text and JSON), compare, devices.

TINY below, derived by hand (input 1×4×4; conv 3×3 'same', 2 filters, no bias; relu; flatten; dense 32 → 3
with bias):
  params: conv 2·1·9 = 18, dense 32·3 + 3 = 99; 117 trainable.
  MACs: conv 32 outputs · 9 taps = 288, dense 96. FLOPs: conv 576, relu 32, flatten 0, dense 2·96 + 3 = 195.
  Peak (fp32, batch 1, spec order; tensors: input 64 B, conv 128, relu 128, flatten 128, dense 12):
    steps: input 64; conv 64+128 = 192; relu 128+128 = 256; flatten 256; dense 128+12 = 140 → 256 at relu
    (alive conv, relu). With --in-place (relu and the flatten view reuse their input): 192 at conv.
  Training (Adam, fp32, batch 64): weights 117·4 = 468, gradients 468, Adam 2·468 = 936; saved: conv keeps
    its input (16 values), relu its output (32), flatten nothing, dense its input = the flatten view of
    relu's output, the same storage: (16 + 32)·4·64 = 12,288. Total 14,160 B.
  Latency on DEVICE (1 G op/s float32, 1 GB/s; bytes moved = weights + inputs + output at 4 B):
    conv: of its 576 FLOPs, the taps on the padding are not the bound's work: per axis 4 outputs × 3 taps,
    the first's first and the last's last on the padding, 10 of 12 read the input; (10·10)/(12·12) of the
    288 MACs = 200 kept, 88 left out → 576 − 176 = 400 FLOPs; max(400, 72 + 64 + 128 = 264) = 400 ns;
    relu max(32, 256) = 256 ns; flatten max(0, 256) = 256 ns; dense max(195, 396 + 128 + 12 = 536) = 536 ns.
    Total 1,448 ns = 181/125,000,000 s.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
MCU = str(REPO / "specs/seed/mobilenet_v2_035_96.yaml")

TINY = """name: tiny
input: [1, 4, 4]
layers:
  - {name: conv, conv: {out: 2, kernel: 3, padding: 1, bias: false}}
  - {name: relu, relu: {}}
  - {name: flat, flatten: {}}
  - {name: fc, dense: {out: 3}}
"""

DEVICE = """name: round-board
bandwidth: {value: 1GB, what: a round 1 GB/s, source: this test}
peak:
  float32: {value: 1G, what: a round 1 G op/s, source: this test}
"""


@pytest.fixture
def tiny(write):
    return write(TINY)


@pytest.fixture
def device(write):
    return write(DEVICE, "board.yaml")


def exact(obj: dict, key: str) -> Fraction:
    """A figure of cnncalc's JSON: an integer in units of 1/denominator (docs/conventions.md)."""
    return Fraction(obj[key], obj.get("denominator", 1))


def check_json(cli, *args):
    code, out, err = cli("check", *args, "--format", "json")
    return code, json.loads(out), err


# ----------------------------------------------------------------------------- analyze

def test_analyze_json_peak_training_and_latency(cli_json, tiny, device):
    data = cli_json("analyze", tiny, "--training", "--batch", "1", "--device", device)
    spec_order = data["peak_memory"]["spec_order"]
    assert (spec_order["bytes"], spec_order["layer"], spec_order["method"]) == (256, "relu", "spec order")
    assert spec_order["alive"] == [{"tensor": "conv", "bytes": 128}, {"tensor": "relu", "bytes": 128}]
    assert data["peak_memory"]["minimum"]["bytes"] == 256 and data["peak_memory"]["minimum"]["method"] == "exact"
    assert data["peak_memory"]["in_place"] is False
    t = data["training_memory"]                      # batch 1: saved (16 + 32)·4 = 192
    assert (t["weight_bytes"], t["gradient_bytes"], t["optimizer_bytes"], t["activation_bytes"]) == (468, 468, 936, 192)
    lat = data["latency"]
    assert lat["lower_bound"] is True and lat["device"] == "round-board"
    assert [(x["name"], exact(x, "seconds") * 10**9, x["bound"]) for x in lat["layers"]] == [
        ("conv", 400, "compute"), ("relu", 256, "memory"), ("flat", 256, "memory"), ("fc", 536, "memory")]
    assert all(isinstance(x["seconds"], int) for x in lat["layers"])           # exact: integer / denominator
    assert (lat["seconds"], lat["denominator"]) == (181, 125_000_000) and exact(lat, "seconds") == Fraction(1448, 10**9)


def test_analyze_in_place_changes_the_peak_and_says_so(cli, cli_json, tiny):
    data = cli_json("analyze", tiny, "--in-place")
    assert data["peak_memory"]["in_place"] is True
    assert (data["peak_memory"]["spec_order"]["bytes"], data["peak_memory"]["spec_order"]["layer"]) == (192, "conv")
    assert data["training_memory"] is None and data["latency"] is None
    code, out, _ = cli("analyze", tiny, "--in-place")
    assert code == 0 and "Peak memory (float32, batch 1, spec order, in place)  192 B at conv" in out


def test_analyze_table_with_a_device_states_a_lower_bound(cli, tiny, device):
    code, out, _ = cli("analyze", tiny, "--device", device)
    assert code == 0
    assert "Latency" in out and "≥ 1.45 µs" in out
    assert "a roofline lower bound, not a measurement" in out


def test_a_device_without_the_dtype_is_a_usage_error(cli, tiny, device):
    code, _, err = cli("analyze", tiny, "--device", device, "--dtype", "int8")
    assert code == 2 and "has no peak for int8" in err


# ----------------------------------------------------------------------------- the worked example

def _spec_order_peak_by_intervals(layers, bits):
    """Independent of cnncalc.peak: each tensor alive from its producer's step to its last reader's
    (the network output to the end); the most bytes summed over the tensors alive at any step."""
    step = {layer["name"]: i for i, layer in enumerate(layers)}
    last = {layer["name"]: step[layer["name"]] for layer in layers}
    for layer in layers:
        for source in layer["inputs"]:
            last[source] = max(last[source], step[layer["name"]])
    last[layers[-1]["name"]] = len(layers) - 1
    size = {layer["name"]: layer["activation_elements"] * bits // 8 for layer in layers}
    moments = [sum(size[name] for name in size if step[name] <= i <= last[name]) for i in range(len(layers))]
    return max(moments), layers[moments.index(max(moments))]["name"]


def test_worked_example_mobilenet_v2_035_96_int8(cli_json):
    data = cli_json("analyze", MCU, "--dtype", "int8")
    # By hand: stage 2 expands 8 channels of 48×48 to 48; while its BN runs, the expansion (input) and the
    # BN output (48·48·48 bytes each at int8) are alive together, and nothing else: the stage-1 output's
    # last reader, the expansion, has run.
    expanded = 48 * 48 * 48
    peak = data["peak_memory"]["spec_order"]
    assert (peak["bytes"], peak["layer"]) == (2 * expanded, "stage2.first.expand_bn") == (221_184, peak["layer"])
    assert [a["tensor"] for a in peak["alive"]] == ["stage2.first.expand", "stage2.first.expand_bn"]
    assert _spec_order_peak_by_intervals(data["layers"], 8) == (221_184, "stage2.first.expand_bn")
    assert data["peak_memory"]["minimum"]["bytes"] == 221_184     # a chain of blocks: no better order
    # in place (BN and ReLU6 overwrite the expansion): the depthwise conv reads it and writes 48×24×24
    inplace = cli_json("analyze", MCU, "--dtype", "int8", "--in-place")["peak_memory"]["spec_order"]
    assert (inplace["bytes"], inplace["layer"]) == (expanded + 48 * 24 * 24, "stage2.first.dw_project.dw") \
        == (138_240, "stage2.first.dw_project.dw")


def test_worked_example_fits_256k_at_int8_not_at_float32(cli):
    code, data, _ = check_json(cli, MCU, "--max-peak-memory", "256KiB", "--dtype", "int8")
    assert code == 0 and data["passed"] is True
    [c] = data["checks"]
    assert (c["metric"], c["actual"], c["limit"], c["unit"]) == ("peak_memory", 221_184, 262_144, "bytes")
    code, data, _ = check_json(cli, MCU, "--max-peak-memory", "256KiB")       # float32: 4 bytes each
    assert code == 1 and data["checks"][0]["actual"] == 4 * 221_184
    code, out, _ = cli("check", MCU)                   # its own budget: peak_memory 1MiB, at float32
    assert code == 0 and "PASS" in out and "884,736 B" in out and "spec budget" in out


# ----------------------------------------------------------------------------- check

@pytest.mark.parametrize("limit, code", [("14160", 0), ("14159B", 1), ("13KiB", 1), ("14.16KB", 0)])
def test_max_training_memory(cli, tiny, limit, code):
    got, data, _ = check_json(cli, tiny, "--max-training-memory", limit, "--batch", "64", "--optimizer", "adam")
    assert got == code and data["checks"][0]["actual"] == 14_160
    got, out, _ = cli("check", tiny, "--max-training-memory", limit, "--batch", "64")
    assert got == code and out.startswith("PASS" if code == 0 else "FAIL")


def test_training_memory_with_sgd_and_mixed_precision(cli, tiny):
    # SGD: no state; mixed-fp16: + 117·2 = 234 B of 16-bit weights, activations at 2 bytes: 48·2·64 = 6,144
    _, data, _ = check_json(cli, tiny, "--max-training-memory", "1MiB", "--batch", "64", "--optimizer", "sgd",
                            "--precision", "mixed-fp16")
    assert data["checks"][0]["actual"] == 468 + 234 + 468 + 6_144


@pytest.mark.parametrize("limit, code", [("1.448us", 0), ("1448ns", 0), ("1447ns", 1), ("0.001ms", 1)])
def test_max_latency(cli, tiny, device, limit, code):
    got, data, _ = check_json(cli, tiny, "--max-latency", limit, "--device", device)
    assert got == code
    [c] = data["checks"]
    assert (c["metric"], exact(c, "actual"), c["unit"]) == ("latency", Fraction(1448, 10**9), "seconds")
    assert exact(c, "headroom") == exact(c, "limit") - Fraction(1448, 10**9)
    got, out, _ = cli("check", tiny, "--max-latency", limit, "--device", device)
    assert got == code and "1.45 µs" in out


def test_max_latency_with_a_shipped_device(cli, tiny):
    code, data, _ = check_json(cli, tiny, "--max-latency", "5ms", "--device", "jetson-orin-nano")
    assert code == 0 and data["checks"][0]["metric"] == "latency"


def test_latency_needs_a_device_and_a_unit(cli, tiny, write):
    code, _, err = cli("check", tiny, "--max-latency", "5ms")
    assert code == 2 and "--max-latency needs --device" in err
    code, _, err = cli("check", tiny, "--max-latency", "5", "--device", "t4")
    assert code == 2 and "needs a unit" in err
    budgeted = write(TINY + "budget: {latency: 5ms}\n", "budgeted.yaml")
    code, _, err = cli("check", budgeted)
    assert code == 2 and "needs a device" in err and "budgeted.yaml:8" in err


def test_new_keys_in_a_spec_budget_and_a_budget_file(cli, write, tmp_path, device):
    spec = write(TINY + "budget: {peak_memory: 256B, min_peak_memory: 255B}\n", "b.yaml")
    code, data, _ = check_json(cli, spec)
    assert code == 1
    assert [(c["metric"], c["actual"], c["passed"]) for c in data["checks"]] == [
        ("peak_memory", 256, True), ("min_peak_memory", 256, False)]
    # batch 64, by hand: tensors scale by 64, so the peak is 64·256 = 16,384 B; latency per layer
    # conv max(400·64 = 25,600 (padding taps left out, as above), 72 + 64·64 + 128·64 = 12,360) → 25,600 ns;
    # relu and flatten max(32·64, 2·128·64) → 16,384 ns each; dense max(195·64 = 12,480, 396 + 128·64 + 12·64 =
    # 9,356) → 12,480 ns: 70,848 ns.
    write(TINY, "c.yaml")
    budgets = tmp_path / "budgets.yaml"
    budgets.write_text("specs:\n  c.yaml: {peak_memory: 16KiB, training_memory: 14160B, latency: 70.848us}\n")
    code, data, _ = check_json(cli, "--budget", str(budgets), "--batch", "64", "--device", device)
    assert code == 0, data
    actual = {c["metric"]: exact(c, "actual") for c in data["checks"]}
    assert actual == {"peak_memory": 16_384, "training_memory": 14_160, "latency": Fraction(70_848, 10**9)}
    budgets.write_text("specs:\n  c.yaml: {latency: 70.847us}\n")
    code, data, _ = check_json(cli, "--budget", str(budgets), "--batch", "64", "--device", device)
    assert code == 1 and data["checks"][0]["passed"] is False


# ----------------------------------------------------------------------------- compare and devices

def test_compare_shows_the_new_figures(cli_json, tiny, device):
    data = cli_json("compare", tiny, MCU, "--device", device, "--training")
    totals = data["totals"] if "totals" in data else data
    text = json.dumps(totals)
    for key in ("peak_memory", "min_peak_memory", "training_memory", "latency"):
        assert f'"{key}"' in text


def test_devices_lists_every_shipped_profile_with_sources(cli):
    code, out, _ = cli("devices")
    assert code == 0
    for name in ("a100", "apple-a17-pro", "h100", "jetson-orin-nano", "raspberry-pi-5", "stm32h7", "t4"):
        assert f"\n{name}: " in "\n" + out
    assert out.count("source: http") >= 7 * 2 and "lower bound" in out
    code, out, _ = cli("devices", "nope")
    assert code == 2


def test_peak_with_an_unused_layer_written_first(cli_json, write):
    # was an internal error ("cannot tell the network output"): the output is the last entry written (b),
    # and the unused layer a, written first, is no candidate. Spec order input, a, b: while a runs, input and
    # a are alive (2 × 4·8·8·4 = 2,048 B); a, read by nobody, is alive at its own step only, so b's step holds
    # input and b, 2,048 B again: the peak is 2,048 B, first reached at a.
    spec = write("input: [4, 8, 8]\nlayers:\n  - {name: a, relu: {}, from: input}\n"
                 "  - {name: b, relu: {}, from: input}\n", "unused_first.yaml")
    data = cli_json("analyze", spec)
    assert (data["peak_memory"]["spec_order"]["bytes"], data["peak_memory"]["spec_order"]["layer"]) == (2048, "a")
