"""Whole-process benchmarks of cnncalc: start-up against the bare imports, and scaling with spec size.

    python bench/bench.py [--spec specs/zoo/resnet50.yaml] [--repeat 5] [--write docs/performance.md]

Every figure is the wall time of a fresh `python -m cnncalc ...` process (the minimum over --repeat runs,
the median beside it), and the peak resident memory of the largest such process (getrusage of the
children). The generated specs are written into a temporary folder and removed. Nothing is written into
the repository unless --write is given. Goals (issue 6):

* `analyze` on ResNet-50 (table) ≤ 1.3 × the bare `import click, yaml, rich.console, rich.table`;
* sequential specs of 1,000 / 10,000 / 100,000 layers: time linear (100k / 10k ≤ 12), 100k < 10 s, < 1 GiB;
* a DenseNet-style chain of 1,000 concatenations (2**1000 paths from input to output): linear too.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SPEC = ROOT / "specs" / "zoo" / "resnet50.yaml"
FLOOR = "import click, yaml, rich.console, rich.table"


# Byte-code caching on, as in an installed package (pip compiles it at install time): without it, every run
# of an editable install recompiles cnncalc from source while the floor's packages load their .pyc files.
ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def run_once(argv: list[str]) -> tuple[float, int]:
    """(wall seconds, peak RSS in bytes) of one process; its output is discarded."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT, env=ENV)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"bench: {' '.join(argv)} failed ({done.returncode}):\n{done.stderr.decode()[-2000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss is the largest child so far (KiB on Linux): exact for the biggest case, a bound otherwise
    return wall, max(peak, before) * 1024


def measure(argv: list[str], repeat: int) -> dict:
    run_once(argv)                       # warm-up: writes the byte-code cache, fills the OS file cache
    times, peak = [], 0
    for _ in range(repeat):
        wall, rss = run_once(argv)
        times.append(wall)
        peak = max(peak, rss)
    return {"min": min(times), "median": statistics.median(times), "rss": peak}


def cnncalc(*args: str) -> list[str]:
    return [sys.executable, "-m", "cnncalc", *args]


def sequential_spec(layers: int) -> str:
    """conv 3×3 → batchnorm → relu, repeated: `layers` layers written one per line (no repeat:), as a
    generator would write them."""
    kinds = ["  - {conv: {out: 16, kernel: 3, padding: 1}}\n", "  - batchnorm\n", "  - relu\n"]
    return (f"name: seq{layers}\ninput: [16, 32, 32]\nlayers:\n"
            + "".join(kinds[i % 3] for i in range(layers)))


def densenet_spec(concats: int) -> str:
    """DenseNet-style: each step adds a 3×3 conv of 4 channels and concatenates it to everything before,
    so step i reads step i−1 twice (directly and through its conv): 2**concats paths."""
    lines = [f"name: densenet{concats}", "input: [8, 16, 16]", "layers:",
             "  - {name: c0, conv: {out: 8, kernel: 3, padding: 1}}"]
    for i in range(1, concats + 1):
        lines.append(f"  - {{name: x{i}, conv: {{out: 4, kernel: 3, padding: 1}}, from: c{i - 1}}}")
        lines.append(f"  - {{name: c{i}, concat: {{}}, from: [c{i - 1}, x{i}]}}")
    return "\n".join(lines) + "\n"


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import yaml
    loader = "C (libyaml)" if hasattr(yaml, "CSafeLoader") else "pure Python"
    return (f"{os.cpu_count()} CPUs ({model}); Python {platform.python_version()} on {platform.system()}; "
            f"PyYAML {yaml.__version__} with the {loader} loader")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help="the ResNet-50 spec for the start-up ratio")
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement (the minimum is reported)")
    parser.add_argument("--sizes", default="1000,10000,100000", help="layers of the sequential specs")
    parser.add_argument("--write", type=Path, help="also write the results as Markdown into this file")
    args = parser.parse_args()

    rows = []        # (what, command, result)
    ratios = []      # (what, value, goal, met)

    if args.spec.exists():
        spec = str(args.spec)
    else:
        print(f"bench: {args.spec} does not exist; give a ResNet-50 spec with --spec (start-up skipped)",
              file=sys.stderr)
        spec = None
    floor = measure([sys.executable, "-c", FLOOR], args.repeat)
    rows.append(("bare imports", f'python -c "{FLOOR}"', floor))
    if spec:
        table = measure(cnncalc("analyze", spec), args.repeat)
        as_json = measure(cnncalc("analyze", spec, "--format", "json"), args.repeat)
        rows.append(("ResNet-50, table", f"cnncalc analyze {spec}", table))
        rows.append(("ResNet-50, json", f"cnncalc analyze {spec} --format json", as_json))
        ratios.append(("ResNet-50 table / bare imports", table["min"] / floor["min"], "≤ 1.3"))
        ratios.append(("ResNet-50 json / bare imports", as_json["min"] / floor["min"], "(info)"))

    with tempfile.TemporaryDirectory(prefix="cnncalc-bench-") as tmp:
        # smallest first: ru_maxrss is the largest child so far, so each row's memory is its own
        path = Path(tmp) / "densenet1000.yaml"
        path.write_text(densenet_spec(1000))
        dense = measure(cnncalc("analyze", str(path), "--format", "json"), args.repeat)
        rows.append(("DenseNet-style, 1,000 concats (2,001 layers), json", "cnncalc analyze densenet1000.yaml "
                     "--format json", dense))
        seq = {}
        for n in (int(size) for size in args.sizes.split(",")):
            path = Path(tmp) / f"seq{n}.yaml"
            path.write_text(sequential_spec(n))
            repeat = args.repeat if n <= 10_000 else max(1, min(args.repeat, 3))
            seq[n] = measure(cnncalc("analyze", str(path), "--format", "json", "--max-layers", str(n)), repeat)
            rows.append((f"{n:,} sequential layers, json", f"cnncalc analyze seq{n}.yaml --format json", seq[n]))
        sizes = sorted(seq)
        for small, big in zip(sizes, sizes[1:]):
            goal = "≤ 12 (linear: 10)" if big == 10 * small else "(info)"
            ratios.append((f"{big:,} / {small:,} layers", seq[big]["min"] / seq[small]["min"], goal))
        if 100_000 in seq:
            ratios.append(("100,000 layers, seconds", seq[100_000]["min"], "< 10"))
            ratios.append(("100,000 layers, peak memory MiB", seq[100_000]["rss"] / 2**20, "< 1024"))
        if 1000 in seq:
            # 1,000 concats make 2,001 layers: compare per layer with the sequential 1,000-layer spec
            ratios.append(("DenseNet 2,001 layers / sequential 1,000", dense["min"] / seq[1000]["min"],
                           "(info) linear: about 2 or less"))

    text = report(rows, ratios)
    print(text)
    if args.write:
        args.write.write_text(text)


def report(rows, ratios) -> str:
    lines = [f"Machine: {machine()}", "", "| run | min s | median s | peak RSS MiB |", "|---|--:|--:|--:|"]
    lines += [f"| {what} | {r['min']:.3f} | {r['median']:.3f} | {r['rss'] / 2**20:.0f} |" for what, _, r in rows]
    lines += ["", "| ratio | value | goal |", "|---|--:|---|"]
    lines += [f"| {what} | {value:.2f} | {goal} |" for what, value, goal in ratios]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
