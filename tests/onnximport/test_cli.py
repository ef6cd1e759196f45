"""The command line and the API over ONNX files: unmapped operators, symbolic sizes, the missing extra,
`cnncalc import`, compare and check."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np

import cnncalc
from tests.onnximport.models import node, save, weights


def _small(path, shape=(1, 3, 8, 8)):
    # conv 3 → 4, 3×3, pads 1, bias: params 4·27 + 4 = 112, MACs 4·64·27 = 6,912; relu; global pool; flatten
    nodes = [node("Conv", ["x", "w", "b"], ["c"], name="conv", pads=[1, 1, 1, 1]),
             node("Relu", ["c"], ["r"], name="relu"),
             node("GlobalAveragePool", ["r"], ["g"], name="pool"), node("Flatten", ["g"], ["y"], name="flat")]
    return save(path, nodes, shape, {"w": weights(4, 3, 3, 3), "b": weights(4)})


def test_unmapped_operators_are_listed_and_refused(tmp_path, cli):
    nodes = [node("Conv", ["x", "w"], ["c"], name="conv"),
             node("Erf", ["c"], ["e1"], name="erf_a"), node("Relu", ["e1"], ["r"], name="after"),
             node("Erf", ["r"], ["e2"], name="erf_b"), node("Round", ["e2"], ["y"], name="rnd")]
    path = save(tmp_path / "m.onnx", nodes, [1, 3, 4, 4], {"w": weights(2, 3, 1, 1)})
    code, out, err = cli("analyze", path)
    assert code == 2 and out == ""
    # every unmapped node named, by operator with its count, also those after an unmapped one
    assert "Erf ×2" in err and "'erf_a', 'erf_b'" in err and "Round ×1" in err and "'rnd'" in err
    assert "3 nodes cnncalc cannot map" in err
    for command in (("compare", path, path), ("check", path, "--max-params", "1M")):
        code, _, err = cli(*command)
        assert code == 2 and "Erf ×2" in err


def test_symbolic_sizes_need_input(tmp_path, cli):
    path = _small(tmp_path / "m.onnx", ("batch", 3, "h", "w"))
    code, _, err = cli("analyze", path)
    assert code == 2 and "symbolic sizes (h, w)" in err and "--input" in err
    code, out, _ = cli("analyze", path, "--input", "3,16,16", "--format", "json")
    report = json.loads(out)
    # conv at 16×16: 4·256·27 = 27,648 MACs; output [4]
    assert code == 0 and report["totals"]["macs"] == 27_648 and report["output"] == [4]
    code, _, err = cli("analyze", path, "--input", "3,16")
    assert code == 2 and "has 3 besides the batch axis" in err
    assert cnncalc.analyze(path, input=(3, 16, 16)).totals.macs == 27_648


def test_a_fixed_model_analyzes_in_the_api_and_the_cli(tmp_path, cli):
    path = _small(tmp_path / "m.onnx")
    report = cnncalc.analyze(path)
    assert (report.totals.params, report.totals.macs, report.output_shape) == (112, 6_912, (4,))
    code, out, _ = cli("analyze", path, "--format", "csv")
    assert code == 0 and "conv" in out


def test_import_writes_a_spec_with_the_same_figures(tmp_path, cli):
    path = _small(tmp_path / "m.onnx")
    spec = tmp_path / "m.yaml"
    code, _, _ = cli("import", path, "-o", str(spec))
    assert code == 0
    text = spec.read_text()
    assert "- {name: conv, conv: {out: 4, kernel: 3, padding: 1}}" in text and "from:" not in text
    a, b = cnncalc.analyze(path), cnncalc.analyze(str(spec))
    assert (a.totals, a.output_shape) == (b.totals, b.output_shape)
    assert (b.totals.params, b.totals.macs) == (112, 6_912)
    code, out, _ = cli("import", path)
    assert code == 0 and out == text


def test_compare_and_check_accept_onnx(tmp_path, cli):
    path = _small(tmp_path / "m.onnx")
    spec = tmp_path / "same.yaml"
    spec.write_text("input: [3, 8, 8]\nlayers:\n  - {conv: {out: 4, kernel: 3, padding: 1}}\n  - relu\n"
                    "  - {global_avgpool: {keepdims: true}}\n  - flatten\n")
    code, out, _ = cli("compare", path, str(spec), "--format", "json")
    assert code == 0
    columns = json.loads(out)
    assert "112" in json.dumps(columns)
    assert cli("check", path, "--max-params", "112")[0] == 0
    assert cli("check", path, "--max-params", "111")[0] == 1
    assert cli("check", path, "--max-params", "200", "--skip-non-specs")[0] == 0


def test_not_an_onnx_file(tmp_path, cli):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\x00not a model at all")
    code, _, err = cli("analyze", str(bad))
    assert code == 2 and "bad.onnx" in err and "Traceback" not in err
    code, _, err = cli("analyze", str(tmp_path / "missing.onnx"))
    assert code == 2 and "no such file" in err


BLOCK_ONNX = """
import sys
class _Block:
    def find_spec(self, name, path=None, target=None):
        if name == "onnx" or name.startswith("onnx."):
            raise ImportError("onnx is not installed (blocked by the test)")
sys.meta_path.insert(0, _Block())
"""


def test_without_the_extra_the_message_names_it(tmp_path):
    path = _small(tmp_path / "m.onnx")
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(BLOCK_ONNX)
    env = {**os.environ, "PYTHONPATH": str(site)}
    run = subprocess.run([sys.executable, "-m", "cnncalc", "analyze", path], capture_output=True, text=True, env=env)
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.strip() == f"cnncalc: error: {path}: reading an ONNX model needs the onnx extra: " \
                                 "pip install 'cnncalc[onnx]'"


def test_the_yaml_path_never_imports_the_importer(tmp_path):
    code = ("import sys, cnncalc; cnncalc.analyze('zoo:lenet5'); "
            "print(any(m == 'onnx' or m.startswith(('onnx.', 'cnncalc.onnximport', 'cnncalc.onnxmap')) "
            "for m in sys.modules))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "False"


def test_float_attributes_keep_their_decimal(tmp_path):
    # epsilon 1e-3 is stored as float32 (0.0010000000474974513): the spec says 0.001
    nodes = [node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"], name="bn", epsilon=np.float32(1e-3))]
    path = save(tmp_path / "m.onnx", nodes, [1, 2, 3], {k: weights(2) for k in "sbmv"})
    from cnncalc.onnximport import spec_text
    assert "{name: bn, batchnorm: {eps: 0.001}}" in spec_text(path)
