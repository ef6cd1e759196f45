"""The cost of reading an ONNX model: `cnncalc analyze model.onnx` beside onnx-tool's profile of the same file.

    python bench/onnx_import.py --torch-python /path/to/python-with-torchvision \\
        --onnx-tool-python /path/to/python-with-onnx-tool [--repeat 5] [--keep DIR]

Exports torchvision's resnet50 and vgg16 (random weights: the file's size is what matters) to ONNX in a
temporary folder with the interpreter ``--torch-python`` (a venv with torch and torchvision), then measures,
interleaved, each process whole: `python -m cnncalc analyze MODEL --format json` under this interpreter, and
onnx-tool 1.0.1's `Model(path)`, `graph.shape_infer()`, `graph.profile()` under ``--onnx-tool-python`` (a
throwaway venv: onnx-tool is no dependency of cnncalc), and `import onnx` alone under both. Each figure is
the minimum wall time of ``--repeat`` runs (the median beside it) and the process's own peak RSS (its rusage,
from bench/bench.py's launcher). Prints a Markdown table (docs/performance.md, "Reading ONNX models"). A
benchmark, not a test.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import machine, measure_together  # noqa: E402  (bench/bench.py: the launcher and its figures)

EXPORT = """
import sys, torch, torchvision
name, path = sys.argv[1], sys.argv[2]
net = getattr(torchvision.models, name)(weights=None).eval()
torch.onnx.export(net, torch.randn(1, 3, 224, 224), path, opset_version=17, dynamo=False)
"""

ONNX_TOOL = """
import sys, onnx_tool
model = onnx_tool.Model(sys.argv[1])
model.graph.shape_infer()
model.graph.profile()
"""

MODELS = ("resnet50", "vgg16")


def export(python: str, folder: Path) -> dict:
    paths = {}
    for name in MODELS:
        path = folder / f"{name}.onnx"
        if not path.exists():
            subprocess.run([python, "-c", EXPORT, name, str(path)], check=True, stderr=subprocess.DEVNULL)
        paths[name] = path
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--torch-python", required=True, help="a python with torch and torchvision (export)")
    parser.add_argument("--onnx-tool-python", required=True, help="a python with onnx-tool installed")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="export into (and reuse) this folder, not a temporary one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        paths = export(args.torch_python, folder)
        runs = [("`import onnx` (cnncalc's python)", [sys.executable, "-c", "import onnx"]),
                ("`import onnx` (onnx-tool's python)", [args.onnx_tool_python, "-c", "import onnx"])]
        for name, path in paths.items():
            size = os.path.getsize(path) / (1 << 20)
            runs.append((f"cnncalc analyze {name}.onnx ({size:.0f} MiB)",
                         [sys.executable, "-m", "cnncalc", "analyze", str(path), "--format", "json"]))
            runs.append((f"onnx-tool {name}.onnx ({size:.0f} MiB)", [args.onnx_tool_python, "-c", ONNX_TOOL, str(path)]))
        results = measure_together([argv for _, argv in runs], args.repeat)
    print(f"Machine: {machine()}\n")
    print("| run | min s | median s | min CPU s | peak RSS MiB |")
    print("|---|--:|--:|--:|--:|")
    for (label, _), result in zip(runs, results):
        print(f"| {label} | {result['min']:.2f} | {result['median']:.2f} | {result['cpu']:.2f} | "
              f"{result['rss'] / (1 << 20):.0f} |")


if __name__ == "__main__":
    main()
