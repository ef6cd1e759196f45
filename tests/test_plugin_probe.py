"""The probe of docs/adding-a-layer.md: a new layer type, written at test time into a temporary package from
the page's own code blocks, registered the documented way (an entry point in the group ``cnncalc.layers``,
as ``pip install`` records it in a ``*.dist-info/entry_points.txt``), and seen by ``analyze`` (table and
JSON), ``layers``, ``verify`` and the docs generator, in fresh processes, with no file of cnncalc edited.

The figures asserted are derived by hand for the page's spec distance.yaml: input [2, 6, 6]; ``wide`` a 3×3
conv (padding 1, no bias) to 4 channels, ``narrow`` a 1×1 conv to 4; ``dist`` their distance |a − b|
[4, 6, 6]: a subtraction and an absolute value for each of 4·6·6 = 144 elements, 288 FLOPs, no parameters,
receptive field the union of 3 and 1: size 3, jump 1, starting at −1 (the padding).
"""

from __future__ import annotations

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
    for package in ("mylayers", "mylayers/layers", "mylayers/execute"):
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
        done = subprocess.run([sys.executable, "-m", module, *args], cwd=folder, env=env, capture_output=True,
                              text=True, timeout=300)
        return done.returncode, done.stdout, done.stderr
    return run, folder


def test_the_page_has_every_file_the_probe_needs():
    assert {"mylayers/layers/absdiff.py", "mylayers/execute/absdiff.py", "pyproject.toml", "distance.yaml"} <= set(page_files())


def test_analyze_table_and_json_see_the_plugin(probe):
    run, _ = probe
    code, out, err = run("analyze", "distance.yaml")
    assert code == 0, err
    dist = next(line for line in out.splitlines() if line.split()[:2] == ["dist", "absdiff"])
    assert dist.split()[2:6] == ["4×6×6", "0", "0", "288"], dist
    code, out, err = run("analyze", "distance.yaml", "--format", "json")
    assert code == 0, err
    row = next(r for r in json.loads(out)["layers"] if r["name"] == "dist")
    assert row["type"] == "absdiff" and row["output_shape"] == [4, 6, 6]
    assert (row["params"], row["macs"], row["flops"]) == (0, 0, 288)
    assert row["receptive_field"] == {"size": [3, 3], "stride": [1, 1], "start": [-1, -1]}


def test_layers_lists_and_describes_the_plugin(probe):
    run, _ = probe
    code, out, err = run("layers")
    assert code == 0, err
    assert re.search(r"^ absdiff\b", out, re.M), out
    code, out, err = run("layers", "absdiff")
    assert code == 0, err
    assert "Element-wise |a − b| of two inputs" in out and "No arguments." in out
    code, out, err = run("layers", "--format", "json")
    assert "absdiff" in {entry["type"] for entry in json.loads(out)["layers"]}


def test_verify_executes_the_plugin(probe):
    run, _ = probe
    code, out, err = run("verify", "distance.yaml")
    assert code == 0, out + err
    assert re.search(r"\bdist\b.*\babsdiff\b", out), out


def test_docgen_writes_the_plugin_into_the_docs(probe):
    run, folder = probe
    docs = folder / "docs"
    docs.mkdir()
    for name in ("spec.md", "conventions.md"):
        shutil.copy(ROOT / "docs" / name, docs / name)
    code, out, err = run("--docs", str(docs), module="cnncalc.docgen")
    assert code == 0, err
    spec_md = (docs / "spec.md").read_text(encoding="utf-8")
    assert "### Other layer types (plug-ins)" in spec_md
    assert "| `absdiff` | none | Element-wise \\|a − b\\| of two inputs" in spec_md
    conventions = (docs / "conventions.md").read_text(encoding="utf-8")
    assert "| `absdiff` | 2 per element (subtract, absolute value) |" in conventions


def test_a_typo_still_gets_a_suggestion_among_plugins(probe):
    run, folder = probe
    (folder / "typo.yaml").write_text("input: [2, 6, 6]\nlayers:\n  - {from: [input, input], absdif: {}}\n")
    code, out, err = run("analyze", "typo.yaml")
    assert code == 2 and "unknown layer type 'absdif'" in err and "did you mean 'absdiff'" in err, err
