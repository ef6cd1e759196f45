"""A plug-in distribution ships the ONNX mapping of its own layer type, with no edit to cnncalc: a temporary
package ``mypkg`` defines ``pixel_shuffle`` (torch's nn.PixelShuffle) in ``mypkg/layers/pixel.py`` and maps ONNX
DepthToSpace (mode CRD) to it in ``mypkg/onnxmap/pixel.py`` (the companion rule of cnncalc.layers), registered
as ``pip install`` records it (a ``*.dist-info/entry_points.txt``, group ``cnncalc.layers``). Everything runs
in fresh processes, so no plug-in leaks into the test session.

The model (onnx.helper, no torch): input [1, 3, 8, 8] → Conv 3 → 8 channels, 3×3, pads 1, with bias → [1, 8, 8, 8]
→ DepthToSpace blocksize 2, CRD → [1, 8/2², 8·2, 8·2] = [1, 2, 16, 16]. By hand: the conv has 8·3·3·3 = 216
weights + 8 biases = 224 parameters and 8·(8·8)·(3·3·3) = 13,824 MACs; the pixel shuffle only moves data:
0 parameters, 0 MACs, 0 FLOPs.
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
"""nn.PixelShuffle: [C·r², H, W] → [C, H·r, W·r], the data moved, no arithmetic."""

from cnncalc.errors import LayerArgError
from cnncalc.layers.base import KEEPS_NOTHING, POSITIVE_INT, UNKNOWN, Facts, Layer, arg, register
from cnncalc.record import record


@register("pixel_shuffle")
@record
class PixelShuffle(Layer):
    """Rearranges [C·r², H, W] into [C, H·r, W·r] (PyTorch's nn.PixelShuffle)."""

    flops_rule = "0 (moves data)"
    keeps = KEEPS_NOTHING

    factor: int = arg(POSITIVE_INT, "the upscale factor r")

    def infer(self, inputs) -> Facts:
        (shape,) = inputs
        r = self.factor
        if len(shape) != 3 or shape[0] % (r * r):
            raise LayerArgError(f"pixel_shuffle needs [C·{r * r}, H, W], got {list(shape)}")
        return Facts(output=(shape[0] // (r * r), shape[1] * r, shape[2] * r), rf=UNKNOWN)
'''

MAPPING = '''
"""ONNX DepthToSpace (CRD) → pixel_shuffle."""

from cnncalc.onnximport.mapping import Unmapped, attrs, maps
from mypkg.layers.pixel import PixelShuffle


@maps("DepthToSpace")
def depth_to_space(t, node):
    a = attrs(node)
    if a.get("mode", "DCR") != "CRD":
        raise Unmapped(f"mode {a.get('mode', 'DCR')}; nn.PixelShuffle is CRD")
    t.emit(node, PixelShuffle, {"factor": int(a["blocksize"])}, [t.act(node)])
'''

CLASH = '''
from cnncalc.onnximport.mapping import maps


@maps("DepthToSpace")
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


def _model(path, mode="CRD"):
    nodes = [node("Conv", ["x", "w", "b"], ["c"], name="conv", pads=[1, 1, 1, 1]),
             node("DepthToSpace", ["c"], ["y"], name="shuffle", blocksize=2, mode=mode)]
    return save(path, nodes, [1, 3, 8, 8], {"w": weights(8, 3, 3, 3), "b": weights(8)})


@pytest.fixture(scope="module")
def plugin(tmp_path_factory):
    """(run with the plug-in installed, run without it, the folder holding model.onnx)."""
    folder = tmp_path_factory.mktemp("plugin")
    site = folder / "site"
    _package(site, "mypkg", {"layers/pixel.py": LAYER, "onnxmap/pixel.py": MAPPING}, "mypkg.layers.pixel")
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
    shuffle = rows["shuffle"]
    assert shuffle["type"] == "pixel_shuffle" and shuffle["output_shape"] == [2, 16, 16]
    assert (shuffle["params"], shuffle["macs"], shuffle["flops"]) == (0, 0, 0)
    assert report["output"] == [2, 16, 16]
    assert (report["totals"]["params"], report["totals"]["macs"]) == (224, 13_824)


def test_import_writes_the_plugin_type(plugin):
    run, _, _ = plugin
    code, out, err = run("import", "model.onnx")
    assert code == 0, err
    assert out.splitlines()[-2:] == ["  - {name: conv, conv: {out: 8, kernel: 3, padding: 1}}",
                                     "  - {name: shuffle, pixel_shuffle: {factor: 2}}"]


def test_the_plugin_mapping_refuses_what_it_does_not_count(plugin, tmp_path):
    run, _, _ = plugin
    path = _model(tmp_path / "dcr.onnx", mode="DCR")
    code, out, err = run("analyze", path)
    assert code == 2 and out == ""
    assert "DepthToSpace ×1 (mode DCR; nn.PixelShuffle is CRD): 'shuffle'" in err and "Traceback" not in err


def test_without_the_plugin_the_model_is_refused_naming_the_operator(plugin):
    _, bare, _ = plugin
    code, out, err = bare("analyze", "model.onnx")
    assert code == 2 and out == ""
    assert "DepthToSpace ×1 (cnncalc has no mapping for this operator): 'shuffle'" in err


def test_two_mappings_of_one_operator_are_an_error_naming_both(plugin, tmp_path):
    _, _, folder = plugin
    site = tmp_path / "site"
    _package(site, "mypkg", {"layers/pixel.py": LAYER, "onnxmap/pixel.py": MAPPING}, "mypkg.layers.pixel")
    # a second distribution whose layer module maps DepthToSpace too (in its companion, clashpkg/onnxmap/x.py)
    _package(site, "clashpkg", {"layers/x.py": LAYER.replace("pixel_shuffle", "pixel_shuffle2"), "onnxmap/x.py": CLASH},
             "clashpkg.layers.x")
    code, out, err = _runner(folder, site)("analyze", "model.onnx")
    assert code == 2 and out == "" and "Traceback" not in err
    assert "two ONNX mappings of the operator DepthToSpace" in err
    assert "mypkg.onnxmap.pixel.depth_to_space" in err and "clashpkg.onnxmap.x.another" in err


def test_a_plugin_mapping_that_fails_to_load_is_named(plugin, tmp_path):
    _, _, folder = plugin
    site = tmp_path / "site"
    broken = MAPPING.replace("from mypkg.layers.pixel import PixelShuffle", "from mypkg.layers.pixel import Nothing")
    _package(site, "mypkg", {"layers/pixel.py": LAYER, "onnxmap/pixel.py": broken}, "mypkg.layers.pixel")
    code, out, err = _runner(folder, site)("analyze", "model.onnx")
    assert code == 2 and out == "" and "Traceback" not in err
    assert "the ONNX mapping module 'mypkg.onnxmap.pixel' of the layer type 'pixel_shuffle' failed to load: " \
           "ImportError: cannot import name 'Nothing'" in err
