"""Measuring a spec's latency on this machine's CPU with onnxruntime (`cnncalc measure`; the onnxruntime
extra): the spec exported to ONNX (cnncalc.onnxexport, seeded random weights), run after a warm-up a number
of times, each run timed; the median and the spread of the times, and per layer the median of onnxruntime's
profiler's kernel times where it reports them (its fused nodes under the name of their first layer).

The measurement is what the bound (cnncalc.roofline) must never exceed and what the estimate
(cnncalc.estimate) is judged against; docs/performance.md has the table for the zoo.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from fractions import Fraction
from typing import Callable, Optional

from cnncalc.errors import CnncalcError
from cnncalc.record import record

EXTRA_HINT = "measuring needs the onnxruntime extra: pip install 'cnncalc[onnxruntime]'"


@record
class Measurement:
    threads: int
    warmup: int
    repeats: int
    times: tuple              # seconds of each timed run, in order (floats: a clock's reading)
    median: float
    low: float                # the fastest run
    high: float               # the slowest run
    layers: tuple = ()        # (layer name, median kernel seconds) from the profiler, in the graph's order

    @property
    def spread(self) -> float:
        """(slowest − fastest) / median."""
        return (self.high - self.low) / self.median if self.median else 0.0


def require_onnxruntime():
    try:
        import onnx  # noqa: F401
        import onnxruntime
    except ImportError:
        raise CnncalcError(EXTRA_HINT) from None
    return onnxruntime


def session(model, threads: int = 1, profile: bool = False, ort=None):
    """An onnxruntime CPU session of ``model`` (an onnx ModelProto) with every graph optimisation on (its
    fusions: what the `fused` runtime profile follows), ``threads`` intra-op threads; a model onnxruntime
    refuses is a CnncalcError naming why."""
    ort = ort or require_onnxruntime()
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    if profile:
        options.enable_profiling = True
        options.profile_file_prefix = os.path.join(tempfile.mkdtemp(prefix="cnncalc-profile-"), "ort")
    try:
        return ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    except Exception as err:     # onnxruntime raises its own exception types
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise CnncalcError(f"onnxruntime refuses the model: {first} (check it with `cnncalc verify`; report the "
                           "spec if verify passes)") from None


def time_runs(sess, feed: dict, warmup: int, repeats: int,
              progress: Optional[Callable[[str, int, int], None]] = None) -> list:
    """Seconds of ``repeats`` timed runs after ``warmup`` untimed ones."""
    for i in range(warmup):
        sess.run(None, feed)
        if progress:
            progress("warm-up", i + 1, warmup)
    times = []
    for i in range(repeats):
        start = time.perf_counter()
        sess.run(None, feed)
        times.append(time.perf_counter() - start)
        if progress:
            progress("timed run", i + 1, repeats)
    return times


def _layer_of(node_name: str, names: list) -> Optional[str]:
    """The layer a profiled node belongs to: the longest layer name it starts with (onnxruntime names a fused
    node after its first node, with a suffix)."""
    best = None
    for name in names:
        if node_name == name or node_name.startswith(name + "_") or node_name.startswith(name + "."):
            if best is None or len(name) > len(best):
                best = name
    return best


def profiled_layers(path: str, names: list) -> tuple:
    """(layer, median seconds per run) from an onnxruntime profile file: each layer's kernel times summed per
    run (a layer written as several nodes, several kernels), the median over the runs."""
    import json
    with open(path, encoding="utf-8") as handle:
        events = json.load(handle)
    per_run: dict = {}
    runs = sorted((event["ts"], event["ts"] + event.get("dur", 0)) for event in events
                  if event.get("cat") == "Session" and event.get("name") == "model_run")
    for event in events:
        if event.get("cat") != "Node" or not str(event.get("name", "")).endswith("_kernel_time"):
            continue
        layer = _layer_of(event["name"][:-len("_kernel_time")], names)
        if layer is None:
            continue
        run = next((i for i, (start, end) in enumerate(runs) if start <= event.get("ts", 0) <= end), -1)
        per_run.setdefault(layer, {}).setdefault(run, 0.0)
        per_run[layer][run] += event.get("dur", 0) / 1e6
    return tuple((name, statistics.median(per_run[name].values())) for name in names if name in per_run)


def hosts(report, deployed) -> dict:
    """Each layer of ``report`` → the row of the ``deployed`` network it runs in (cnncalc.deploy: a folded or
    fused layer's chain is named after its first layer, reached through first inputs)."""
    kept = {row.name for row in deployed.rows}
    inputs = {row.name: row.inputs for row in report.rows}
    out: dict = {}
    for row in report.rows:
        name = row.name
        while name not in kept and inputs.get(name):
            name = inputs[name][0]
        out[row.name] = name
    return out


def measure(spec, report, threads: int = 1, warmup: int = 3, repeats: int = 10, per_layer: bool = True,
            progress: Optional[Callable[[str, int, int], None]] = None, deployed=None) -> Measurement:
    """Time ``spec`` (its analysis ``report``) in onnxruntime on this machine's CPU; ``progress(stage, done,
    total)`` is told of every run. ``deployed``: the analysis of the network the bound is of, whose row names
    the per-layer times then take (a fused kernel under its first layer's name)."""
    if threads < 1 or warmup < 0 or repeats < 1:
        raise CnncalcError("--threads and --repeats must be at least 1, --warmup at least 0")
    ort = require_onnxruntime()
    import numpy as np

    from cnncalc.onnxexport import export
    if progress:
        progress("writing the model", 0, 1)
    exported = export(spec, report, reference=False)
    sess = session(exported.model, threads, ort=ort)
    feed = {sess.get_inputs()[0].name: np.random.default_rng(0).standard_normal(
        (1, *spec.input_shape)).astype(np.float32)}
    try:
        times = time_runs(sess, feed, warmup, repeats, progress)
    except Exception as err:
        raise CnncalcError(f"onnxruntime failed running the model: {str(err).strip().splitlines()[0]}") from None
    layers: tuple = ()
    if per_layer:
        profiling = session(exported.model, threads, profile=True, ort=ort)
        if progress:
            progress("profiling each layer", 0, min(repeats, 5))
        time_runs(profiling, feed, 1, min(repeats, 5), None)
        layers = profiled_layers(profiling.end_profiling(), [row.name for row in report.rows])
        if deployed is not None:
            host = hosts(report, deployed)
            merged: dict = {}
            for name, seconds in layers:
                merged[host[name]] = merged.get(host[name], 0.0) + seconds
            layers = tuple((row.name, merged[row.name]) for row in deployed.rows if row.name in merged)
    return Measurement(threads=threads, warmup=warmup, repeats=repeats, times=tuple(times),
                       median=statistics.median(times), low=min(times), high=max(times), layers=layers)


def seconds(value: float) -> Fraction:
    """A measured time as a Fraction of nanoseconds' resolution (to sit beside the exact bound)."""
    return Fraction(round(value * 1e9), 10**9)
