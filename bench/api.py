"""In-process benchmarks of the Python API (docs/api.md): no process start per call.

    python bench/api.py [--calls 200] [--variants 1000]       # a regular install in a temporary venv
    python bench/api.py --family                              # and the family sweep (cnncalc.family)
    python bench/api.py --python .venv/bin/python             # or an interpreter you already have

Measured inside one process of that interpreter: `cnncalc.analyze` of the shipped ResNet-50 per call (the
minimum and median over --calls calls, after one warm-up call), and a sweep of --variants generated variants
of a small CNN (its widths and depth drawn from the variant's number, each a new spec analysed from a dict),
in total and per variant. Goal (issue 11): ≤ 10 ms per ResNet-50 call on this machine.

With --family (issue 23): a family read once and analysed per setting. The first call (in a fresh process:
the imports, reading and parsing zoo:mobilenet_v2, building and analysing its default), then a sweep of
1,000 MobileNetV2 variants through ``cnncalc.family("zoo:mobilenet_v2").analyze(width=…, input=…)``: 40
widths (0.35 to 1.325 by 0.025) × 25 resolutions (96 to 288 by 8), per variant; beside it the same variants
through ``cnncalc.analyze`` (every 10th, the file read each time), and ResNet-50 through its family per call
(built again each time). Minimum and median per variant: on a shared machine the minimum is the cost.
Every 25th variant's figures are checked against a fresh ``cnncalc.analyze`` (the bench fails otherwise).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import machine, regular_install  # noqa: E402  (bench/ is not a package)

CHILD = r'''
import json, statistics, sys, time
import cnncalc

calls, variants = int(sys.argv[1]), int(sys.argv[2])
cnncalc.analyze("zoo:resnet50")                      # warm-up: the modules load once
times = []
for _ in range(calls):
    start = time.perf_counter()
    cnncalc.analyze("zoo:resnet50")
    times.append(time.perf_counter() - start)


def variant(i):
    width, depth = 8 + 8 * (i % 8), 1 + (i // 8) % 4
    layers = [{"conv": {"out": width, "kernel": 3, "padding": 1}}, "batchnorm", "relu"]
    for stage in range(3):
        layers += [{"conv": {"out": width << stage, "kernel": 3, "padding": 1, "stride": 2}}, "batchnorm", "relu"]
        layers += [{"conv": {"out": width << stage, "kernel": 3, "padding": 1}}, "batchnorm", "relu"] * depth
    layers += ["global_avgpool", {"dense": {"out": 10}}]
    return {"name": f"v{i}", "input": [3, 32, 32], "layers": layers}


specs = [variant(i) for i in range(variants)]
start = time.perf_counter()
params = [cnncalc.analyze(spec).totals.params for spec in specs]
sweep = time.perf_counter() - start
print(json.dumps({"min": min(times), "median": statistics.median(times), "sweep": sweep,
                  "distinct": len(set(params))}))
'''


FAMILY = r'''
import json, statistics, sys, time
start = time.perf_counter()
import cnncalc
mobilenet = cnncalc.family("zoo:mobilenet_v2")
first_params = mobilenet.analyze().totals.params
first = time.perf_counter() - start

grid = [(round(0.35 + 0.025 * i, 3), 96 + 8 * j) for i in range(40) for j in range(25)]
reports, each = [], []
begin = time.perf_counter()
for w, r in grid:
    start = time.perf_counter()
    reports.append(mobilenet.analyze(width=w, input=(3, r, r)))
    each.append(time.perf_counter() - start)
sweep = time.perf_counter() - begin

fresh = []
for w, r in grid[::10]:
    start = time.perf_counter()
    cnncalc.analyze("zoo:mobilenet_v2", set={"width": w}, input=(3, r, r))
    fresh.append(time.perf_counter() - start)

for k in range(0, len(grid), 25):
    w, r = grid[k]
    again = cnncalc.analyze("zoo:mobilenet_v2", set={"width": w}, input=(3, r, r))
    assert again.totals == reports[k].totals and again.rows == reports[k].rows, grid[k]

resnet = cnncalc.family("zoo:resnet50")
times = []
for _ in range(int(sys.argv[1])):
    start = time.perf_counter()
    resnet.analyze(input=(3, 224, 224))        # given an input, the spec is built again: a variant's cost
    times.append(time.perf_counter() - start)
print(json.dumps({"first": first, "sweep": sweep, "variants": len(grid), "each_min": min(each),
                  "each_median": statistics.median(each), "fresh_min": min(fresh),
                  "fresh_median": statistics.median(fresh),
                  "distinct": len({(x.totals.params, x.totals.macs) for x in reports}),
                  "resnet_min": min(times), "resnet_median": statistics.median(times)}))
'''


def family_table(python: str, calls: int, cwd: str) -> str:
    """The --family table: issue 23's sweep at search speed."""
    out = subprocess.run([python, "-c", FAMILY, str(calls)], capture_output=True, text=True, check=True,
                         cwd=cwd).stdout
    r = json.loads(out)
    n = r["variants"]
    ms = 1e3
    return "\n".join([
        "\n| family run (cnncalc.family) | minimum | median |\n|---|--:|--:|",
        f"| first call in a fresh process (imports, read, build, analyse zoo:mobilenet_v2), ms | "
        f"{r['first'] * ms:.0f} | |",
        f"| one of {n:,} MobileNetV2 variants (40 widths × 25 resolutions, {r['distinct']} distinct) through "
        f"the family, ms | {r['each_min'] * ms:.2f} | {r['each_median'] * ms:.2f} |",
        f"| the same variants through cnncalc.analyze (every 10th), ms | {r['fresh_min'] * ms:.2f} | "
        f"{r['fresh_median'] * ms:.2f} |",
        f"| the {n:,}-variant sweep through the family, total, s | {r['sweep']:.2f} | |",
        f"| a ResNet-50 variant through its family, {calls} calls, ms | {r['resnet_min'] * ms:.2f} | "
        f"{r['resnet_median'] * ms:.2f} |"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--variants", type=int, default=1000)
    parser.add_argument("--python", help="measure this interpreter's cnncalc instead of a fresh regular install")
    parser.add_argument("--family", action="store_true", help="also the family sweep (issue 23)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cnncalc-api-bench-") as tmp:
        if args.python:
            python, install = os.path.abspath(args.python), f"the given interpreter {args.python}"
        else:
            python, install = regular_install(Path(tmp) / "venv"), "a regular `pip install .` in a fresh venv"
        out = subprocess.run([python, "-c", CHILD, str(args.calls), str(args.variants)], capture_output=True,
                             text=True, check=True, cwd=tmp).stdout
        r = json.loads(out)
        family = family_table(python, args.calls, tmp) if args.family else ""
    load = f"; load average {os.getloadavg()[0]:.1f} at the end" if hasattr(os, "getloadavg") else ""
    print(f"Machine: {machine()}{load}\nInstall: {install}\n")
    print("| in-process run | value | goal |\n|---|--:|---|")
    print(f"| `cnncalc.analyze(\"zoo:resnet50\")`, min of {args.calls} calls, ms | {r['min'] * 1e3:.1f} | ≤ 10 |")
    print(f"| the same, median, ms | {r['median'] * 1e3:.1f} | (info) |")
    print(f"| sweep of {args.variants:,} generated variants, s | {r['sweep']:.2f} | (info) |")
    print(f"| per variant, ms | {r['sweep'] / args.variants * 1e3:.2f} | (info) |")
    if family:
        print(family)


if __name__ == "__main__":
    main()
