"""The calibrated estimate's model (cnncalc.calibrate.fit, cnncalc.estimate): the least-squares fit of each
kind's overhead and factors against synthetic timings whose fitted values are derived by hand beside each
test, the calibrated profile form read back, and the estimate never below the bound. No timings are taken
here (the benchmark does that: bench/latency_table.py); the onnxruntime run of calibrate is in
tests/test_measure.py."""

from __future__ import annotations

from fractions import Fraction

import pytest

from cnncalc import devices
from cnncalc.calibrate import LOWER, Fit, Point, cache_size, fit, main_memory_rate, profile_yaml
from cnncalc.errors import SpecError
from cnncalc.estimate import layer_seconds, split_bytes

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


# ----------------------------------------------------------------------------- the memory hierarchy
# 100 GB/s and 100 G op/s as above; a 1 MB cache (10⁶ B) and a main memory of 10 GB/s: μ = 10¹⁰ / 10¹¹ = 1/10
HIERARCHY = CALIBRATED + """cache: {value: 1MB, what: w, source: s}
main_memory: {value: 10GB, what: w, source: s}
"""


def test_bytes_beyond_the_cache_go_at_the_slower_of_main_memory_and_the_kind():
    device = devices.parse_device(HIERARCHY, "here.yaml")
    assert (device.cache.value, device.main_memory.value) == (10**6, 10**10)
    # a working set of 3 MB: 1 MB in the cache, 2 MB beyond it; 500 kB: all in it
    assert split_bytes(3 * 10**6, device) == (10**6, 2 * 10**6) and split_bytes(500_000, device) == (500_000, 0)
    mu = Fraction(1, 10)
    # conv (compute 0.8, memory 0.5, 2 µs): t_compute 10 µs, t_in 10 µs (1 MB at 100 GB/s), t_out 20 µs (2 MB);
    # min(m, μ) = min(1/2, 1/10) = 1/10: 2 + 10/0.8 + 10/0.5 + 20/(1/10) = 2 + 12.5 + 20 + 200 = 234.5 µs —
    # the 2 MB beyond the cache take 2·10⁶ / 10¹⁰ s = 200 µs, the main memory's own rate
    conv = device.efficiency["conv"]
    assert layer_seconds(conv, 10 * US, 10 * US, 20 * US, mu) == Fraction(469, 2) * US
    # a main memory faster than the kind's rate (μ = 9/10 > m = 0.8, elementwise: compute 1/8, memory 4/5,
    # 500 ns): the bytes beyond go at the kind's rate, as in the cache: 0.5 + 10·8 + (10 + 20)/0.8 = 118 µs
    elementwise = device.efficiency["elementwise"]
    assert layer_seconds(elementwise, 10 * US, 10 * US, 20 * US, Fraction(9, 10)) == 118 * US
    assert layer_seconds(elementwise, 10 * US, 30 * US) == 118 * US
    # the one-efficiency form (pooling, 1/4): max(t_compute, t_in + t_out / min(1, μ)) / e
    # = max(10, 10 + 20·10) / (1/4) = 840 µs
    assert layer_seconds(device.efficiency["pooling"], 10 * US, 10 * US, 20 * US, mu) == 840 * US


def test_a_dense_layer_beyond_the_cache_in_a_network(write):
    # dense 1000 → 1000 with bias: params 1,001,000 → 4,004,000 B, input and output 1000 → 4,000 B each: B =
    # 4,012,000 B; FLOPs 2 · 10⁶ MACs + 1000 bias adds = 2,001,000. matmul: compute 1/2, memory 1/4, no overhead.
    # In the cache 10⁶ B, beyond 3,012,000 B; μ = 1/10 < m = 1/4. In units of 10⁻¹¹ s: 2,001,000 / (1/2) +
    # 1,000,000 / (1/4) + 3,012,000 / (1/10) = 4,002,000 + 4,000,000 + 30,120,000 = 38,122,000
    import cnncalc
    spec = write("input: [1000]\nlayers:\n  - {name: fc, dense: {out: 1000}}\n", "fc.yaml")
    report = cnncalc.analyze(spec, device=write(HIERARCHY, "here.yaml"))
    [layer] = report.latency_estimate.layers
    assert (layer.kind, layer.seconds) == ("matmul", Fraction(38_122_000, 10**11))
    # without the hierarchy every byte at the kind's rate: 4,002,000 + 4,012,000 / (1/4) = 20,050,000
    [layer] = cnncalc.analyze(spec, device=write(CALIBRATED, "plain.yaml")).latency_estimate.layers
    assert layer.seconds == Fraction(20_050_000, 10**11)
    # the bound is unchanged by the hierarchy: max(2,001,000, 4,012,000) · 10⁻¹¹ s
    assert report.latency.seconds == Fraction(4_012_000, 10**11)


@pytest.mark.parametrize("compute,inside,beyond,mu", [
    (Fraction(0), Fraction(5), Fraction(7), Fraction(1, 10)), (Fraction(5), Fraction(1), Fraction(9), Fraction(2)),
    (Fraction(3), Fraction(0), Fraction(3), Fraction(1, 3)), (Fraction(1, 7), Fraction(2, 9), Fraction(0), Fraction(1))])
def test_the_estimate_with_the_hierarchy_is_never_below_the_bound(compute, inside, beyond, mu):
    # min(m, μ) ≤ m ≤ 1 (one efficiency: min(1, μ) ≤ 1): every byte is charged no faster than the bandwidth,
    # so the time is at least max(t_compute, t_in + t_out), the bound's — whatever μ, even above 1
    device = devices.parse_device(HIERARCHY, "here.yaml")
    for model in device.efficiency.values():
        assert layer_seconds(model, compute * US, inside * US, beyond * US, mu) >= max(compute, inside + beyond) * US


def test_the_hierarchy_round_trips_through_yaml():
    profile = {"name": "here", "title": "t",
               "bandwidth": {"value": "80000000000", "what": "w", "source": "s"},
               "peak": {"float32": {"value": "120000000000", "what": "w", "source": "s"}},
               "efficiency": {kind: {"compute": "0.625", "memory": "0.4", "overhead": "1250ns", "what": "w",
                                     "source": "s"} for kind in devices.KINDS},
               "cache": {"value": "33554432", "what": "the last-level cache", "source": "sysfs"},
               "main_memory": {"value": "12500000000", "what": "beyond the cache", "source": "probes"}}
    device = devices.parse_device(profile_yaml(profile), "here.yaml")
    assert device.cache.value == 32 * 2**20 and device.main_memory.value == 125 * 10**8
    assert (device.cache.what, device.main_memory.source) == ("the last-level cache", "probes")
    # the shipped profiles have neither: no term
    assert all(devices.load_shipped(name).cache is None and devices.load_shipped(name).main_memory is None
               for name in devices.shipped())


@pytest.mark.parametrize("drop,change,message", [
    ("main_memory: {value: 10GB, what: w, source: s}\n", None, "'cache' needs 'main_memory'"),
    ("cache: {value: 1MB, what: w, source: s}\n", None, "'main_memory' needs 'cache'"),
    (None, ("{value: 1MB,", "{value: 0MB,"), "'cache' must be above 0"),
    (None, ("{value: 1MB,", "{value: 1M,"), "ambiguous for a byte size"),
    (None, ("{value: 10GB,", "{value: 10G,"), "ambiguous for a byte size"),
])
def test_bad_hierarchy_entries_are_located(drop, change, message):
    text = HIERARCHY.replace(drop, "") if drop else HIERARCHY.replace(*change)
    with pytest.raises(SpecError) as err:
        devices.parse_device(text, "here.yaml")
    assert message in str(err.value) and "here.yaml:" in str(err.value)


def _sysfs(root, entries):
    for i, (level, kind, size) in enumerate(entries):
        entry = root / f"index{i}"
        entry.mkdir(parents=True)
        for name, text in (("level", f"{level}\n"), ("type", f"{kind}\n"), ("size", f"{size}\n")):
            (entry / name).write_text(text)
    return str(root)


def test_the_last_level_cache_is_read_from_sysfs(tmp_path):
    # the kernel writes sizes in KiB with a K: 32768K = 32 MiB = 33,554,432 B; 1024K = 1 MiB
    l1 = [(1, "Data", "32K"), (1, "Instruction", "32K")]
    size, what = cache_size(_sysfs(tmp_path / "a", l1 + [(2, "Unified", "1024K"), (3, "Unified", "32768K")]))
    assert size == 33_554_432 and "index3/size reads 32768K (level 3" in what
    assert cache_size(_sysfs(tmp_path / "b", l1 + [(2, "Unified", "1024K")]))[0] == 1_048_576      # no level 3
    assert cache_size(_sysfs(tmp_path / "c", l1)) is None               # level 1 only: not a last-level cache
    assert cache_size(str(tmp_path / "none")) is None                   # no sysfs


def test_the_main_memory_rate_is_the_time_beyond_the_in_cache_model():
    # one matmul probe of one layer, no FLOPs, a working set of 3·10⁶ B, a cache of 10⁶ B; at 10¹¹ B/s the
    # first 10⁶ B take 10 µs at the bound's rate, × b = 2: 20 µs; its run's cost and overheads 5 µs, the
    # kind's own 1 µs. Its 2·10⁶ B beyond the cache at 10 GB/s take 200 µs: a median of 5 + 1 + 20 + 200 =
    # 226 µs gives 2·10⁶ B / 200 µs = 10¹⁰ B/s back
    fits = {"matmul": Fit(overhead=1 * US, compute=Fraction(2), memory=Fraction(2), error=Fraction(0))}
    probe = ("matmul", 0, 1, 226 * US, 5 * US, (3 * 10**6,))
    assert main_memory_rate([probe], fits, 10**11, 10**11, 10**6) == 10**10
    # two probes pool bytes over time: the one above and 10⁶ B beyond in 50 µs (median 5 + 1 + 20 + 50 = 76
    # µs, working set 2·10⁶ B): (2·10⁶ + 10⁶) B / 250 µs = 1.2·10¹⁰ B/s
    other = ("matmul", 0, 1, 76 * US, 5 * US, (2 * 10**6,))
    assert main_memory_rate([probe, other], fits, 10**11, 10**11, 10**6) == 12 * 10**9
    # a probe no slower than its in-cache model (26 µs): no rate; nor without a probe beyond the cache
    assert main_memory_rate([("matmul", 0, 1, 26 * US, 5 * US, (3 * 10**6,))], fits, 10**11, 10**11, 10**6) is None
    assert main_memory_rate([], fits, 10**11, 10**11, 10**6) is None


def test_the_hierarchy_in_json_and_the_device_listing(cli, write):
    import json
    profile = write(HIERARCHY, "here.yaml")
    code, out, _ = cli("analyze", write("input: [1000]\nlayers:\n  - {name: fc, dense: {out: 1000}}\n", "fc.yaml"),
                       "--device", profile, "--format", "json")
    est = json.loads(out)["latency"]["estimate"]
    assert code == 0 and (est["cache_bytes"], est["main_memory_bytes_per_second"]) == (10**6, 10**10)
    code, out, _ = cli("devices", profile, "--format", "json")
    [device] = json.loads(out)["devices"]
    assert device["cache"]["value"] == 10**6 and device["main_memory"]["value"] == 10**10
    code, out, _ = cli("devices", profile)
    assert "last-level cache" in out and "main memory" in out and "beyond the cache" in out
    # a profile without the hierarchy: null in JSON
    code, out, _ = cli("devices", "t4", "--format", "json")
    assert json.loads(out)["devices"][0]["cache"] is None


@pytest.mark.parametrize("main", ["1GB", "100GB", "1000GB"])
def test_every_layer_of_a_network_stays_above_its_bound_with_the_hierarchy(write, main):
    # AlexNet's layers on a 1 MB cache: most working sets exceed it (its dense layers by 150 MB); a main memory
    # slower than, equal to and faster than the 100 GB/s bandwidth: each layer's estimate ≥ its bound
    # (min(m, μ) ≤ m ≤ 1, the docstring of cnncalc.estimate)
    import cnncalc
    report = cnncalc.analyze("zoo:alexnet", device=write(HIERARCHY.replace("10GB", main), "here.yaml"))
    pairs = list(zip(report.latency.layers, report.latency_estimate.layers))
    assert pairs and sum(1 for t, _ in pairs if t.bytes > 10**6) >= 5
    assert all(e.name == t.name and e.seconds >= t.seconds for t, e in pairs)
