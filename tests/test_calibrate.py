"""The calibrated estimate's model (cnncalc.calibrate.fit, cnncalc.estimate): the least-squares fit of each
kind's overhead and factors against synthetic timings whose fitted values are derived by hand beside each
test, the calibrated profile form read back, and the estimate never below the bound. No timings are taken
here (the benchmark does that: bench/latency_table.py); the onnxruntime run of calibrate is in
tests/test_measure.py."""

from __future__ import annotations

from fractions import Fraction

import pytest

from cnncalc import devices
from cnncalc.calibrate import LOWER, Point, fit, profile_yaml
from cnncalc.errors import SpecError
from cnncalc.estimate import layer_seconds

US = Fraction(1, 10**6)


def test_points_on_the_model_give_its_parameters_exactly():
    # t = fixed + n·o + a·t_compute + b·t_memory with fixed 5 µs, o = 2 µs, a = 3, b = 3/2: four points on it
    # (their rows n, c, m independent), so the least-squares solution is the generating one with no error
    o, a, b, fixed = 2 * US, Fraction(3), Fraction(3, 2), 5 * US
    shapes = [(1, 10 * US, 4 * US), (1, 1 * US, 20 * US), (2, 50 * US, 2 * US), (4, 0 * US, 0 * US)]
    points = [Point(n, c, m, fixed + n * o + a * c + b * m, fixed) for n, c, m in shapes]
    got = fit(points)
    assert (got.overhead, got.compute, got.memory, got.error) == (o, a, b, 0)


def test_a_factor_below_one_is_held_at_one():
    # memory 0 in both points, so b is held at 1 (its column is zero). Through (c = 1 µs, t = 3 µs) and
    # (c = 3 µs, t = 4 µs) the exact line is a = 1/2, o = 5/2 µs: a < 1 would put the estimate below the
    # bound, so a = 1. Then o minimises ((o + 1 − 3)/3)² + ((o + 3 − 4)/4)²: 2(o − 2)/9 + 2(o − 1)/16 = 0 →
    # 16(o − 2) + 9(o − 1) = 0 → o = 41/25 µs, error (−9/25)²/9 + (16/25)²/16 = 9/625 + 16/625 = 1/25.
    # Holding o at 0 instead: a minimises ((a − 3)/3)² + ((3a − 4)/4)² → 16(a − 3) + 27(3a − 4) = 0 → a =
    # 156/97, error (135/97)²/9 + (80/97)²/16 = 2425/9409 > 1/25: the fit keeps o = 41/25 µs, a = 1.
    points = [Point(1, 1 * US, 0 * US, 3 * US), Point(1, 3 * US, 0 * US, 4 * US)]
    got = fit(points)
    assert (got.overhead, got.compute, got.memory, got.error) == (Fraction(41, 25) * US, 1, 1, Fraction(1, 25))


def test_everything_held_when_the_probes_run_at_the_bound():
    # (c = 2, t = 1) and (c = 4, t = 2) µs: the exact line a = 1/2, o = 0 is infeasible; with a = 1 the best o
    # solves (o + 1) + (o + 2)/4 = 0 → o = −6/5 < 0, infeasible; so o = 0, a = 1, b = 1, error 1² + 1² = 2
    points = [Point(1, 2 * US, 0 * US, 1 * US), Point(1, 4 * US, 0 * US, 2 * US)]
    got = fit(points)
    assert (got.overhead, got.compute, got.memory, got.error) == (0, 1, 1, 2)
    assert LOWER == (0, 1, 1)


CALIBRATED = """
name: here
bandwidth: {value: 100GB, what: w, source: s}
peak:
  float32: {value: 100G, what: w, source: s}
efficiency:
  conv: {compute: 0.8, memory: 0.5, overhead: 2us, what: w, source: s}
  depthwise: {compute: 0.25, memory: 0.5, overhead: 1us, what: w, source: s}
  pointwise: {compute: 0.7, memory: 1, what: w, source: s}
  matmul: {compute: 0.5, memory: 0.25, overhead: 0ns, what: w, source: s}
  elementwise: {compute: 0.125, memory: 0.8, overhead: 500ns, what: w, source: s}
  pooling: {value: 0.25, what: w, source: s}
"""


def test_the_calibrated_form_reads_and_estimates_each_layer():
    device = devices.parse_device(CALIBRATED, "here.yaml")
    conv = device.efficiency["conv"]
    assert (conv.compute, conv.memory, conv.overhead, conv.value) == (Fraction(4, 5), Fraction(1, 2), 2 * US, None)
    assert device.efficiency["pointwise"].overhead == 0 and device.efficiency["pooling"].value == Fraction(1, 4)
    # a conv of 1 MFLOP and 100 kB: t_compute 10 µs, t_memory 1 µs → 2 + 10/0.8 + 1/0.5 = 16.5 µs
    assert layer_seconds(conv, 10 * US, 1 * US) == Fraction(33, 2) * US
    # the whole-layer form: the bound max(10, 1) µs ÷ 0.25 = 40 µs
    assert layer_seconds(device.efficiency["pooling"], 10 * US, 1 * US) == 40 * US


@pytest.mark.parametrize("compute,memory", [(Fraction(0), Fraction(5)), (Fraction(5), Fraction(0)),
                                            (Fraction(3), Fraction(3)), (Fraction(1, 7), Fraction(2, 9))])
def test_the_estimate_is_never_below_the_bound(compute, memory):
    # compute, memory ≤ 1 and overhead ≥ 0: t_c/compute + t_m/memory ≥ t_c + t_m ≥ max(t_c, t_m)
    device = devices.parse_device(CALIBRATED, "here.yaml")
    for model in device.efficiency.values():
        assert layer_seconds(model, compute * US, memory * US) >= max(compute, memory) * US


def test_the_calibrated_profile_round_trips_through_yaml():
    profile = {"name": "here", "title": "t",
               "bandwidth": {"value": "80000000000", "what": "w", "source": "s"},
               "runtimes": ["fused", "eager"],
               "peak": {"float32": {"value": "120000000000", "what": "w", "source": "s"}},
               "efficiency": {kind: {"compute": "0.625", "memory": "0.4", "overhead": "1250ns", "what": "w",
                                     "source": "s"} for kind in devices.KINDS}}
    device = devices.parse_device(profile_yaml(profile), "here.yaml")
    assert device.bandwidth.value == 80 * 10**9 and device.peak["float32"].value == 120 * 10**9
    for kind in devices.KINDS:
        model = device.efficiency[kind]
        assert (model.compute, model.memory, model.overhead) == (Fraction(5, 8), Fraction(2, 5), Fraction(5, 4) * US)


@pytest.mark.parametrize("entry,message", [
    ("{value: 0.5, compute: 0.5, memory: 0.5, what: w, source: s}", "takes either value"),
    ("{compute: 0.5, what: w, source: s}", "takes either value"),
    ("{compute: 1.5, memory: 0.5, what: w, source: s}", "'efficiency.conv.compute' must be a number above 0"),
    ("{compute: 0.5, memory: 0.5, overhead: 2, what: w, source: s}", "needs a unit"),
    ("{compute: 0.5, memory: 0.5, speed: 2, what: w, source: s}", "unknown key 'speed'"),
])
def test_bad_calibrated_entries_are_located(entry, message):
    text = CALIBRATED.replace("{compute: 0.8, memory: 0.5, overhead: 2us, what: w, source: s}", entry)
    with pytest.raises(SpecError) as err:
        devices.parse_device(text, "here.yaml")
    assert message in str(err.value) and "here.yaml:" in str(err.value)


def test_a_network_estimate_adds_the_run_once(write):
    # a 1×1 convolution, 4 → 2 channels on 2×2, with bias: MACs 8 outputs × 4 = 32, FLOPs 64 + 8 = 72 (no
    # padding); bytes: weights 4·2 + 2 = 10 → 40 B, input 16 → 64 B, output 8 → 32 B = 136 B. At 100 G op/s
    # and 100 GB/s: t_compute 72/10¹¹ s, t_memory 136/10¹¹ s; the pointwise model (compute 0.7, memory 1,
    # no overhead): (72/0.7 + 136)/10¹¹ = (720/7 + 952/7)/10¹¹ = 1672/(7·10¹¹) s; plus the run's 3 µs once
    import cnncalc
    spec = write("input: [4, 2, 2]\nlayers:\n  - {name: pw, conv: {out: 2, kernel: 1}}\n", "pw.yaml")
    profile = write(CALIBRATED + "run: {value: 3us, what: per pass, source: s}\n", "here.yaml")
    report = cnncalc.analyze(spec, device=profile)
    [layer] = report.latency_estimate.layers
    assert (layer.kind, layer.seconds) == ("pointwise", Fraction(1672, 7 * 10**11))
    assert report.latency_estimate.seconds == Fraction(1672, 7 * 10**11) + 3 * US
    # the layer's efficiency: its bound max(72, 136)/10¹¹ over its time: 136 · 7 / 1672 = 119/209
    assert layer.efficiency == Fraction(119, 209)
