"""`cnncalc measure`'s output: the measured latency beside the bound and the estimate, per layer where the
profiler gives it, as a table or JSON; and its progress on standard error."""

from __future__ import annotations

import sys
from fractions import Fraction

from cnncalc.render import document, fmt

SCHEMA = "cnncalc.measure/1"


def _ms(seconds) -> str:
    return fmt.seconds(Fraction(seconds).limit_denominator(10**9))


def measure_text(result) -> str:
    """``result``: cnncalc.cli.measure.Measured (the measurement, and the bound and estimate when a device is given)."""
    m, bound, est = result.measurement, result.bound, result.estimate
    lines = [f"{result.name} ({result.source})", "",
             f"Measured (onnxruntime {result.ort_version}, CPU, {m.threads} thread{'s' if m.threads != 1 else ''}, "
             f"{m.repeats} runs after {m.warmup} warm-up)",
             f"  median {_ms(m.median)}; fastest {_ms(m.low)}, slowest {_ms(m.high)} "
             f"(spread {m.spread * 100:.1f}% of the median)"]
    if bound is not None:
        arithmetic = f" as {bound.arithmetic}" if bound.arithmetic else ""
        lines.append(f"Bound on {bound.device} ({bound.dtype}{arithmetic}, {bound.runtime} network)")
        lines.append(f"  ≥ {fmt.seconds(bound.seconds)}: a roofline lower bound, not a measurement "
                     f"(the median is {m.median / float(bound.seconds):.3g}× it)" if bound.seconds else "  ≥ 0 s")
        lines.append(f"Estimate on {bound.device}")
        lines.append(f"  ≈ {fmt.seconds(est.seconds)}: an estimate by kind of work, not a bound"
                     if est is not None else "  none: the device profile has no efficiencies "
                     "(cnncalc devices calibrate -o here.yaml makes one)")
    else:
        lines.append("No bound or estimate: give --device NAME|FILE (cnncalc devices calibrate -o here.yaml fits "
                     "this machine's)")
    if m.layers:
        times = {t.name: t.seconds for t in bound.layers} if bound is not None else {}
        if bound is not None:
            lines.append(f"  (estimate ÷ median: {float(est.seconds) / m.median:.3g})" if est is not None else "")
        ests = {t.name: t.seconds for t in est.layers} if est is not None else {}
        lines += ["", "Per layer (onnxruntime's profiler: kernel time, median; a fused node under its layer's name)"]
        header = ("layer", "measured", "bound", "estimate")
        rows = [(name, _ms(seconds), f"≥ {fmt.seconds(times[name])}" if name in times else "-",
                 f"≈ {fmt.seconds(ests[name])}" if name in ests else "-") for name, seconds in m.layers]
        widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(4)]
        for row in [header, *rows]:
            lines.append("  " + "  ".join(str(cell).ljust(w) if i == 0 else str(cell).rjust(w)
                                          for i, (cell, w) in enumerate(zip(row, widths))))
    return "\n".join(lines) + "\n"


def measure_json(result) -> str:
    from cnncalc.render.report import _latency_dict
    m = result.measurement
    return document.to_json(document.envelope(SCHEMA, {
        "name": result.name, "source": result.source, "onnxruntime": result.ort_version,
        "measured": {"threads": m.threads, "warmup": m.warmup, "repeats": m.repeats,
                     "median_seconds": m.median, "fastest_seconds": m.low, "slowest_seconds": m.high,
                     "times_seconds": list(m.times),
                     "layers": [{"name": name, "median_seconds": s} for name, s in m.layers]},
        "latency": None if result.bound is None else _latency_dict(result.bound, result.device, result.estimate)}))


class StageProgress:
    """Progress on standard error: on a terminal one line rewritten in place; elsewhere a line per stage."""

    def __init__(self, stream=None, prefix: str = "measure"):
        self.stream = stream or sys.stderr
        self.terminal = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.prefix, self.stage = prefix, ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.terminal:
            self.stream.write(f"\r{self.prefix}: {stage} {done}/{total}\033[K")
        elif stage != self.stage:
            self.stream.write(f"{self.prefix}: {stage} ({done}/{total})\n" if stage.startswith("probe") else f"{self.prefix}: {stage} ({total})\n")
        self.stage = stage
        self.stream.flush()

    def done(self) -> None:
        if self.terminal:
            self.stream.write("\r\033[K")
            self.stream.flush()
