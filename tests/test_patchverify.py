"""Patch schedules executed in numpy (cnncalc/patchverify.py): the stitched cut output equals the whole run,
and the bytes the patch run holds (counted on its arrays by reference, not by peak.py) reach exactly the
schedule's patch-phase peak. Shipped specs at reduced inputs, and a few dozen small random networks."""

from __future__ import annotations

import random

import pytest

from cnncalc.analysis import analyze
from cnncalc.errors import SpecError
from cnncalc.patches import PatchError, patch_schedule
from cnncalc.patchverify import run_patches
from cnncalc.spec import parse_spec, read_spec


def check(spec, grid, cut=None, dtype="float32", stream=False):
    report = analyze(spec, dtype=dtype)
    schedule = patch_schedule(spec, grid, cut, report=report, stream=stream)
    run = run_patches(spec, schedule, report)
    assert run.refused == ()
    assert run.equal, run.max_difference
    assert run.measured_peak_bytes == schedule.patch_peak_bytes
    assert run.measured_peak_at == schedule.patch_peak_at
    assert run.ok
    return schedule, run


@pytest.mark.parametrize("source, shape, grid, cut", [
    ("seed:mobilenet_v2_035_96", None, (2, 2), None),
    ("seed:mobilenet_v2_035_96", None, (3, 3), "stage3.first.dw_project.project_bn"),
    ("zoo:mobilenet_v2", (3, 64, 64), (4, 4), "features.5.add"),
    ("zoo:resnet18", (3, 64, 64), (2, 2), None),
    ("zoo:resnet18", (3, 64, 64), (2, 2), "layer2.0.relu1"),       # 3×3/2 max pooling, padding 1; 1×1/2 shortcut
    ("zoo:mobilenet_v1", (3, 64, 64), (2, 2), None),               # TensorFlow 'same' at stride 2: pads after only
])
@pytest.mark.parametrize("stream", [False, True], ids=["resident", "streamed"])
def test_shipped_specs(source, shape, grid, cut, stream):
    schedule, run = check(read_spec(source, input_shape=shape), grid, cut, dtype="int8", stream=stream)
    assert schedule.extra_macs == schedule.halo_macs > 0 and schedule.skipped_macs == 0
    assert schedule.input_streamed == stream


def test_stride_and_padding_by_hand():
    # chain2d of tests/test_patches.py with 'same' padding at stride 2 (total padding 1, after only) and a padded
    # average pooling: border tiles get the layer's own padding, inner ones none.
    text = """
input: [2, 12, 12]
layers:
  - {name: c1, conv: {out: 3, kernel: 3, stride: 2, padding: same}}
  - {name: p, avgpool: {kernel: 3, stride: 1, padding: 1}}
  - relu
  - {name: c2, conv: {out: 2, kernel: 3, padding: [[0, 2], [1, 1]]}}
"""
    spec = parse_spec(text)
    schedule, run = check(spec, (2, 2), "c2")
    # c1: same at stride 2 on 12: out 6, total padding (6−1)·2 + 3 − 12 = 1, before 0 after 1.
    # c2 on 6 with padding (0, 2) rows: out 6 − 3 + 3 = 6, 3 per patch; row tile 1: [3,6) reads relu/p [3, 8) → [3,6).
    (last,) = [p for p in schedule.patches if p.index == (1, 1)]
    regions = {t.layer: t.region for t in last.tiles}
    assert regions["c2"] == ((3, 6), (3, 6))
    # rows: p [3,6) ← c1 [2,7) → [2,6); c1 [2,6) ← input [4, 5·2+3) = [4,13) → [4,12); columns (padding 1):
    # c2 [3,6) ← relu [2,7) → [2,6); p [2,6) ← c1 [1,7) → [1,6); c1 [1,6) ← input [2,13) → [2,12).
    assert regions["c1"] == ((2, 6), (1, 6)) and regions["input"] == ((4, 12), (2, 12))


def random_spec(rng: random.Random) -> str:
    """A small network of convolutions (grouped too), pooling, ReLU, BN and residual adds, strides and paddings
    of every form; channels 1..4 on 12..20 positions."""
    n = rng.choice([12, 16, 18, 20])
    channels = rng.randint(1, 3)
    lines = [f"input: [{channels}, {n}, {rng.choice([n, 12, 16])}]", "layers:"]
    for i in range(rng.randint(2, 6)):
        kind = rng.choice(["conv", "conv", "dw", "pool", "relu", "bn", "res"])
        if kind == "conv":
            k = rng.choice([1, 2, 3, 5])
            padding = rng.choice([0, 1, "same", [[0, 1], [1, 0]], k // 2])
            stride = rng.choice([1, 1, 2])
            channels = rng.randint(1, 4)
            lines.append(f"  - {{name: l{i}, conv: {{out: {channels}, kernel: {k}, stride: {stride}, "
                         f"padding: {padding}, dilation: {rng.choice([1, 1, 2])}}}}}")
        elif kind == "dw":
            lines.append(f"  - {{name: l{i}, conv: {{out: {channels}, kernel: 3, padding: 1, groups: {channels}, "
                         f"stride: {rng.choice([1, 2])}}}}}")
        elif kind == "pool":
            k = rng.choice([2, 3])
            lines.append(f"  - {{name: l{i}, {rng.choice(['maxpool', 'avgpool'])}: {{kernel: {k}, "
                         f"stride: {rng.choice([1, 2])}, padding: {rng.choice([0, k // 2])}}}}}")
        elif kind == "relu":
            lines.append(f"  - {{name: l{i}, relu: {{}}}}")
        elif kind == "bn":
            lines.append(f"  - {{name: l{i}, batchnorm: {{}}}}")
        else:
            lines.append(f"  - name: l{i}\n    add:\n      main: [{{conv: {{out: {channels}, kernel: 3, padding: 1}}}}, "
                         f"relu]\n      shortcut: []")
    return "\n".join(lines) + "\n"


def test_random_networks():
    rng = random.Random(20)
    done = halo = skipped = 0
    while done < 36:
        text = random_spec(rng)
        try:
            spec = parse_spec(text)
            report = analyze(spec)
        except SpecError:
            continue                  # a window larger than its input: draw another
        grid = rng.choice([(1, 1), (2, 2), (2, 1), (1, 3), (3, 2), (4, 4)])
        try:
            schedule = patch_schedule(spec, grid, report=report)
        except PatchError:
            continue                  # no layer's output divisible by the grid
        cut = rng.choice(schedule.considered)[0]
        given, run = check(spec, grid, cut, stream=done % 2 == 1)   # every other network streams its input
        assert given.halo_macs >= 0 and given.skipped_macs >= 0, text
        assert given.extra_macs == given.halo_macs - given.skipped_macs
        if grid == (1, 1):
            assert given.halo_macs == 0, text
            if given.skipped_macs == 0:
                assert given.extra_macs == 0 and given.peak_bytes == given.whole_peak_bytes, text
            else:
                assert given.peak_bytes <= given.whole_peak_bytes, text
        halo += given.halo_macs > 0
        skipped += given.skipped_macs > 0
        done += 1
    assert halo >= 5 and skipped >= 1          # the draws do exercise overlapping tiles and skipped positions


def test_refused_layer_types():
    # a locally connected layer has weights per output position: on a tile it would need another shape of them
    text = """
input: [1, 8, 8]
layers:
  - {name: a, local: {out: 2, kernel: 3, padding: 1}}
  - {name: b, conv: {out: 1, kernel: 3, padding: 1}}
"""
    spec = parse_spec(text)
    report = analyze(spec)
    run = run_patches(spec, patch_schedule(spec, (2, 2), "b", report=report), report)
    assert run.refused and run.refused[0][0] == "a" and not run.ok
