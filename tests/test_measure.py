"""`cnncalc measure` and `cnncalc devices calibrate` (onnxruntime): the output's parts and their labels, the
per-layer times under the deployed rows' names, the fitted profile's form, and the one-line errors. Timings
themselves are the benchmark's (bench/latency_table.py, docs/performance.md), not a test's."""

from __future__ import annotations

import json
import sys
from fractions import Fraction

import pytest

from cnncalc import devices
from cnncalc.analysis import analyze
from cnncalc.measure import hosts, profiled_layers
from cnncalc.spec import read_spec
from tests.conftest import report_of
from tests.extras import require_onnxruntime

TINY = """
    name: tiny
    input: [3, 16, 16]
    layers:
      - {name: conv, conv: {out: 8, kernel: 3, padding: 1}}
      - {name: bn, batchnorm: {}}
      - {name: relu, relu: {}}
      - {name: pool, global_avgpool: {}}
      - {name: fc, dense: {out: 4}}
"""


def test_measure_prints_the_median_beside_the_bound_and_the_estimate(cli, write):
    require_onnxruntime()
    code, out, err = cli("measure", write(TINY), "--device", "t4", "--repeats", "3", "--warmup", "1")
    assert code == 0, err
    assert "Measured (onnxruntime" in out and "1 thread, 3 runs after 1 warm-up" in out and "median " in out
    assert "a roofline lower bound, not a measurement" in out and "not a bound" in out
    assert "measure: timed run (3)" in err            # progress, on standard error
    # per layer under the deployed (fused) network's names: conv+bn+relu is one kernel, named conv
    table = out.split("Per layer", 1)[1]
    assert "conv" in table and "\n  bn " not in table and "\n  relu " not in table


def test_measure_json(cli, write):
    require_onnxruntime()
    code, out, err = cli("measure", write(TINY), "--repeats", "2", "--warmup", "0", "--format", "json",
                         "--threads", "1")
    assert code == 0, err
    data = json.loads(out)
    m = data["measured"]
    assert (m["threads"], m["repeats"], m["warmup"], len(m["times_seconds"])) == (1, 2, 0, 2)
    assert m["fastest_seconds"] <= m["median_seconds"] <= m["slowest_seconds"]
    assert data["latency"] is None                 # no --device


def test_hosts_follow_the_first_inputs_to_the_deployed_row():
    report = report_of(TINY)
    from cnncalc import runtimes
    from cnncalc.deploy import deploy
    from cnncalc.spec.document import parse_spec
    import textwrap
    spec = parse_spec(textwrap.dedent(TINY), "t.yaml")
    deployed, _ = deploy(report, spec.graph, runtimes.load("fused"))
    assert hosts(report, deployed) == {"input": "input", "conv": "conv", "bn": "conv", "relu": "conv",
                                       "pool": "pool", "fc": "fc"}


def test_profiled_layers_take_the_median_per_run(tmp_path):
    # two runs; conv's kernels 3 + 1 µs then 5 µs; a node of no layer ignored; a fused node under its first
    # layer's name with onnxruntime's suffix
    events = [{"cat": "Session", "name": "model_run", "ts": 0, "dur": 100},
              {"cat": "Node", "name": "conv_nchwc_kernel_time", "ts": 10, "dur": 3},
              {"cat": "Node", "name": "conv_kernel_time", "ts": 20, "dur": 1},
              {"cat": "Node", "name": "reorder_kernel_time", "ts": 30, "dur": 50},
              {"cat": "Session", "name": "model_run", "ts": 200, "dur": 100},
              {"cat": "Node", "name": "conv_kernel_time", "ts": 210, "dur": 5},
              {"cat": "Node", "name": "fc_kernel_time", "ts": 220, "dur": 2}]
    path = tmp_path / "p.json"
    path.write_text(json.dumps(events))
    got = dict(profiled_layers(str(path), ["conv", "fc"]))
    assert got["conv"] == pytest.approx((4e-6 + 5e-6) / 2) and got["fc"] == pytest.approx(2e-6)


def test_calibrate_writes_a_profile_that_devices_reads(cli, tmp_path, monkeypatch):
    require_onnxruntime()
    from cnncalc import calibrate
    # fewer runs than the default: the test checks the profile's form, not its figures
    monkeypatch.setattr(calibrate, "calibrate", _quick(calibrate.calibrate))
    path = tmp_path / "here.yaml"
    code, out, err = cli("devices", "calibrate", "-o", str(path))
    assert code == 0, err
    assert "calibrate: probe run cost 1 (1/8)" in err and "calibrate: probe conv (3/8)" in err
    device = devices.find(str(path))
    assert device.runtimes == ("fused", "eager") and set(device.efficiency) == set(devices.KINDS)
    # the calibrated form: fractions of the peak and of the bandwidth in (0, 1], an overhead ≥ 0
    assert all(0 < f.compute <= 1 and 0 < f.memory <= 1 and f.overhead >= 0 and f.value is None
               for f in device.efficiency.values())
    assert device.peak["float32"].value > 0 and device.bandwidth.value > 0 and device.overhead is not None
    # the tiny probes' working sets (a few kB) exceed no last-level cache: no memory-hierarchy term, and the
    # title says why (no cache size found, or no probe beyond it)
    assert device.cache is None and device.main_memory is None and "no memory-hierarchy term" in device.title
    code, out, err = cli("analyze", "zoo:lenet5", "--device", str(path), "-q")
    assert code == 0 and "≈ " in out and "≥ " in out


# one small probe of each kind: the test checks the profile's form, not its figures
TINY_PROBES = [
    ("conv", "conv", "input: [4, 8, 8]\nlayers:\n  - {name: p, conv: {out: 4, kernel: 3, padding: 1}}\n"),
    ("depthwise", "depthwise", "input: [4, 8, 8]\nlayers:\n  - {name: p, conv: {out: 4, kernel: 3, groups: 4}}\n"),
    ("pointwise", "pointwise", "input: [4, 8, 8]\nlayers:\n  - {name: p, conv: {out: 8, kernel: 1}}\n"),
    ("matmul", "matmul", "input: [16]\nlayers:\n  - {name: p, dense: {out: 8}}\n"),
    ("elementwise", "elementwise", "input: [4, 8, 8]\nlayers:\n  - {name: p, relu: {}}\n"),
    ("pooling", "pooling", "input: [4, 8, 8]\nlayers:\n  - {name: p, global_avgpool: {}}\n"),
]


def _quick(function):
    def run(**kwargs):
        return function(**{**kwargs, "repeats": 2, "warmup": 0, "probes": TINY_PROBES})
    return run


# ----------------------------------------------------------------------------- bad input: one line, exit 2

def test_a_cache_smaller_than_every_probe_of_a_kind_fits_without_the_hierarchy(monkeypatch):
    # a last-level cache of 64 bytes: every tiny probe's working set (hundreds of bytes at least) exceeds it,
    # so no kind has a probe within it; calibrate fits every kind to all its probes and leaves the
    # memory-hierarchy term out, saying why (it raised a bare ValueError: an internal error)
    require_onnxruntime()
    from cnncalc import calibrate
    monkeypatch.setattr(calibrate, "cache_size", lambda: (64, "a test's cache"))
    profile = _quick(calibrate.calibrate)(threads=1)
    assert set(profile["efficiency"]) == set(devices.KINDS)
    assert "cache" not in profile and "main_memory" not in profile
    assert "the 6.1e-05 MiB cache holds no probe of some kind of work" in profile["title"]


def test_calibrate_takes_no_names(cli):
    code, _, err = cli("devices", "calibrate", "t4")
    assert code == 2 and "calibrate takes no names" in err


def test_a_missing_extra_names_the_install(cli, write, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)        # as if not installed
    code, _, err = cli("measure", write(TINY))
    assert code == 2 and err.strip() == ("cnncalc: error: measuring needs the onnxruntime extra: "
                                         "pip install 'cnncalc[onnxruntime]'")
    monkeypatch.setitem(sys.modules, "onnx", None)
    code, _, err = cli("export", write(TINY), "--to", "onnx", "-o", "x.onnx")
    assert code == 2 and "writing an ONNX model needs the onnx extra: pip install 'cnncalc[onnx]'" in err


def test_a_model_onnxruntime_refuses_is_one_line():
    require_onnxruntime()
    from onnx import TensorProto, helper

    from cnncalc.errors import CnncalcError
    from cnncalc.measure import session
    # a node of an operator onnxruntime has no kernel for
    graph = helper.make_graph([helper.make_node("NoSuchOp", ["x"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    with pytest.raises(CnncalcError) as err:
        session(model)
    message = str(err.value)
    assert message.startswith("onnxruntime refuses the model: ") and "\n" not in message
    assert "cnncalc verify" in message


def test_measure_refuses_what_export_refuses(cli):
    require_onnxruntime()
    code, _, err = cli("measure", "seed:spp")
    assert code == 2 and "layer 'spp1' (spp) cannot be written as ONNX" in err


def test_a_reshape_inferring_an_axis_runs_on_the_empty_batch_measure_draws_weights_with():
    # `measure` writes the model from an empty batch (onnxexport.export, reference=False), where numpy cannot
    # infer a -1 from 0 elements; the axis comes from one example: 4·6 = 24 elements = 2 × 12
    import textwrap

    import numpy as np

    from cnncalc.execute import Context, executor_for
    from cnncalc.spec.document import parse_spec
    spec = parse_spec(textwrap.dedent("""
        input: [4, 6]
        layers:
          - {name: r, reshape: {shape: [2, -1]}}
    """), "r.yaml")
    layer = spec.graph.nodes["r"].layer
    ctx = Context(structural=False, seed=0)
    assert ctx.run(executor_for("reshape"), layer, [np.zeros((0, 4, 6))]).shape == (0, 2, 12)
    assert ctx.run(executor_for("reshape"), layer, [np.zeros((3, 4, 6))]).shape == (3, 2, 12)


@pytest.mark.parametrize("text", [
    # Swin's shifted windows: a roll of both spatial axes, one back by 1, one by 3 (mod 4)
    "input: [2, 4, 4]\nlayers:\n  - {name: shift, roll: {shifts: [-1, 3], axes: [1, 2]}}\n",
    # a window of 2×2 tokens, 3 heads, 2 windows: scores [6, 4, 4] plus the table's bias per head
    "input: [6, 4, 4]\nlayers:\n  - {name: bias, relative_position_bias: {heads: 3, window: 2}}\n",
    # Swin's mask: a 4×4 map of 2×2 windows (4 windows), shift 1, 2 heads: scores [8, 4, 4]
    "input: [8, 4, 4]\nlayers:\n  - {name: mask, shifted_window_mask: {heads: 2, window: 2, shift: 1, size: [4, 4]}}\n",
])
def test_the_writers_of_layers_onnx_has_no_operator_for_do_their_work(text):
    # roll, relative_position_bias and shifted_window_mask have no ONNX operator: they are written as the
    # same work in other operators (Slices and a Concat; Reshape, Add of a constant, Reshape). Oracle: the
    # numpy executors' output on the export's own input (its weights drawn with the same seed).
    require_onnxruntime()
    import numpy as np

    from cnncalc.measure import session
    from cnncalc.onnxexport import export
    from cnncalc.spec.document import parse_spec
    spec = parse_spec(text, "t.yaml")
    exported = export(spec, analyze(spec))
    model = exported.model
    got = session(model).run(None, {model.graph.input[0].name: exported.input.astype(np.float32)})[0]
    want = exported.output
    assert got.shape == want.shape and np.allclose(got, want, atol=1e-5)
