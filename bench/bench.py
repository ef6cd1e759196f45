"""Whole-process benchmarks of cnncalc: start-up against the bare imports, and scaling with spec size.

    python bench/bench.py [--repeat 5] [--write docs/performance.md]      # a regular install in a temporary venv
    python bench/bench.py --python .venv/bin/python                       # or an interpreter you already have

By default the bench first makes a temporary virtual environment and installs cnncalc into it with a plain
`pip install .` (not editable), as users get it, and times that interpreter. Every figure is the wall time
of a fresh `python -m cnncalc ...` process (the minimum over --repeat runs, the median beside it), its CPU
time (user + system, the minimum: what other jobs on the machine change least), and the peak resident memory
of that process (its own rusage, from os.wait4). The generated specs are written into
a temporary folder and removed. Nothing is written into the repository unless --write is given. Goals
(issues 6 and 14), each printed as a ratio or figure measured in this one run:

* `analyze` on ResNet-50 (table) ≤ 1.3 × the bare `import click, yaml, rich.console, rich.table`;
* a 100,000-layer chain ≤ 3 s; ≤ 300 MiB for 100,000 layers of every generated shape (chain, repeat,
  fan-in DAG, reversed `from:` order); sequential 100k / 10k ≤ 12 (linear: 10);
* the cycle error for a 200,000-layer cycle < 5 s;
* a layer name of 1 MiB in the table: linear (1 MiB / 256 KiB ≤ 5; linear: 4);
* a DenseNet-style chain of 1,000 concatenations (2**1000 paths from input to output): linear too.

Hostile files are timed too (no goal: the figures docs/performance.md quotes), each refused (exit 2): 4 million
list items under 'description', 2.5 million top-level `relu` entries, and a conv whose 'kernel' is a list of a
million items, each refused while the file is read; the worst file within every limit that the bench
knows, 24 convs whose kernels are lists of 200,000 items (14 MB), read whole before the first conv refuses it;
and 201 kernels of 25,000 items, refused at the node limit (5,000,000) while the file is read.
"""

from __future__ import annotations

import argparse
import os
import platform
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


# Each command runs under a small launcher process that times it and reads its rusage. Linux starts a child's
# peak RSS at its parent's peak (the copied address space is counted until exec), so a child of the bench
# itself, which holds the generated specs' text, would report at least the bench's own peak; the launcher is
# a fresh process, and its child's figure is the command's own.
_LAUNCH = """
import os, subprocess, sys, time
start = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
wall = time.perf_counter() - start
print(wall, usage.ru_maxrss, usage.ru_utime + usage.ru_stime, os.waitstatus_to_exitcode(status))
"""


def run_once(argv: list[str], expect: int = 0) -> tuple[float, int, float]:
    """(wall seconds, peak RSS in bytes, CPU seconds) of one process; its output is discarded. ``expect``: its
    exit status."""
    with tempfile.TemporaryFile() as err:
        launched = subprocess.run([sys.executable, "-c", _LAUNCH, *argv], stdout=subprocess.PIPE, stderr=err,
                                  cwd=ROOT, env=ENV, check=True, text=True)
        wall, rss, cpu, status = launched.stdout.split()
        if int(status) != expect:
            err.seek(0)
            raise SystemExit(f"bench: {' '.join(argv)} exited {status}, not {expect}:\n"
                             f"{err.read().decode(errors='replace')[-2000:]}")
    # ru_maxrss: KiB on Linux, that process alone; its CPU time (user + system) counts only its own work
    return float(wall), int(rss) * 1024, float(cpu)


def measure(argv: list[str], repeat: int, expect: int = 0) -> dict:
    run_once(argv, expect)               # warm-up: writes the byte-code cache, fills the OS file cache
    times, cpus, peak = [], [], 0
    for _ in range(repeat):
        wall, rss, cpu = run_once(argv, expect)
        times.append(wall)
        cpus.append(cpu)
        peak = max(peak, rss)
    return {"min": min(times), "median": statistics.median(times), "rss": peak, "cpu": min(cpus)}


def measure_together(argvs: list[list[str]], repeat: int) -> list[dict]:
    """:func:`measure` of several commands, their runs interleaved (one of each, then again)."""
    for argv in argvs:
        run_once(argv)                   # warm-up
    runs: list[list[tuple[float, int, float]]] = [[] for _ in argvs]
    for _ in range(repeat):
        for argv, done in zip(argvs, runs):
            done.append(run_once(argv))
    return [{"min": min(w for w, _, _ in done), "median": statistics.median(w for w, _, _ in done),
             "rss": max(r for _, r, _ in done), "cpu": min(c for _, _, c in done)} for done in runs]


PYTHON = sys.executable      # the interpreter whose cnncalc is measured (main() sets it)


def cnncalc(*args: str) -> list[str]:
    return [PYTHON, "-m", "cnncalc", *args]


def regular_install(folder: Path) -> str:
    """A virtual environment in ``folder`` with cnncalc installed by a plain `pip install .`; its python."""
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    python = str(folder / "bin" / "python")
    subprocess.run([python, "-m", "pip", "install", "-q", "--disable-pip-version-check", str(ROOT)], check=True,
                   cwd=folder, stderr=subprocess.DEVNULL)
    return python


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


def repeat_spec(layers: int) -> str:
    """The same chain as sequential_spec, written as one block (conv, batchnorm, relu) with `repeat:`."""
    return (f"name: repeat{layers}\ninput: [16, 32, 32]\nblocks:\n  cbr:\n    layers:\n"
            "      - {conv: {out: 16, kernel: 3, padding: 1}}\n      - batchnorm\n      - relu\n"
            f"layers:\n  - {{cbr: {{}}, repeat: {layers // 3}}}\n")


def fan_in_spec(layers: int) -> str:
    """A DAG of groups: 2 to 16 parallel 1×1 convs of 1 channel read the previous group's concat, and a
    concat joins them (fan-in 2..16), so the layers are 1-channel convs and wide merges."""
    lines = ["name: fanin", "input: [4, 8, 8]", "layers:", "  - {name: g0, conv: {out: 4, kernel: 1}}"]
    count, group = 1, 0
    while count < layers:
        group += 1
        fan = min(2 + group % 15, layers - count - 1)
        if fan < 1:
            break
        names = [f"g{group}c{i}" for i in range(fan)]
        lines += [f"  - {{name: {n}, conv: {{out: 1, kernel: 1}}, from: g{group - 1}}}" for n in names]
        lines.append(f"  - {{name: g{group}, concat: {{}}, from: [{', '.join(names)}]}}")
        count += fan + 1
    return "\n".join(lines) + "\n"


def reversed_spec(layers: int) -> str:
    """A chain of relus written last layer first: every `from:` is a forward reference."""
    lines = ["name: reversed", "input: [16, 8, 8]", "layers:"]
    lines += [f"  - {{name: l{i}, relu: {{}}, from: {'input' if i == 1 else f'l{i - 1}'}}}"
              for i in range(layers, 0, -1)]
    return "\n".join(lines) + "\n"


def cycle_spec(layers: int) -> str:
    """A chain whose first layer reads its last: refused as a cycle."""
    lines = ["name: cycle", "input: [16, 8, 8]", "layers:"]
    lines += [f"  - {{name: l{i}, relu: {{}}, from: l{layers if i == 1 else i - 1}}}" for i in range(1, layers + 1)]
    return "\n".join(lines) + "\n"


def long_description_spec(items: int) -> str:
    """Hostile: a 'description' that is a list of ``items`` tiny items (refused while streaming: not text)."""
    return "name: hostile\ninput: [4, 8, 8]\ndescription:\n" + "- 0\n" * items + "layers: [relu]\n"


def long_kernel_spec(items: int, convs: int = 1) -> str:
    """Hostile: ``convs`` convs whose kernels are flow lists of ``items`` ints (refused while streaming past the
    list limit, else built and refused by the first conv)."""
    entry = "  - {conv: {out: 4, kernel: [" + ", ".join(["3"] * items) + "]}}\n"
    return "name: hostile\ninput: [4, 8, 8]\nlayers:\n" + entry * convs


def many_entries_spec(entries: int) -> str:
    """Hostile: ``entries`` top-level relu entries in one flow list (refused at the layer limit while streaming)."""
    return "name: hostile\ninput: [4, 8, 8]\nlayers: [" + ", ".join(["relu"] * entries) + "]\n"


def long_name_spec(characters: int) -> str:
    """One layer whose name is ``characters`` long (the table folds it)."""
    return f"name: longname\ninput: [4, 8, 8]\nlayers:\n  - {{name: {'a' * characters}, relu: {{}}}}\n"


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    probe = ("import platform, yaml; print(platform.python_version(), yaml.__version__, "
             "'C (libyaml)' if hasattr(yaml, 'CSafeLoader') else 'pure Python', sep='|')")
    version, pyyaml, loader = subprocess.run([PYTHON, "-c", probe], capture_output=True, text=True,
                                             check=True).stdout.strip().split("|")
    return (f"{os.cpu_count()} CPUs ({model}); Python {version} on {platform.system()}; "
            f"PyYAML {pyyaml} with the {loader} loader")


def main() -> None:
    global PYTHON
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help="the ResNet-50 spec for the start-up ratio")
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement (the minimum is reported)")
    parser.add_argument("--sizes", default="1000,10000,100000", help="layers of the sequential specs")
    parser.add_argument("--big", type=int, default=100_000, help="layers of the large generated shapes "
                        "(the cycle has twice as many); smaller for a quick try")
    parser.add_argument("--python", help="measure this interpreter's cnncalc instead of a fresh regular install")
    parser.add_argument("--write", type=Path, help="also write the results as Markdown into this file")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="cnncalc-bench-") as tmp:
        if args.python:
            PYTHON, install = args.python, f"the given interpreter {args.python}"
        else:
            PYTHON, install = regular_install(Path(tmp) / "venv"), "a regular `pip install .` in a fresh venv"
        rows, ratios = run_all(args, Path(tmp))
        text = report(rows, ratios, install)
    print(text)
    if args.write:
        args.write.write_text(text)


def run_all(args, tmp: Path) -> tuple[list, list]:
    rows = []        # (what, command, result)
    ratios = []      # (what, value, goal)
    big = args.big

    def timed(what: str, name: str, text: str, *options: str, repeat: int = args.repeat, expect: int = 0,
              command: str = "analyze") -> dict:
        path = tmp / name
        path.write_text(text)
        result = measure(cnncalc(command, str(path), *options), repeat, expect)
        rows.append((what, f"cnncalc {command} {name} {' '.join(options)}".strip(), result))
        return result

    if args.spec.exists():
        spec = str(args.spec)
        # interleaved, run for run: a busy spell of the machine slows all three alike, not one of them
        floor, table, as_json = measure_together([[PYTHON, "-c", FLOOR], cnncalc("analyze", spec),
                                                  cnncalc("analyze", spec, "--format", "json")], args.repeat)
        rows.append(("bare imports", f'python -c "{FLOOR}"', floor))
        rows.append(("ResNet-50, table", f"cnncalc analyze {spec}", table))
        rows.append(("ResNet-50, json", f"cnncalc analyze {spec} --format json", as_json))
        ratios.append(("ResNet-50 table / bare imports", table["min"] / floor["min"], "≤ 1.3"))
        ratios.append(("ResNet-50 json / bare imports", as_json["min"] / floor["min"], "(info)"))
    else:
        print(f"bench: {args.spec} does not exist; give a ResNet-50 spec with --spec (start-up skipped)",
              file=sys.stderr)

    dense = timed("DenseNet-style, 1,000 concats (2,001 layers), json", "densenet1000.yaml", densenet_spec(1000),
                  "--format", "json")
    seq = {}
    for n in (int(size) for size in args.sizes.split(",")):
        repeat = args.repeat if n <= 10_000 else max(1, min(args.repeat, 3))
        seq[n] = timed(f"{n:,} sequential layers (chain), json", f"seq{n}.yaml", sequential_spec(n),
                       "--format", "json", "--max-layers", str(n), repeat=repeat)
    sizes = sorted(seq)
    for small, large in zip(sizes, sizes[1:]):
        goal = "≤ 12 (linear: 10)" if large == 10 * small else "(info)"
        ratios.append((f"chain {large:,} / {small:,} layers", seq[large]["min"] / seq[small]["min"], goal))
    if 1000 in seq:
        # 1,000 concats make 2,001 layers: compare per layer with the sequential 1,000-layer spec
        ratios.append(("DenseNet 2,001 layers / sequential 1,000", dense["min"] / seq[1000]["min"],
                       "(info) linear: about 2 or less"))

    shapes = {"chain": seq.get(big)}
    few = max(1, min(args.repeat, 3))
    shapes["repeat"] = timed(f"{big:,} layers by repeat:, json", "repeat.yaml", repeat_spec(big), "--format",
                             "json", repeat=few)
    shapes["fan-in DAG"] = timed(f"{big:,} layers, concat fan-in 2..16, json", "fanin.yaml", fan_in_spec(big),
                                 "--format", "json", repeat=few)
    shapes["reversed from:"] = timed(f"{big:,} layers written in reverse (forward from:), json", "reversed.yaml",
                                     reversed_spec(big), "--format", "json", repeat=few)
    if shapes["chain"] is not None:
        ratios.append((f"chain of {big:,} layers, seconds", shapes["chain"]["min"], "≤ 3"))
    for shape, result in shapes.items():
        if result is not None:
            ratios.append((f"{big:,} layers, {shape}: peak memory MiB", result["rss"] / 2**20, "≤ 300"))

    cycle = timed(f"{2 * big:,}-layer cycle (refused, exit 2)", "cycle.yaml", cycle_spec(2 * big), "--format",
                  "json", "--max-layers", str(2 * big), repeat=few, expect=2)
    ratios.append((f"cycle error at {2 * big:,} layers, seconds", cycle["min"], "< 5"))

    timed("4,000,000 list items under description, 16 MB (refused, exit 2)", "description4m.yaml",
          long_description_spec(4_000_000), repeat=few, expect=2)
    timed("2,500,000 relu entries, 15 MB (refused, exit 2)", "relu2500k.yaml", many_entries_spec(2_500_000),
          repeat=few, expect=2)
    timed("a conv kernel of 1,000,000 items, 3 MB (refused, exit 2)", "kernel1m.yaml", long_kernel_spec(1_000_000),
          repeat=few, expect=2)
    timed("24 conv kernels of 200,000 items each, 14 MB, within the limits (refused, exit 2)", "kernels24.yaml",
          long_kernel_spec(200_000, 24), repeat=few, expect=2)
    timed("201 conv kernels of 25,000 items each, 15 MB, past the node limit (refused, exit 2)", "nodes5m.yaml",
          long_kernel_spec(25_000, 201), repeat=few, expect=2)

    quarter = timed("a 256 KiB layer name, table", "name256k.yaml", long_name_spec(2**18), repeat=few)
    whole = timed("a 1 MiB layer name, table", "name1m.yaml", long_name_spec(2**20), repeat=few)
    ratios.append(("1 MiB name / 256 KiB name", whole["min"] / quarter["min"], "≤ 5 (linear: 4)"))
    return rows, ratios


def report(rows, ratios, install: str) -> str:
    load = f"; load average {os.getloadavg()[0]:.1f} at the end" if hasattr(os, "getloadavg") else ""
    lines = [f"Machine: {machine()}{load}", f"Install: {install}", "",
             "| run | min s | median s | min CPU s | peak RSS MiB |", "|---|--:|--:|--:|--:|"]
    lines += [f"| {what} | {r['min']:.3f} | {r['median']:.3f} | {r['cpu']:.3f} | {r['rss'] / 2**20:.0f} |"
              for what, _, r in rows]
    lines += ["", "| ratio | value | goal |", "|---|--:|---|"]
    lines += [f"| {what} | {value:.2f} | {goal} |" for what, value, goal in ratios]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
