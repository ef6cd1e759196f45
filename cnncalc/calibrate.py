"""`cnncalc devices calibrate`: this machine's device profile fitted from short measurements in onnxruntime,
so that `--device here.yaml` bounds and estimates specs never measured (docs/conventions.md, "Latency").

1. **Probes**: small networks of one kind of work each (cnncalc.devices.KINDS) at generic layer shapes that
   span the sizes networks use (early and late stages, few and many channels, stride 2, the tiny tensors of
   squeeze-excitation, attention's products): generic shapes, never the zoo's networks, which are what the
   estimate is judged against (docs/performance.md). Each is exported and timed as `cnncalc measure` times a
   spec (the median and the fastest of the timed runs).
2. **The run's own cost and the cost of a layer**: a chain of 1 and of 16 tiny layers; the slope is the
   profile's `overhead` (every layer's), and the time of one run less one slope its `run` (what every probe,
   and every network, pays once beyond its layers).
3. **Peak and bandwidth** (the bound's): the highest FLOP rate and the highest byte rate any probe reaches
   in its fastest run, each times MARGIN, so that a layer of a real network that runs a little faster than
   every probe still takes no less than its bound: the bound must stay a bound.
4. **Each kind's model** (cnncalc.estimate): the probes of the kind give points (n layers, t_compute =
   F / peak, t_memory = B / bandwidth, the median); `fit` finds the kind's own overhead per layer o and the
   factors a, b of median = run's cost + n·(slope + o) + a·t_compute + b·t_memory that minimise the squared
   relative error, with o ≥ 0 and a, b ≥ 1 (so that no layer's estimate falls below its bound); the profile
   keeps compute = 1/a, memory = 1/b and o. Only the probes whose every layer's working set (the bound's
   bytes: weights, inputs and output) fits in the last-level cache take part: the kinds' rates are the
   in-cache ones.
5. **The memory hierarchy** (cnncalc.estimate): the last-level cache's size C from Linux's sysfs (`cache_size`)
   and the main memory's bandwidth D from the probes whose working set is far beyond it (a dense layer of
   ~67 and ~101 MB of weights, a relu over 64 MiB): their time beyond their kind's in-cache model is the time
   of their bytes beyond C (`main_memory_rate`). Without a cache size the kinds are fitted on every probe
   as before; then, or when no probe exceeds the cache, or those that do ran no slower than the in-cache
   model, the profile has neither figure and its title says why.

The profile is written as YAML with every figure's probe and measurement as its source.
"""

from __future__ import annotations

import platform
from datetime import datetime, timezone
from fractions import Fraction
from itertools import product as subsets
from typing import Callable, Optional

from cnncalc.record import record

MARGIN = Fraction(5, 4)       # peak and bandwidth: the best rate measured × 1.25
LOWER = (Fraction(0), Fraction(1), Fraction(1))      # the least overhead, compute factor and memory factor


def _net(shape, *layers: str) -> str:
    return f"input: {list(shape)}\nlayers:\n" + "".join(f"  - {layer}\n" for layer in layers)


def _conv(c: int, size: int, out: int, kernel: int, stride: int = 1, groups: int = 1) -> str:
    return _net((c, size, size), f"{{name: p, conv: {{out: {out}, kernel: {kernel}, stride: {stride}, "
                                 f"padding: {kernel // 2}, groups: {groups}}}}}")


def _probes() -> list:
    """(kind, label, spec text) of every probe. Shapes are generic (channels × size), chosen to cover the
    range of layer sizes (from a few kFLOPs to about 250 MFLOPs, under ~3 ms each here) of each kind, and
    three whose working set is far beyond a last-level cache (a dense layer's 67 and 101 MB of weights, a
    relu over 64 MiB: tens of ms each) for the main memory's bandwidth."""
    out = []
    for c, size, o, k, s in [(3, 224, 32, 3, 2), (3, 224, 64, 7, 2), (16, 112, 16, 3, 1), (32, 56, 32, 3, 1),
                             (32, 28, 32, 3, 1), (64, 56, 64, 3, 1), (128, 56, 128, 3, 2), (128, 28, 128, 3, 1),
                             (256, 14, 256, 3, 1), (512, 7, 512, 3, 1), (64, 28, 96, 5, 1), (16, 14, 16, 3, 1)]:
        out.append(("conv", f"conv {c}→{o} {k}×{k}/{s} at {size}²", _conv(c, size, o, k, s)))
    for c, size, k, s in [(32, 112, 3, 1), (96, 112, 3, 2), (144, 56, 3, 1), (240, 28, 5, 1), (576, 14, 3, 1),
                          (960, 7, 5, 1), (72, 28, 5, 1), (16, 56, 3, 2), (1024, 7, 3, 1), (32, 14, 3, 1)]:
        out.append(("depthwise", f"depthwise {c} {k}×{k}/{s} at {size}²", _conv(c, size, c, k, s, c)))
    for c, size, o in [(16, 112, 96), (64, 56, 256), (256, 56, 64), (24, 56, 72), (32, 28, 192), (160, 7, 960),
                       (960, 7, 160), (512, 14, 512), (1024, 7, 1024), (16, 1, 64), (64, 1, 16), (576, 1, 144),
                       (144, 1, 576)]:
        out.append(("pointwise", f"pointwise {c}→{o} at {size}²", _conv(c, size, o, 1)))
    for c, n in [(96, 784), (384, 196), (768, 49)]:             # a linear layer on tokens, channels first
        out.append(("pointwise", f"linear {c}→{2 * c} on {n} tokens",
                    _net((c, n), f"{{name: p, linear: {{out: {2 * c}}}}}")))
    for i, o in [(512, 10), (1280, 1000), (2048, 1000), (4096, 4096)]:
        out.append(("matmul", f"dense {i}→{o}", _net((i,), f"{{name: p, dense: {{out: {o}}}}}")))
    out.append(("matmul", "dense 6144→4096", _net((6144,), "{name: p, dense: {out: 4096}}")))   # ~101 MB of weights
    for h, n in [(6, 49), (96, 49), (12, 196), (3, 400)]:       # a product of two activations, [h, n, n]²
        out.append(("matmul", f"product {h}×{n}×{n}", _net((h, n, n), "{name: p, from: [input, input], matmul: {}}")))
    for op, c, size in [("relu", 64, 112), ("relu", 16, 8), ("relu", 512, 7), ("sigmoid", 96, 56),
                        ("sigmoid", 960, 1), ("silu", 240, 28), ("hardswish", 16, 112), ("gelu", 192, 28)]:
        out.append(("elementwise", f"{op} {c} at {size}²", _net((c, size, size), f"{{name: p, {op}: {{}}}}")))
    out.append(("elementwise", "relu 16 at 1024²", _net((16, 1024, 1024), "{name: p, relu: {}}")))   # 64 MiB in
    for c, size in [(64, 56), (256, 14), (24, 56), (40, 28)]:
        out.append(("elementwise", f"relu and add {c} at {size}²",
                    _net((c, size, size), "{name: r, relu: {}}", "{name: p, from: [input, r], add: {}}")))
    for h, n in [(12, 196), (96, 49)]:
        out.append(("elementwise", f"softmax {h}×{n}×{n}", _net((h, n, n), "{name: p, softmax: {axis: -1}}")))
    for c, n in [(96, 784), (768, 49)]:
        out.append(("elementwise", f"layernorm {c} on {n} tokens", _net((c, n), "{name: p, layernorm: {}}")))
    for c, size in [(64, 112), (192, 56), (512, 14)]:
        out.append(("pooling", f"maxpool {c} 3×3/2 at {size}²",
                    _net((c, size, size), "{name: p, maxpool: {kernel: 3, stride: 2, padding: 1}}")))
    for c, size in [(1280, 7), (16, 56), (72, 28), (960, 7), (2048, 7)]:
        out.append(("pooling", f"global average {c} at {size}²", _net((c, size, size), "{name: p, global_avgpool: {}}")))
    out.append(("pooling", "average 256 2×2/2 at 28²", _net((256, 28, 28), "{name: p, avgpool: {kernel: 2, stride: 2}}")))
    return out


PROBES = _probes()
CHAIN = _net((8, 4, 4), *(f"{{name: r{i}, relu: {{}}}}" for i in range(16)))
ONE = _net((8, 4, 4), "{name: r0, relu: {}}")


@record
class Point:
    """One probe of a kind: its layers' count, the bound's two terms summed over them (seconds), its measured
    time (seconds) and the part of it that is the run's own cost, not its layers' (seconds)."""
    layers: int
    compute: Fraction
    memory: Fraction
    seconds: Fraction
    fixed: Fraction = Fraction(0)


@record
class Fit:
    overhead: Fraction        # seconds per layer, ≥ 0
    compute: Fraction         # the factor on t_compute, ≥ 1 (the kind reaches 1/compute of the peak)
    memory: Fraction          # the factor on t_memory, ≥ 1 (the kind reaches 1/memory of the bandwidth)
    error: Fraction           # the sum of the squared relative errors


def fit(points) -> Fit:
    """The least-squares fit of t = fixed + n·o + a·t_compute + b·t_memory to ``points`` (Point) in relative
    error (each residual divided by the measured time, the run's own cost included, so that a probe of a few
    microseconds does not outweigh the rest), with o ≥ 0, a ≥ 1 and b ≥ 1; exact (Fractions). Every way of
    holding some of the three at their least value is solved (the others from the normal equations) and the
    feasible solution of least error kept: the constrained optimum, as the problem is convex."""
    kept = [p for p in points if p.seconds > 0]
    rows = [(Fraction(p.layers) / p.seconds, p.compute / p.seconds, p.memory / p.seconds) for p in kept]
    ones = [1 - p.fixed / p.seconds for p in kept]      # the residual is Σ_j x_j·v_j − (1 − fixed / t)
    best: Optional[Fit] = None
    for held in subsets((False, True), repeat=3):
        free = [i for i in range(3) if not held[i]]
        # the held unknowns at their least value move to the right-hand side
        target = [one - sum(row[i] * LOWER[i] for i in range(3) if held[i]) for row, one in zip(rows, ones)]
        gram = [[sum(row[i] * row[j] for row in rows) for j in free] for i in free]
        rhs = [sum(row[i] * t for row, t in zip(rows, target)) for i in free]
        solved = _solve(gram, rhs)
        if solved is None:
            continue
        values = list(LOWER)
        for i, v in zip(free, solved):
            values[i] = v
        if any(values[i] < LOWER[i] for i in range(3)):
            continue
        error = sum((sum(x * v for x, v in zip(row, values)) - one) ** 2 for row, one in zip(rows, ones))
        if best is None or error < best.error:
            best = Fit(overhead=values[0], compute=values[1], memory=values[2], error=error)
    assert best is not None         # holding all three is always solvable and feasible
    return best


def _solve(matrix, rhs):
    """Gaussian elimination in Fractions; None when singular. An empty system has the empty solution."""
    n = len(rhs)
    a = [list(row) + [r] for row, r in zip(matrix, rhs)]
    for col in range(n):
        pivot = next((r for r in range(col, n) if a[r][col] != 0), None)
        if pivot is None:
            return None
        a[col], a[pivot] = a[pivot], a[col]
        for r in range(n):
            if r != col and a[r][col] != 0:
                factor = a[r][col] / a[col][col]
                a[r] = [x - factor * y for x, y in zip(a[r], a[col])]
    return [a[i][n] / a[i][i] for i in range(n)]


def _timed(text: str, threads: int, repeats: int, warmup: int):
    """(its FLOPs and bytes as the bound counts them, its layers, the median and the fastest seconds, each
    layer's bytes) of a probe spec given as text."""
    from cnncalc import devices, roofline
    from cnncalc.analysis import analyze
    from cnncalc.measure import measure
    from cnncalc.spec.document import parse_spec
    spec = parse_spec(text, "<probe>")
    report = analyze(spec)
    m = measure(spec, report, threads, warmup, repeats, per_layer=False)
    unit = devices.Device(name="unit", title="", source="", bandwidth=devices.Figure(1, "", ""),
                          peak={"float32": devices.Figure(1, "", "")})
    bound = roofline.estimate(report, unit, "float32", 1, graph=spec.graph)
    return (bound.flops, bound.bytes, len(bound.layers), Fraction(m.median), Fraction(m.low),
            tuple(t.bytes for t in bound.layers))


SYSFS_CACHE = "/sys/devices/system/cpu/cpu0/cache"


def cache_size(root: str = SYSFS_CACHE) -> "Optional[tuple[int, str]]":
    """(bytes, what was read) of the last-level cache: Linux's sysfs entry of level 3 for cpu0, else of level
    2 (data or unified caches; sizes as '32768K', K = 1024 bytes, as the kernel writes them); None when
    neither can be read (another system, a container without sysfs)."""
    from pathlib import Path
    found: dict = {}
    for entry in sorted(Path(root).glob("index*")):
        try:
            level = int((entry / "level").read_text().strip())
            kind = (entry / "type").read_text().strip()
            text = (entry / "size").read_text().strip()
        except (OSError, ValueError):
            continue
        scale = {"K": 1024, "M": 1024 ** 2, "G": 1024 ** 3}.get(text[-1:].upper(), 1)
        number = text[:-1] if scale > 1 else text
        if kind == "Instruction" or not number.isdigit() or int(number) == 0:
            continue
        found[level] = (int(number) * scale, f"{entry / 'size'} reads {text} (level {level}, {kind.lower()})")
    return next((found[level] for level in (3, 2) if level in found), None)


def main_memory_rate(spilled, fits: dict, peak: int, bandwidth: int, cache: int) -> Optional[Fraction]:
    """The main memory's bandwidth (bytes per second) from the probes whose working set exceeds the cache:
    ``spilled`` holds (kind, FLOPs, layers, median, fixed, each layer's bytes). Each probe's time beyond its
    kind's in-cache model (the run's cost and overheads, t_compute · a, and its first ``cache`` bytes per
    layer at b · t_memory: cnncalc.estimate's rule) is the time of its bytes beyond the cache; the rate is
    their bytes over that time, pooled. None when no probe exceeds the cache or the probes took no longer than
    the in-cache model."""
    spill, rest = 0, Fraction(0)
    for kind, flops, layers, median, fixed, sizes in spilled:
        f = fits[kind]
        inside = sum(min(b, cache) for b in sizes)
        spill += sum(max(b - cache, 0) for b in sizes)
        rest += median - (fixed + layers * f.overhead + f.compute * Fraction(flops, peak)
                          + f.memory * Fraction(inside, bandwidth))
    return Fraction(spill) / rest if spill and rest > 0 else None


def _figure(value: str, what: str, source: str) -> dict:
    return {"value": value, "what": what, "source": source}


def _g(value) -> str:
    return f"{float(value):.3g}"


def calibrate(threads: int = 1, repeats: int = 25, warmup: int = 3, name: str = "here",
              progress: Optional[Callable[[str, int, int], None]] = None, probes=None) -> dict:
    """The fitted profile, as the mapping to write to YAML. ``probes``: (kind, label, spec text) to time
    instead of PROBES (a test's few; every kind needs one)."""
    import onnxruntime as ort

    from cnncalc import devices
    probes = PROBES if probes is None else probes
    total, done = len(probes) + 2, 0

    def step(label: str) -> None:
        nonlocal done
        done += 1
        if progress:
            progress(f"probe {label}", done, total)

    one = _timed(ONE, threads, repeats, warmup)[3]
    step("run cost 1")
    chain = _timed(CHAIN, threads, repeats, warmup)[3]
    step("run cost 16")
    per_layer = max((chain - one) / 15, Fraction(0))
    run_cost = max(one - per_layer, Fraction(0))
    measured = []
    for kind, label, text in probes:
        measured.append((kind, label, *_timed(text, threads, repeats, warmup)))
        step(label)

    rates = [(Fraction(flops) / low, label) for _, label, flops, _, _, _, low, _ in measured]
    byte_rates = [(Fraction(moved) / low, label) for _, label, _, moved, _, _, low, _ in measured]
    (best, where), (best_bytes, where_bytes) = max(rates), max(byte_rates)
    peak, bandwidth = int(best * MARGIN), int(best_bytes * MARGIN)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    host = f"{platform.node() or 'this machine'} ({platform.processor() or platform.machine()})"
    source = f"cnncalc devices calibrate on {host}, {stamp}, onnxruntime {ort.__version__}, {threads} thread(s)"

    def split(cache) -> tuple:
        """(the probes' points per kind, those whose working set exceeds the cache: the main memory's, not
        their kind's)."""
        points: dict = {}
        spilled = []
        for kind, label, flops, moved, layers, median, low, sizes in measured:
            fixed = run_cost + layers * per_layer
            if cache is not None and max(sizes) > cache[0]:
                spilled.append((label, (kind, flops, layers, median, fixed, sizes)))
                continue
            points.setdefault(kind, []).append(Point(
                layers=layers, compute=Fraction(flops, peak), memory=Fraction(moved, bandwidth),
                seconds=median, fixed=fixed))
        return points, spilled

    cache = cache_size()
    points, spilled = split(cache)
    small = cache is not None and any(kind not in points for kind in devices.KINDS)
    if small:            # a cache too small for some kind's every probe: no memory-hierarchy term, all fitted
        points, spilled = split(None)
    efficiency, fits = {}, {}
    for kind in devices.KINDS:
        if kind not in points:
            raise ValueError(f"no probe of the kind '{kind}'")        # only a test's own probes can lack one
        f = fits[kind] = fit(points[kind])
        count = len(points[kind])
        efficiency[kind] = {
            "compute": _g(1 / f.compute), "memory": _g(1 / f.memory), "overhead": f"{float(f.overhead) * 1e9:.0f}ns",
            "what": f"fitted to the medians of {count} {kind} probes (t = overhead + t_compute ÷ compute + "
                    f"t_memory ÷ memory, least squares in relative error; rms error "
                    f"{float(f.error / count) ** 0.5:.0%})",
            "source": source}
    hierarchy: dict
    if small:
        assert cache is not None
        hierarchy, without = {}, (f"; no memory-hierarchy term: the {cache[0] / 2 ** 20:.3g} MiB cache holds no "
                                  f"probe of some kind of work, whose rates are then fitted to probes beyond it")
    else:
        hierarchy, without = _hierarchy(cache, spilled, fits, peak, bandwidth, host, stamp, source)
    return {
        "name": name,
        "title": f"{host}, onnxruntime CPU, {threads} thread(s), calibrated {stamp}" + without,
        "bandwidth": _figure(str(bandwidth), f"the highest byte rate of the probes' fastest runs ({where_bytes}, "
                                             f"{float(best_bytes) / 1e9:.3g} GB/s) × {float(MARGIN)}", source),
        "runtimes": ["fused", "eager"],
        "peak": {"float32": _figure(str(peak), f"the highest FLOP rate of the probes' fastest runs ({where}, "
                                                f"{float(best) / 1e9:.3g} GFLOP/s) × {float(MARGIN)}", source)},
        "efficiency": efficiency,
        "overhead": _figure(f"{float(per_layer) * 1e9:.0f}ns", "time per layer of any kind: the slope of the "
                            "medians of a chain of 1 and of 16 tiny relu layers (each kind's own overhead is beyond "
                            "it)", source),
        "run": _figure(f"{float(run_cost) * 1e9:.0f}ns", "time per forward pass: the median of one tiny relu layer "
                       "less the slope", source),
        **hierarchy,
    }


def _hierarchy(cache, spilled, fits, peak, bandwidth, host, stamp, source) -> "tuple[dict, str]":
    """The profile's ``cache`` and ``main_memory`` figures, or none and the reason (for the title)."""
    if cache is None:
        return {}, ("; no memory-hierarchy term: no last-level cache size found (Linux: "
                    f"{SYSFS_CACHE}/index*/size of level 3 or 2)")
    mib = f"{cache[0] / 2 ** 20:.3g} MiB"
    rate = main_memory_rate([probe for _, probe in spilled], fits, peak, bandwidth, cache[0])
    if rate is None:
        return {}, (f"; no memory-hierarchy term: no probe's working set exceeds the {mib} cache" if not spilled
                    else "; no memory-hierarchy term: the probes beyond the cache took no longer than in it")
    labels = ", ".join(label for label, _ in spilled)
    spill = sum(max(b - cache[0], 0) for _, probe in spilled for b in probe[5])
    return {
        "cache": _figure(str(cache[0]), f"the last-level cache's size ({mib}): {cache[1]}",
                         f"Linux sysfs on {host}, read {stamp}"),
        "main_memory": _figure(str(max(int(rate), 1)), f"the main memory's bandwidth ({float(rate) / 1e9:.3g} GB/s): the "
                               f"bytes beyond the cache of the probes whose working set exceeds it ({labels}; "
                               f"{spill / 1e6:.0f} MB) over their medians less their kinds' in-cache model",
                               source),
    }, ""


def profile_yaml(profile: dict) -> str:
    import yaml
    header = ("# This machine's device profile, fitted by `cnncalc devices calibrate` (cnncalc/calibrate.py):\n"
              "# measured, so use it on this machine only; re-run it after a change of hardware or load.\n")
    return header + yaml.safe_dump(profile, sort_keys=False, allow_unicode=True, width=120)
