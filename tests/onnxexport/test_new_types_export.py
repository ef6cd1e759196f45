"""`cnncalc export --to onnx` of issue 22's layer types (arith, sqrt, rsqrt, sub, div, pixel_shuffle,
pixel_unshuffle, grn, class_token, position_embedding, blurpool, std_conv): onnxruntime runs the model to the numpy executors'
output, and `cnncalc analyze` reads it back with every row's name, type, shape and counts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cnncalc.analysis import analyze
from cnncalc.onnxexport import export
from cnncalc.spec import parse_spec, read_spec
from tests.extras import require_onnxruntime

onnx = pytest.importorskip("onnx")
DATA = Path(__file__).resolve().parents[1] / "data" / "arith_and_pixels.yaml"
# the data spec up to its sequence (adaptive pooling and reshape have no ONNX writer yet), and a sequence
TEXTS = {"arith_and_pixels": DATA.read_text(encoding="utf-8").split("  - {name: grid,")[0],
         "tokens": "input: [4, 10]\nlayers:\n  - {name: embed, conv: {out: 6, kernel: 3, padding: 1}}\n"
                   "  - {name: cls, class_token: {tokens: 2}}\n  - {name: positions, position_embedding: {}}\n"
                   "  - {name: act, relu: {}}\n",
         # TResNet's anti-aliasing and NF-ResNet's convolutions: with and without gain, bias, groups, 'same'
         "timm": "input: [4, 13, 13]\nlayers:\n  - {name: ws, std_conv: {out: 8, kernel: 3, padding: 1}}\n"
                 "  - {name: aa, blurpool: {}}\n"
                 "  - {name: ws2, std_conv: {out: 8, kernel: 3, groups: 2, bias: false, gain: false, eps: 1.0e-5}}\n"
                 "  - {name: aa2, blurpool: {kernel: [3, 5], stride: 1, padding: same}}\n"}
WRITTEN = {"arith_and_pixels": {"arith", "sqrt", "rsqrt", "sub", "div", "pixel_shuffle", "pixel_unshuffle", "grn"},
           "tokens": {"class_token", "position_embedding"}, "timm": {"std_conv", "blurpool"}}


def rows(report) -> list:
    return [(r.name, r.type, r.output_shape, r.params, r.state, r.macs, r.flops) for r in report.rows]


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_round_trip(name, tmp_path):
    ort = require_onnxruntime()
    spec = parse_spec(TEXTS[name], f"{name}.yaml")
    report = analyze(spec)
    exported = export(spec, report, seed=0)
    onnx.checker.check_model(exported.model, full_check=True)
    session = ort.InferenceSession(exported.model.SerializeToString(), providers=["CPUExecutionProvider"])
    (got,) = session.run(None, {session.get_inputs()[0].name: exported.input.astype(np.float32)})
    assert got.shape == exported.output.shape
    assert np.max(np.abs(got - exported.output)) <= 1e-4 * np.max(np.abs(exported.output))
    path = tmp_path / "model.onnx"
    onnx.save(exported.model, str(path))
    back = analyze(read_spec(str(path)))
    assert back.totals == report.totals and rows(back) == rows(report)
    written = {r[1] for r in rows(report)}
    assert written >= WRITTEN[name]
