"""`cnncalc devices calibrate`: this machine's device profile fitted from short measurements in onnxruntime,
so that `--device here.yaml` bounds and estimates specs never measured (docs/conventions.md, "Latency").

1. **Probes**: one-layer networks of each kind of work (cnncalc.devices.KINDS), two sizes each, exported
   and timed as `cnncalc measure` times a spec (median of the timed runs).
2. **Peak and bandwidth**: the highest FLOP rate any probe reaches (FLOPs ÷ median time) and the highest
   byte rate an element-wise or pooling probe reaches (bytes moved ÷ median), each times MARGIN, so that a
   layer of a real network that runs a little faster than every probe still takes no less than its bound:
   the bound must stay a bound.
3. **Overhead per layer**: the slope of the median time of a chain of tiny layers against their number.
4. **Efficiencies**: per kind, the geometric mean over its probes of bound ÷ (median − overhead), at most 1.

The profile is written as YAML with every figure's probe and measurement as its source.
"""

from __future__ import annotations

import math
import platform
import statistics
from datetime import datetime, timezone
from fractions import Fraction
from typing import Callable, Optional

MARGIN = Fraction(5, 4)       # peak and bandwidth: the best rate measured × 1.25
# kind → two probe specs (YAML): a layer of that kind at the sizes of an early and a late stage of ResNet and
# MobileNet (tensors of megabytes, as a network's are, not ones that stay in a cache)
PROBES = {
    "conv": ("input: [64, 56, 56]\nlayers:\n  - {name: p, conv: {out: 64, kernel: 3, padding: 1}}\n",
             "input: [256, 14, 14]\nlayers:\n  - {name: p, conv: {out: 256, kernel: 3, padding: 1}}\n"),
    "depthwise": ("input: [144, 56, 56]\nlayers:\n  - {name: p, conv: {out: 144, kernel: 3, padding: 1, groups: 144}}\n",
                  "input: [576, 14, 14]\nlayers:\n  - {name: p, conv: {out: 576, kernel: 3, padding: 1, groups: 576}}\n"),
    "pointwise": ("input: [64, 56, 56]\nlayers:\n  - {name: p, conv: {out: 256, kernel: 1}}\n",
                  "input: [160, 7, 7]\nlayers:\n  - {name: p, conv: {out: 960, kernel: 1}}\n"),
    "matmul": ("input: [1280]\nlayers:\n  - {name: p, dense: {out: 1000}}\n",
               "input: [2048]\nlayers:\n  - {name: p, dense: {out: 1000}}\n"),
    "elementwise": ("input: [64, 112, 112]\nlayers:\n  - {name: p, relu: {}}\n",
                    "input: [96, 56, 56]\nlayers:\n  - {name: p, sigmoid: {}}\n"),
    "pooling": ("input: [64, 112, 112]\nlayers:\n  - {name: p, maxpool: {kernel: 3, stride: 2, padding: 1}}\n",
                "input: [1280, 7, 7]\nlayers:\n  - {name: p, global_avgpool: {}}\n"),
}
CHAIN = "input: [8, 4, 4]\nlayers:\n" + "".join(f"  - {{name: r{i}, relu: {{}}}}\n" for i in range(16))
ONE = "input: [8, 4, 4]\nlayers:\n  - {name: r0, relu: {}}\n"


def _timed(text: str, threads: int, repeats: int, warmup: int):
    """(its analysis, the median seconds of a probe spec given as text)."""
    from cnncalc.analysis import analyze
    from cnncalc.measure import measure
    from cnncalc.spec.document import parse_spec
    spec = parse_spec(text, "<probe>")
    report = analyze(spec)
    return report, measure(spec, report, threads, warmup, repeats, per_layer=False).median


def _figure(value: str, what: str, source: str) -> dict:
    return {"value": value, "what": what, "source": source}


def calibrate(threads: int = 1, repeats: int = 25, warmup: int = 5, name: str = "here",
              progress: Optional[Callable[[str, int, int], None]] = None) -> dict:
    """The fitted profile, as the mapping to write to YAML."""
    import onnxruntime as ort

    from cnncalc import devices, roofline
    total = sum(len(p) for p in PROBES.values()) + 2
    done = 0

    def step(label: str) -> None:
        nonlocal done
        done += 1
        if progress:
            progress(f"probe {label}", done, total)

    measured: dict = {}
    for kind, texts in PROBES.items():
        for i, text in enumerate(texts):
            measured[(kind, i)] = _timed(text, threads, repeats, warmup)
            step(f"{kind} {i + 1}")
    _, one = _timed(ONE, threads, repeats, warmup)
    step("overhead 1")
    _, chain = _timed(CHAIN, threads, repeats, warmup)
    step("overhead 16")
    overhead = max((chain - one) / 15, 0.0)

    rates, byte_rates = [], []
    for (kind, i), (report, seconds) in measured.items():
        row = report.rows[1]
        moved = sum(4 * r.activation_elements for r in report.rows) + 4 * (row.params + row.state)
        rates.append((row.flops / seconds, f"{kind} probe {i + 1}"))
        if kind in ("elementwise", "pooling"):
            byte_rates.append((moved / seconds, f"{kind} probe {i + 1}"))
    (best, where), (best_bytes, where_bytes) = max(rates), max(byte_rates)
    peak, bandwidth = int(best * MARGIN), int(best_bytes * MARGIN)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    host = f"{platform.node() or 'this machine'} ({platform.processor() or platform.machine()})"
    source = f"cnncalc devices calibrate on {host}, {stamp}, onnxruntime {ort.__version__}, {threads} thread(s)"
    device = devices.Device(name=name, title="", source="",
                            bandwidth=devices.Figure(bandwidth, "", ""),
                            peak={"float32": devices.Figure(peak, "", "")})
    efficiency = {}
    for kind in PROBES:
        ratios = []
        for i in range(len(PROBES[kind])):
            report, seconds = measured[(kind, i)]
            bound = roofline.estimate(report, device, "float32", 1)
            ratios.append(min(float(bound.seconds) / max(seconds - overhead, 1e-9), 1.0))
        value = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
        efficiency[kind] = _figure(f"{max(value, 0.001):.3g}",
                                   f"the bound ÷ the measured median (less the overhead) of the {kind} probes "
                                   f"({', '.join(f'{r:.3g}' for r in ratios)}), their geometric mean", source)
    return {
        "name": name,
        "title": f"{host}, onnxruntime CPU, {threads} thread(s), calibrated {stamp}",
        "bandwidth": _figure(str(bandwidth), f"the highest byte rate of the element-wise and pooling probes "
                                             f"({where_bytes}, {best_bytes / 1e9:.3g} GB/s) × {float(MARGIN)}",
                             source),
        "runtimes": ["fused", "eager"],
        "peak": {"float32": _figure(str(peak), f"the highest FLOP rate of the probes ({where}, "
                                                f"{best / 1e9:.3g} GFLOP/s) × {float(MARGIN)}", source)},
        "efficiency": efficiency,
        "overhead": _figure(f"{round(overhead * 1e9)}ns", "time per layer: the slope of a chain of 1 and 16 tiny "
                                                        "relu layers", source),
    }


def profile_yaml(profile: dict) -> str:
    import yaml
    header = ("# This machine's device profile, fitted by `cnncalc devices calibrate` (cnncalc/calibrate.py):\n"
              "# measured, so use it on this machine only; re-run it after a change of hardware or load.\n")
    return header + yaml.safe_dump(profile, sort_keys=False, allow_unicode=True, width=120)
