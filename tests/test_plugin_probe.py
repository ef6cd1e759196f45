"""The probe of docs/adding-a-layer.md: a new layer type, written at test time into a temporary package from
the page's own code blocks (its layer, executor and PyTorch writer modules), registered the documented way
(an entry point in the group ``cnncalc.layers``, as ``pip install`` records it in a
``*.dist-info/entry_points.txt``), and seen by ``analyze`` (table and JSON), ``layers``, ``explain``,
``verify``, ``export --to pytorch`` and the docs generator, in fresh processes, with no file of cnncalc
edited.

The figures asserted are derived by hand for the page's spec shrinkage.yaml: input [3, 8, 8]; ``features`` a
3×3 conv (padding 1, no bias) to 12 channels: [12, 8, 8], 3·3·3·12 = 324 parameters, 12·8·8 = 768 outputs ×
27 taps = 20,736 MACs, 41,472 FLOPs, receptive field size 3, jump 1, start −1. ``shrink``, softshrink with
λ = 0.25: [12, 8, 8], no parameters or MACs, 2 FLOPs per element: 2·768 = 1,536; element-wise, so its field
is features': size 3, jump 1, start −1.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "adding-a-layer.md"
BLOCK = re.compile(r"```\w+ file=(\S+)\n(.*?)```", re.S)
HAS_TORCH = importlib.util.find_spec("torch") is not None


def page_files() -> dict:
    return {name: text for name, text in BLOCK.findall(PAGE.read_text(encoding="utf-8"))}


@pytest.fixture(scope="module")
def probe(tmp_path_factory):
    """(run, folder): ``run(*args)`` runs ``python -m cnncalc ARGS`` with the probe package importable."""
    folder = tmp_path_factory.mktemp("probe")
    site = folder / "site"
    files = page_files()
    for name, text in files.items():
        target = (site / name) if name.endswith(".py") else (folder / name)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    for package in ("mylayers", "mylayers/layers", "mylayers/execute", "mylayers/pytorch", "mylayers/onnxmap",
                    "mylayers/onnxwrite"):
        (site / package / "__init__.py").touch()
    # what `pip install` writes for the page's pyproject.toml entry points
    section = files["pyproject.toml"].split('[project.entry-points."cnncalc.layers"]', 1)[1]
    entries = [line.replace('"', "") for line in section.strip().splitlines() if "=" in line]
    info = site / "mylayers-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: mylayers\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[cnncalc.layers]\n" + "\n".join(entries) + "\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}

    def run(*args, module="cnncalc"):
        command = [sys.executable, "-c", args[0]] if module == "-c" else [sys.executable, "-m", module, *args]
        done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=300)
        return done.returncode, done.stdout, done.stderr
    return run, folder


def test_the_page_has_every_file_the_probe_needs():
    assert {"mylayers/layers/softshrink.py", "mylayers/execute/softshrink.py",
            "mylayers/pytorch/softshrink.py", "mylayers/onnxmap/softshrink.py", "pyproject.toml",
            "shrinkage.yaml"} <= set(page_files())


def test_analyze_table_and_json_see_the_plugin(probe):
    run, _ = probe
    code, out, err = run("analyze", "shrinkage.yaml")
    assert code == 0, err
    shrink = next(line for line in out.splitlines() if line.split()[:2] == ["shrink", "softshrink"])
    assert shrink.split()[2:8] == ["12×8×8", "0", "0", "1,536", "3/1", "@-1"], shrink
    code, out, err = run("analyze", "shrinkage.yaml", "--format", "json")
    assert code == 0, err
    rows = {r["name"]: r for r in json.loads(out)["layers"]}
    assert (rows["features"]["params"], rows["features"]["macs"]) == (324, 20_736)
    row = rows["shrink"]
    assert row["type"] == "softshrink" and row["output_shape"] == [12, 8, 8]
    assert (row["params"], row["macs"], row["flops"]) == (0, 0, 1_536)
    assert row["receptive_field"] == {"size": [3, 3], "stride": [1, 1], "start": [-1, -1]}


def test_layers_lists_and_describes_the_plugin(probe):
    run, _ = probe
    code, out, err = run("layers")
    assert code == 0, err
    assert re.search(r"^ softshrink\b", out, re.M), out
    code, out, err = run("layers", "softshrink")
    assert code == 0, err
    assert "Shrinks each value towards 0 by λ" in out and "lambd" in out
    code, out, err = run("layers", "--format", "json")
    assert "softshrink" in {entry["type"] for entry in json.loads(out)["layers"]}


def test_explain_shows_the_plugin(probe):
    run, _ = probe
    code, out, err = run("explain", "shrinkage.yaml", "shrink")
    assert code == 0, err
    assert "Reads features: [12, 8, 8]; outputs [12, 8, 8]" in out
    assert "MACs: 0" in out and "2 per element (a compare, a subtract or add)" in out and "1,536" in out
    assert "H: size 3, jump 1, start -1" in out


def test_verify_executes_the_plugin(probe):
    run, _ = probe
    code, out, err = run("verify", "shrinkage.yaml")
    assert code == 0, out + err
    assert re.search(r"\bshrink\b.*\bsoftshrink\b", out), out


def test_export_writes_the_plugin(probe):
    run, folder = probe
    code, out, err = run("export", "shrinkage.yaml", "--to", "pytorch", "-o", "shrinkage.py")
    assert code == 0, err
    text = (folder / "shrinkage.py").read_text(encoding="utf-8")
    assert "self.shrink = nn.Softshrink(0.25)" in text and "shrink = self.shrink(features)" in text
    compile(text, "shrinkage.py", "exec")


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_the_exported_file_runs_and_the_executor_is_torchs_softshrink(probe):
    run, folder = probe
    assert run("export", "shrinkage.yaml", "--to", "pytorch", "-o", "shrinkage.py")[0] == 0
    code, out, err = run("analyze", "shrinkage.yaml", "--format", "json")
    analysed = [r["output_shape"] for r in json.loads(out)["layers"] if r["name"] == "shrink"][0]
    script = (
        "import numpy as np, torch, torch.nn.functional as F\n"
        "from shrinkage import Shrinkage\n"
        "from cnncalc.layers import lookup\n"
        "from mylayers.execute.softshrink import softshrink\n"
        "y = Shrinkage()(torch.randn(1, 3, 8, 8))\n"
        "print(list(y.shape[1:]))\n"
        # the page's numpy executor against torch's own softshrink, on values each side of ±λ and between
        "x = np.linspace(-2, 2, 2 * 12 * 3 * 5).reshape(2, 12, 3, 5)\n"
        "layer = lookup('softshrink').from_args({'lambd': 0.75})\n"
        "print(np.array_equal(softshrink(layer, [x], None), F.softshrink(torch.from_numpy(x), 0.75).numpy()))\n")
    code, out, err = run(script, module="-c")
    assert code == 0, err
    assert out.split("\n")[:2] == [str(analysed), "True"] and analysed == [12, 8, 8]


def test_docgen_writes_the_plugin_into_the_docs(probe):
    from cnncalc import docgen

    run, folder = probe
    docs = folder / "docs"
    docs.mkdir()
    for name in docgen.FILES:
        shutil.copy(ROOT / "docs" / name, docs / name)
    code, out, err = run("--docs", str(docs), module="cnncalc.docgen")
    assert code == 0, err
    spec_md = (docs / "spec.md").read_text(encoding="utf-8")
    assert "### Other layer types (plug-ins)" in spec_md
    assert "| `softshrink` | `lambd: 0.5` | Shrinks each value towards 0 by λ" in spec_md
    conventions = (docs / "conventions.md").read_text(encoding="utf-8")
    assert "| `softshrink` | 2 per element (a compare, a subtract or add) |" in conventions
    export_md = (docs / "export.md").read_text(encoding="utf-8")
    assert "| `mylayers.pytorch.softshrink` | `softshrink` |  |" in export_md
    verify_md = (docs / "verify.md").read_text(encoding="utf-8")
    assert "| `softshrink` | `x − λ` where `x > λ`, `x + λ` where `x < −λ`, `0` between" in verify_md
    onnx_md = (docs / "onnx.md").read_text(encoding="utf-8")
    assert "| Shrink | `softshrink`: `lambd` → `lambd`, when `bias` equals it |" in onnx_md


def test_a_typo_still_gets_a_suggestion_among_plugins(probe):
    run, folder = probe
    (folder / "typo.yaml").write_text("input: [12, 6, 6]\nlayers:\n  - {softshrnk: {lambd: 2}}\n")
    code, out, err = run("analyze", "typo.yaml")
    assert code == 2 and "unknown layer type 'softshrnk'" in err and "did you mean 'softshrink'" in err, err


def test_onnx_import_uses_the_plugins_mapping(probe):
    """An ONNX model of the page's network (onnx.helper, no torch): input [1, 3, 8, 8] → Conv 3 → 12, 3×3,
    pads 1, no bias → Shrink lambd = bias = 0.25 → [1, 12, 8, 8]. By hand: the conv has 12·3·3·3 = 324
    weights and 12·(8·8)·(3·3·3) = 20,736 MACs (as shrinkage.yaml); the shrink 0 of each, 2·768 = 1,536
    FLOPs. A Shrink with bias 0 (torch's hardshrink) is refused with the page's reason."""
    pytest.importorskip("onnx", reason="the onnx extra: pip install -e '.[test]'")
    from tests.onnximport.models import node, save, weights

    run, folder = probe
    for bias, name in ((0.25, "shrinkage.onnx"), (0.0, "hard.onnx")):
        save(folder / name, [node("Conv", ["x", "w"], ["f"], name="features", pads=[1, 1, 1, 1]),
                             node("Shrink", ["f"], ["y"], name="shrink", lambd=0.25, bias=bias)],
             [1, 3, 8, 8], {"w": weights(12, 3, 3, 3)})
    code, out, err = run("analyze", "shrinkage.onnx", "--format", "json")
    assert code == 0, err
    rows = [r for r in json.loads(out)["layers"] if r["type"] != "input"]
    assert [(r["type"], r["output_shape"], r["params"], r["macs"], r["flops"]) for r in rows][1:] == [
        ("softshrink", [12, 8, 8], 0, 0, 1_536)]
    assert (rows[0]["type"], rows[0]["params"], rows[0]["macs"]) == ("conv", 324, 20_736)
    code, out, err = run("analyze", "hard.onnx")
    assert code == 2 and "Shrink" in err and "nn.Softshrink shifts by its threshold" in err, err


def test_onnx_export_uses_the_plugins_writer(probe):
    # the model the page's writer makes reads back, through the page's mapping, with the spec's figures
    # (CSV: every layer's name, type, shape, counts and receptive field), and onnxruntime runs it to the
    # numpy executors' output
    run, folder = probe
    pytest.importorskip("onnx")
    code, out, err = run("export", "shrinkage.yaml", "--to", "onnx", "-o", "exported.onnx")
    assert code == 0, err
    assert run("analyze", "exported.onnx", "--format", "csv")[1] == run("analyze", "shrinkage.yaml", "--format", "csv")[1]
    pytest.importorskip("onnxruntime")
    script = ("import numpy as np, onnxruntime as ort\n"
              "from cnncalc.spec import read_spec\nfrom cnncalc.analysis import analyze\n"
              "from cnncalc.onnxexport import export\n"
              "spec = read_spec('shrinkage.yaml'); e = export(spec, analyze(spec))\n"
              "s = ort.InferenceSession(e.model.SerializeToString(), providers=['CPUExecutionProvider'])\n"
              "y = s.run(None, {s.get_inputs()[0].name: e.input.astype(np.float32)})[0]\n"
              "print(float(np.max(np.abs(y - e.output)) / np.max(np.abs(e.output))))\n")
    code, out, err = run(script, module="-c")
    assert code == 0, err
    assert float(out) < 1e-5
