"""A plug-in distribution ships the ONNX mapping of its own layer type, with no edit to cnncalc: a temporary
package ``mypkg`` defines ``hardshrink`` (torch's nn.Hardshrink) in ``mypkg/layers/shrink.py`` and maps ONNX
Shrink (bias 0) to it in ``mypkg/onnxmap/shrink.py`` (the companion rule of cnncalc.layers), registered
as ``pip install`` records it (a ``*.dist-info/entry_points.txt``, group ``cnncalc.layers``). Everything runs
in fresh processes, so no plug-in leaks into the test session.

The model (onnx.helper, no torch): input [1, 3, 8, 8] → Conv 3 → 8 channels, 3×3, pads 1, with bias → [1, 8, 8, 8]
→ Shrink lambd 0.5, bias 0 → [1, 8, 8, 8]. By hand: the conv has 8·3·3·3 = 216 weights + 8 biases = 224
parameters and 8·(8·8)·(3·3·3) = 13,824 MACs; the hard shrink one compare per element: 0 parameters, 0 MACs,
8·8·8 = 512 FLOPs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from tests.onnximport.models import node, save, weights

LAYER = '''
"""nn.Hardshrink: x where |x| > λ, 0 elsewhere."""

from cnncalc.layers.base import KEEPS_INPUT, NUMBER, Facts, Layer, arg, register
from cnncalc.record import record


@register("hardshrink")
@record
class Hardshrink(Layer):
    """x where |x| > λ, else 0 (PyTorch's nn.Hardshrink)."""

    flops_rule = "1 per element (a compare)"
    keeps = KEEPS_INPUT

    lambd: float = arg(NUMBER, "the threshold λ", 0.5)

    def infer(self, inputs) -> Facts:
        (shape,) = inputs
        count = 1
        for n in shape:
            count *= n
        return Facts(output=tuple(shape), flops=count)
'''

MAPPING = '''
"""ONNX Shrink (bias 0) → hardshrink."""

from cnncalc.onnximport.mapping import Unmapped, attrs, maps
from mypkg.layers.shrink import Hardshrink


@maps("Shrink")
def shrink(t, node):
    a = attrs(node)
    if a.get("bias", 0.0) != 0:
        raise Unmapped(f"bias {a['bias']}; nn.Hardshrink does not shift")
    t.emit(node, Hardshrink, {"lambd": a.get("lambd", 0.5)}, [t.act(node)])
'''

CLASH = '''
from cnncalc.onnximport.mapping import maps


@maps("Shrink")
def another(t, node):
    raise AssertionError("never called")
'''


def _package(site, package: str, modules: dict, entry: str) -> None:
    """Write ``package`` (its modules: relative path → source) and the dist-info `pip install` would write."""
    for path, text in modules.items():
        target = site / package / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text), encoding="utf-8")
        for folder in (target.parent, site / package):
            (folder / "__init__.py").touch()
    info = site / f"{package}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {package}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[cnncalc.layers]\n{package} = {entry}\n")


def _runner(folder, site=None):
    env = dict(os.environ)
    if site is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])

    def run(*args):
        done = subprocess.run([sys.executable, "-m", "cnncalc", *args], cwd=folder, env=env, capture_output=True,
                              text=True, timeout=300)
        return done.returncode, done.stdout, done.stderr
    return run


def _model(path, bias=0.0):
    nodes = [node("Conv", ["x", "w", "b"], ["c"], name="conv", pads=[1, 1, 1, 1]),
             node("Shrink", ["c"], ["y"], name="shrink", lambd=0.5, bias=bias)]
    return save(path, nodes, [1, 3, 8, 8], {"w": weights(8, 3, 3, 3), "b": weights(8)})


@pytest.fixture(scope="module")
def plugin(tmp_path_factory):
    """(run with the plug-in installed, run without it, the folder holding model.onnx)."""
    folder = tmp_path_factory.mktemp("plugin")
    site = folder / "site"
    _package(site, "mypkg", {"layers/shrink.py": LAYER, "onnxmap/shrink.py": MAPPING}, "mypkg.layers.shrink")
    _model(folder / "model.onnx")
    return _runner(folder, site), _runner(folder), folder


def test_analyze_maps_the_plugin_operator(plugin):
    run, _, _ = plugin
    code, out, err = run("analyze", "model.onnx", "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    rows = {row["name"]: row for row in report["layers"]}
    assert rows["conv"]["output_shape"] == [8, 8, 8]
    assert (rows["conv"]["params"], rows["conv"]["macs"]) == (224, 13_824)          # module docstring
    shrink = rows["shrink"]
    assert shrink["type"] == "hardshrink" and shrink["output_shape"] == [8, 8, 8]
    assert (shrink["params"], shrink["macs"], shrink["flops"]) == (0, 0, 512)
    assert report["output"] == [8, 8, 8]
    assert (report["totals"]["params"], report["totals"]["macs"]) == (224, 13_824)


def test_import_writes_the_plugin_type(plugin):
    run, _, _ = plugin
    code, out, err = run("import", "model.onnx")
    assert code == 0, err
    assert out.splitlines()[-2:] == ["  - {name: conv, conv: {out: 8, kernel: 3, padding: 1}}",
                                     "  - {name: shrink, hardshrink: {lambd: 0.5}}"]


def test_the_plugin_mapping_refuses_what_it_does_not_count(plugin, tmp_path):
    run, _, _ = plugin
    path = _model(tmp_path / "soft.onnx", bias=0.5)
    code, out, err = run("analyze", path)
    assert code == 2 and out == ""
    assert "Shrink ×1 (bias 0.5; nn.Hardshrink does not shift): 'shrink'" in err and "Traceback" not in err


def test_without_the_plugin_the_model_is_refused_naming_the_operator(plugin):
    _, bare, _ = plugin
    code, out, err = bare("analyze", "model.onnx")
    assert code == 2 and out == ""
    assert "Shrink ×1 (cnncalc has no mapping for this operator): 'shrink'" in err


def test_two_mappings_of_one_operator_are_an_error_naming_both(plugin, tmp_path):
    _, _, folder = plugin
    site = tmp_path / "site"
    _package(site, "mypkg", {"layers/shrink.py": LAYER, "onnxmap/shrink.py": MAPPING}, "mypkg.layers.shrink")
    # a second distribution whose layer module maps Shrink too (in its companion, clashpkg/onnxmap/x.py)
    _package(site, "clashpkg", {"layers/x.py": LAYER.replace("hardshrink", "hardshrink2"), "onnxmap/x.py": CLASH},
             "clashpkg.layers.x")
    code, out, err = _runner(folder, site)("analyze", "model.onnx")
    assert code == 2 and out == "" and "Traceback" not in err
    assert "two ONNX mappings of the operator Shrink" in err
    assert "mypkg.onnxmap.shrink.shrink" in err and "clashpkg.onnxmap.x.another" in err


def test_a_plugin_mapping_that_fails_to_load_is_named(plugin, tmp_path):
    _, _, folder = plugin
    site = tmp_path / "site"
    broken = MAPPING.replace("from mypkg.layers.shrink import Hardshrink", "from mypkg.layers.shrink import Nothing")
    _package(site, "mypkg", {"layers/shrink.py": LAYER, "onnxmap/shrink.py": broken}, "mypkg.layers.shrink")
    code, out, err = _runner(folder, site)("analyze", "model.onnx")
    assert code == 2 and out == "" and "Traceback" not in err
    assert "the ONNX mapping module 'mypkg.onnxmap.shrink' of the layer type 'hardshrink' failed to load: " \
           "ImportError: cannot import name 'Nothing'" in err
