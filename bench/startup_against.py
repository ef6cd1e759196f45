"""Start-up of `cnncalc analyze` against an earlier version, both regular installs, measured side by side.

    python bench/startup_against.py dddb89d [--spec specs/zoo/resnet50.yaml] [--runs 15] [--rounds 3]

Installs the given git revision and the working tree each into a fresh venv in a temporary folder (a plain
`pip install`, as users get it), then times, interleaved, the bare `import click, yaml, rich.console,
rich.table` and `python -m cnncalc analyze SPEC` in each venv: the minimum of ``--runs`` runs per command,
for each of ``--rounds`` rounds. Prints each round's times and the ratio of analyze to the bare imports for
each version, so that "not slower" is read from one run on one machine (docs/performance.md).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLOOR = "import click, yaml, rich.console, rich.table"
ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def install(source: Path, folder: Path) -> str:
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    python = str(folder / "bin" / "python")
    subprocess.run([python, "-m", "pip", "install", "-q", "--disable-pip-version-check", str(source)], check=True,
                   stderr=subprocess.DEVNULL)
    return python


def wall(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("revision", help="the earlier version: a git revision of this repository")
    parser.add_argument("--spec", type=Path, default=ROOT / "specs" / "zoo" / "resnet50.yaml")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cnncalc-startup-") as tmp:
        old_tree = Path(tmp) / "old"
        old_tree.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.revision], check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(old_tree)], input=archive, check=True)
        versions = {"old": install(old_tree, Path(tmp) / "vold"), "new": install(ROOT, Path(tmp) / "vnew")}
        commands = {}
        for name, python in versions.items():
            commands[f"bare imports ({name} venv)"] = [python, "-c", FLOOR]
            commands[f"analyze ({name})"] = [python, "-m", "cnncalc", "analyze", str(args.spec)]
        for argv in commands.values():          # warm the byte-code and file caches
            wall(argv)
        print(f"old = {args.revision}, new = the working tree; {args.spec.name}; minimum of {args.runs} runs")
        for round_ in range(1, args.rounds + 1):
            times = {key: [] for key in commands}
            for _ in range(args.runs):
                for key, argv in commands.items():
                    times[key].append(wall(argv))
            best = {key: min(values) for key, values in times.items()}
            cells = ", ".join(f"{key} {1000 * value:.1f} ms" for key, value in best.items())
            ratios = {name: best[f"analyze ({name})"] / best[f"bare imports ({name} venv)"] for name in versions}
            print(f"round {round_}: {cells}; ratio old {ratios['old']:.2f}, new {ratios['new']:.2f}")


if __name__ == "__main__":
    main()
