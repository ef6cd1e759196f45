"""In-process benchmarks of the Python API (docs/api.md): no process start per call.

    python bench/api.py [--calls 200] [--variants 1000]       # a regular install in a temporary venv
    python bench/api.py --python .venv/bin/python             # or an interpreter you already have

Measured inside one process of that interpreter: `cnncalc.analyze` of the shipped ResNet-50 per call (the
minimum and median over --calls calls, after one warm-up call), and a sweep of --variants generated variants
of a small CNN (its widths and depth drawn from the variant's number, each a new spec analysed from a dict),
in total and per variant. Goal (issue 11): ≤ 10 ms per ResNet-50 call on this machine.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--variants", type=int, default=1000)
    parser.add_argument("--python", help="measure this interpreter's cnncalc instead of a fresh regular install")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cnncalc-api-bench-") as tmp:
        if args.python:
            python, install = os.path.abspath(args.python), f"the given interpreter {args.python}"
        else:
            python, install = regular_install(Path(tmp) / "venv"), "a regular `pip install .` in a fresh venv"
        out = subprocess.run([python, "-c", CHILD, str(args.calls), str(args.variants)], capture_output=True,
                             text=True, check=True, cwd=tmp).stdout
    r = json.loads(out)
    load = f"; load average {os.getloadavg()[0]:.1f} at the end" if hasattr(os, "getloadavg") else ""
    print(f"Machine: {machine()}{load}\nInstall: {install}\n")
    print("| in-process run | value | goal |\n|---|--:|---|")
    print(f"| `cnncalc.analyze(\"zoo:resnet50\")`, min of {args.calls} calls, ms | {r['min'] * 1e3:.1f} | ≤ 10 |")
    print(f"| the same, median, ms | {r['median'] * 1e3:.1f} | (info) |")
    print(f"| sweep of {args.variants:,} generated variants, s | {r['sweep']:.2f} | (info) |")
    print(f"| per variant, ms | {r['sweep'] / args.variants * 1e3:.2f} | (info) |")


if __name__ == "__main__":
    main()
