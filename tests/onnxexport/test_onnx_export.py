"""`cnncalc export SPEC --to onnx`: the model passes onnx.checker, onnxruntime runs it to the numpy executors'
output (the weights are theirs, drawn with verify's seed), and `cnncalc analyze model.onnx` reads it back with
the spec's figures; the layer types ONNX cannot express as one re-importable layer are refused with the reason."""

from __future__ import annotations

import glob
from pathlib import Path

import numpy as np
import pytest

from cnncalc.analysis import analyze
from cnncalc.onnxexport import ExportRefused, export
from cnncalc.spec import read_spec
from tests.extras import require_onnxruntime

onnx = pytest.importorskip("onnx")
REPO = Path(__file__).resolve().parents[2]
ZOO = sorted(Path(p).stem for p in glob.glob(str(REPO / "specs/zoo/*.yaml")))
SEED = sorted(Path(p).stem for p in glob.glob(str(REPO / "specs/seed/*.yaml")))
# the shipped specs ONNX cannot express layer for layer, each with the layer type that stops it
REFUSED = {"deepface": "local", "fc_vs_local_vs_conv_local": "local", "netvlad_vgg16": "netvlad", "spp": "spp",
           "separable_vs_standard": "separable_conv", "fc_vs_local_vs_conv_fc": "dense",
           "cbam": "dense"}                                   # its shared MLP: tied weights
# written with data movement of their own: roll as Slices and a Concat per axis, the relative bias and the
# window mask as Reshape, Add of the constant, Reshape; read back with those moves as layers of their own
MOVES_OF_THEIR_OWN = {"swin_t", "maxvit_t"}
VIEWS = {"reshape", "permute", "roll"}
FAST = ["lenet5", "seed:stacked_3x3", "seed:inception_naive", "seed:transposed_checkerboard",
        "seed:squeeze_excitation", "seed:dilated_vs_standard", "seed:mobilenet_v2_035_96"]


def figures(report) -> tuple:
    return report.totals, [(r.name, r.type, r.output_shape, r.params, r.state, r.macs, r.flops,
                            r.activation_elements) for r in report.rows]


def round_trip(name: str, tmp_path) -> None:
    ort = require_onnxruntime()
    spec = read_spec(name if ":" in name else f"zoo:{name}")
    report = analyze(spec)
    exported = export(spec, report, seed=0)
    onnx.checker.check_model(exported.model, full_check=True)
    session = ort.InferenceSession(exported.model.SerializeToString(), providers=["CPUExecutionProvider"])
    (got,) = session.run(None, {session.get_inputs()[0].name: exported.input.astype(np.float32)})
    # float32 in onnxruntime against float64 in numpy: agreement to float32's precision over the network
    scale = np.max(np.abs(exported.output))
    assert got.shape == exported.output.shape
    assert np.max(np.abs(got - exported.output)) <= 1e-4 * scale
    path = tmp_path / "model.onnx"
    onnx.save(exported.model, str(path))
    back = analyze(read_spec(str(path)))
    (totals, rows), (back_totals, back_rows) = figures(report), figures(back)
    if name in MOVES_OF_THEIR_OWN:
        # the same parameters, state, MACs and FLOPs, and every layer that computes, the moves aside
        same = ("params", "state", "macs", "flops")
        assert [getattr(back_totals, f) for f in same] == [getattr(totals, f) for f in same]
        assert back.output_shape == report.output_shape
        computing = sorted(r[1] for r in rows if r[1] not in VIEWS)
        assert sorted(r[1] for r in back_rows if r[1] not in VIEWS) == computing
        assert all(r[3] == r[5] == r[6] == 0 for r in back_rows if r[1] in VIEWS)
        return
    assert back_totals == totals
    # the same rows, but for the types written as another with the same figures: stochastic depth as a
    # Dropout of ratio 0 (both the identity at inference)
    assert [r[:1] + r[2:] for r in back_rows] == [r[:1] + r[2:] for r in rows]
    assert [r[1] for r in back_rows] == [r[1].replace("stochastic_depth", "dropout") for r in rows]


@pytest.mark.parametrize("name", FAST)
def test_small_specs_round_trip(name, tmp_path):
    round_trip(name, tmp_path)


def test_resnet18_round_trips(tmp_path):
    round_trip("resnet18", tmp_path)


@pytest.mark.parametrize("name", [n for n in ZOO if n not in ("lenet5", "resnet18") and f"zoo:{n}" not in REFUSED]
                         + [f"seed:{n}" for n in SEED if n not in REFUSED and f"seed:{n}" not in FAST])
def test_every_expressible_shipped_spec_round_trips(name, tmp_path):
    round_trip(name, tmp_path)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_the_others_are_refused_with_the_reason(name):
    spec = read_spec(name if ":" in name else f"seed:{name}")
    with pytest.raises(ExportRefused) as err:
        export(spec, analyze(spec))
    message = str(err.value)
    assert f"({REFUSED[name]}) cannot be written as ONNX: " in message
    if name == "fc_vs_local_vs_conv_fc":      # 10^6 × 10^6 weights: over the limit per layer
        assert "1,000,000,000,000 weights, over the 200,000,000 cnncalc draws for one layer" in message


def test_cli_writes_the_model_and_analyze_reads_it_back(cli, tmp_path):
    path = str(tmp_path / "net.onnx")
    code, out, err = cli("export", "zoo:lenet5", "--to", "onnx", "-o", path)
    assert code == 0, err
    code_a, direct, _ = cli("analyze", "zoo:lenet5", "--format", "csv")
    code_b, back, _ = cli("analyze", path, "--format", "csv")
    assert code_a == code_b == 0 and back == direct


def test_cli_refusals_are_one_line(cli, tmp_path):
    code, _, err = cli("export", "seed:spp", "--to", "onnx", "-o", str(tmp_path / "x.onnx"))
    assert code == 2 and "layer 'spp1' (spp) cannot be written as ONNX: ONNX has no spatial-pyramid" in err
    assert len(err.strip().splitlines()) == 1 and not (tmp_path / "x.onnx").exists()
    code, _, err = cli("export", "zoo:lenet5", "--to", "onnx")
    assert code == 2 and "give the file with -o FILE" in err
