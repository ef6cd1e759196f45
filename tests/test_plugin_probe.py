"""The probe of docs/adding-a-layer.md: a new layer type, written at test time into a temporary package from
the page's own code blocks (its layer, executor and PyTorch writer modules), registered the documented way
(an entry point in the group ``cnncalc.layers``, as ``pip install`` records it in a
``*.dist-info/entry_points.txt``), and seen by ``analyze`` (table and JSON), ``layers``, ``explain``,
``verify``, ``export --to pytorch`` and the docs generator, in fresh processes, with no file of cnncalc
edited.

The figures asserted are derived by hand for the page's spec subpixel.yaml: input [3, 8, 8]; ``features`` a
3×3 conv (padding 1, no bias) to 12 channels: [12, 8, 8], 3·3·3·12 = 324 parameters, 12·8·8 = 768 outputs ×
27 taps = 20,736 MACs, 41,472 FLOPs, receptive field size 3, jump 1, start −1. ``shuffle``, pixel_shuffle
with r = 2: [12/2², 8·2, 8·2] = [3, 16, 16]; it moves data, so 0 parameters, MACs and FLOPs. Its window is
nearest upsampling ×2's: span (2·2 − 1)/2 = 3/2, stride 1/2, offset −1/2, so the hull is size
3 + (3/2 − 1)·1 = 7/2, jump 1/2, start −1 − 1/2 = −3/2; its reads stay in features' 0..7, whose fields
cover [−1, 9), so unit 0 sees [max(−1, −3/2), min(9, −3/2 + 7/2)) = [−1, 2): start −1, and the largest field
(unit 1: [−1, 5/2)) is 7/2. In JSON, in halves (denominator 2): size 7, stride 1, start −2.
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
    for package in ("mylayers", "mylayers/layers", "mylayers/execute", "mylayers/pytorch", "mylayers/onnxmap"):
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
    assert {"mylayers/layers/pixel_shuffle.py", "mylayers/execute/pixel_shuffle.py",
            "mylayers/pytorch/pixel_shuffle.py", "mylayers/onnxmap/pixel_shuffle.py", "pyproject.toml",
            "subpixel.yaml"} <= set(page_files())


def test_analyze_table_and_json_see_the_plugin(probe):
    run, _ = probe
    code, out, err = run("analyze", "subpixel.yaml")
    assert code == 0, err
    shuffle = next(line for line in out.splitlines() if line.split()[:2] == ["shuffle", "pixel_shuffle"])
    assert shuffle.split()[2:7] == ["3×16×16", "0", "0", "0", "(7/2)/(1/2)"], shuffle
    code, out, err = run("analyze", "subpixel.yaml", "--format", "json")
    assert code == 0, err
    rows = {r["name"]: r for r in json.loads(out)["layers"]}
    assert (rows["features"]["params"], rows["features"]["macs"]) == (324, 20_736)
    row = rows["shuffle"]
    assert row["type"] == "pixel_shuffle" and row["output_shape"] == [3, 16, 16]
    assert (row["params"], row["macs"], row["flops"]) == (0, 0, 0)
    assert row["receptive_field"] == {"size": [7, 7], "stride": [1, 1], "start": [-2, -2], "denominator": 2}


def test_layers_lists_and_describes_the_plugin(probe):
    run, _ = probe
    code, out, err = run("layers")
    assert code == 0, err
    assert re.search(r"^ pixel_shuffle\b", out, re.M), out
    code, out, err = run("layers", "pixel_shuffle")
    assert code == 0, err
    assert "Rearranges [C·r², H, W] into [C, H·r, W·r]" in out and "factor" in out
    code, out, err = run("layers", "--format", "json")
    assert "pixel_shuffle" in {entry["type"] for entry in json.loads(out)["layers"]}


def test_explain_shows_the_plugin(probe):
    run, _ = probe
    code, out, err = run("explain", "subpixel.yaml", "shuffle")
    assert code == 0, err
    assert "Reads features: [12, 8, 8]; outputs [3, 16, 16]" in out
    assert "MACs: 0" in out and "FLOPs: 0 = 0 (it moves data only)" in out
    assert "H: size 7/2, jump 1/2, start -1" in out


def test_verify_executes_the_plugin(probe):
    run, _ = probe
    code, out, err = run("verify", "subpixel.yaml")
    assert code == 0, out + err
    assert re.search(r"\bshuffle\b.*\bpixel_shuffle\b", out), out


def test_export_writes_the_plugin(probe):
    run, folder = probe
    code, out, err = run("export", "subpixel.yaml", "--to", "pytorch", "-o", "subpixel.py")
    assert code == 0, err
    text = (folder / "subpixel.py").read_text(encoding="utf-8")
    assert "self.shuffle = nn.PixelShuffle(2)" in text and "shuffle = self.shuffle(features)" in text
    compile(text, "subpixel.py", "exec")


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_the_exported_file_runs_and_the_executor_is_torchs_pixel_shuffle(probe):
    run, folder = probe
    assert run("export", "subpixel.yaml", "--to", "pytorch", "-o", "subpixel.py")[0] == 0
    code, out, err = run("analyze", "subpixel.yaml", "--format", "json")
    analysed = [r["output_shape"] for r in json.loads(out)["layers"] if r["name"] == "shuffle"][0]
    script = (
        "import numpy as np, torch, torch.nn.functional as F\n"
        "from subpixel import Subpixel\n"
        "from cnncalc.layers import lookup\n"
        "from mylayers.execute.pixel_shuffle import pixel_shuffle\n"
        "y = Subpixel()(torch.randn(1, 3, 8, 8))\n"
        "print(list(y.shape[1:]))\n"
        # the page's numpy executor against torch's own pixel_shuffle, on distinct values
        "x = np.arange(2 * 12 * 3 * 5, dtype=np.float64).reshape(2, 12, 3, 5)\n"
        "layer = lookup('pixel_shuffle').from_args({'factor': 2})\n"
        "print(np.array_equal(pixel_shuffle(layer, [x], None), F.pixel_shuffle(torch.from_numpy(x), 2).numpy()))\n")
    code, out, err = run(script, module="-c")
    assert code == 0, err
    assert out.split("\n")[:2] == [str(analysed), "True"] and analysed == [3, 16, 16]


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
    assert "| `pixel_shuffle` | `factor` (required) | Rearranges [C·r², H, W] into [C, H·r, W·r]" in spec_md
    conventions = (docs / "conventions.md").read_text(encoding="utf-8")
    assert "| `pixel_shuffle` | 0 (it moves data only) |" in conventions
    export_md = (docs / "export.md").read_text(encoding="utf-8")
    assert "| `mylayers.pytorch.pixel_shuffle` | `pixel_shuffle` |  |" in export_md
    verify_md = (docs / "verify.md").read_text(encoding="utf-8")
    assert "| `pixel_shuffle` | output `(c, y, x)` is input channel `c·r² + (y mod r)·r + (x mod r)`" in verify_md
    onnx_md = (docs / "onnx.md").read_text(encoding="utf-8")
    assert "| DepthToSpace | `pixel_shuffle`: `blocksize` → `factor`; mode `CRD` only |" in onnx_md


def test_a_typo_still_gets_a_suggestion_among_plugins(probe):
    run, folder = probe
    (folder / "typo.yaml").write_text("input: [12, 6, 6]\nlayers:\n  - {pixel_shufle: {factor: 2}}\n")
    code, out, err = run("analyze", "typo.yaml")
    assert code == 2 and "unknown layer type 'pixel_shufle'" in err and "did you mean 'pixel_shuffle'" in err, err


def test_onnx_import_uses_the_plugins_mapping(probe):
    """An ONNX model of the page's network (onnx.helper, no torch): input [1, 3, 8, 8] → Conv 3 → 12, 3×3,
    pads 1, no bias → DepthToSpace blocksize 2, CRD → [1, 12/2², 16, 16] = [1, 3, 16, 16]. By hand: the conv
    has 12·3·3·3 = 324 weights and 12·(8·8)·(3·3·3) = 20,736 MACs (as subpixel.yaml); the shuffle 0 of each.
    A DCR DepthToSpace is refused with the page's reason."""
    pytest.importorskip("onnx", reason="the onnx extra: pip install -e '.[test]'")
    from tests.onnximport.models import node, save, weights

    run, folder = probe
    for mode, name in (("CRD", "subpixel.onnx"), ("DCR", "dcr.onnx")):
        save(folder / name, [node("Conv", ["x", "w"], ["f"], name="features", pads=[1, 1, 1, 1]),
                             node("DepthToSpace", ["f"], ["y"], name="shuffle", blocksize=2, mode=mode)],
             [1, 3, 8, 8], {"w": weights(12, 3, 3, 3)})
    code, out, err = run("analyze", "subpixel.onnx", "--format", "json")
    assert code == 0, err
    rows = [r for r in json.loads(out)["layers"] if r["type"] != "input"]
    assert [(r["type"], r["output_shape"], r["params"], r["macs"]) for r in rows] == [
        ("conv", [12, 8, 8], 324, 20_736), ("pixel_shuffle", [3, 16, 16], 0, 0)]
    code, out, err = run("analyze", "dcr.onnx")
    assert code == 2 and "DepthToSpace" in err and "nn.PixelShuffle is CRD" in err, err
