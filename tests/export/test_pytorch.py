"""`cnncalc export --to pytorch`: for every spec in specs/ the generated file imports only torch, runs, and
torch's own parameter count, BatchNorm state and every layer's output shape equal cnncalc's analysis, at the
spec's input and at a second, odd size. torch counts the parameters of the module it built from the
generated text alone (nn.Module.parameters(), which yields a shared tensor once); the shapes are those of
the tensors forward() produced."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from extras import require_torch

torch = require_torch()

from click.testing import CliRunner  # noqa: E402

from cnncalc.analysis import analyze  # noqa: E402
from cnncalc.cli import main  # noqa: E402
from cnncalc.export import export_pytorch  # noqa: E402
from cnncalc.spec import parse_spec, read_spec  # noqa: E402
from tests.export.exported import imports, load, run, state  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
PATHS = sorted((REPO / "specs" / "zoo").glob("*.yaml")) + sorted((REPO / "specs" / "seed").glob("*.yaml"))
# as tests/parity/test_spec_parity.py: the smallest odd sizes DeepFace's and U-Net's valid windows take
ODD_INPUT = {"deepface": (155, 149), "unet": (188, 204),
             "swin_t": (448, 224), "maxvit_t": (448, 224)}     # 7×7 windows after a /32: sides of 224·k
EXECUTE_LIMIT = 200_000_000      # more parameters than this: built and run on torch's meta device


def mismatches(spec) -> list:
    report = analyze(spec)
    device = "cpu" if report.totals.params <= EXECUTE_LIMIT else "meta"
    net, exported = load(spec, device)
    found = []
    if imports(exported.text) - {"torch", "math"}:
        found.append(f"imports {imports(exported.text)}")
    trace = run(net, spec, device, exported)
    for row in report.rows:
        got = tuple(trace[row.name].shape[1:]) if row.name in trace else None
        if got != row.output_shape:
            found.append(f"{row.name}: cnncalc {row.output_shape}, torch {got}")
    params = sum(p.numel() for p in net.parameters())
    trainable = sum(p.numel() for p in net.parameters() if p.requires_grad)
    ours = (report.totals.params, report.totals.trainable_params, report.totals.state)
    if (params, trainable, state(net)) != ours:
        found.append(f"cnncalc params/trainable/state {ours}, torch {(params, trainable, state(net))}")
    return found


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_every_spec_at_its_input(path):
    assert mismatches(read_spec(str(path))) == []


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_every_spec_at_an_odd_input(path):
    declared = read_spec(str(path)).input_shape         # on as many axes as it has ([C, N] tokens: N = 65)
    odd = (declared[0], *ODD_INPUT.get(path.stem, (65, 81))[:len(declared) - 1])
    assert mismatches(read_spec(str(path), input_shape=odd)) == []


def test_issue_10_types():
    # every element-wise and routing type of issue 10 (tests/data/gates_and_shuffles.yaml), and the
    # normalisations, linear, split, crop and like: below
    assert mismatches(read_spec(str(REPO / "tests" / "data" / "gates_and_shuffles.yaml"))) == []
    spec = parse_spec("""
input: [8, 14, 12]
layers:
  - {name: a, conv: {out: 12, kernel: 3, padding: same, stride: 2}}
  - {name: ln, layernorm: {}}
  - {name: lin, linear: {out: 16}}
  - {name: parts, split: {sizes: [4, 12]}}
  - {name: gn, from: parts.1, groupnorm: {groups: 3}}
  - {name: inorm, from: parts.0, instancenorm: {affine: true}}
  - {name: all, layernorm: {over: all}}
  - {name: halves, from: gn, split: {parts: 2}}
  - {name: joined, from: [halves.0, halves.1, all], concat: {}}
  - {name: big, upsample: {like: input}}
  - {name: cut, crop: {like: a}}
  - {name: trimmed, from: big, crop: {amount: [[1, 2], 3]}}
  - {name: padded, pad: {padding: [[0, 1], [2, 0]], mode: reflect}}
  - {name: scaled, scale: {}}
  - {name: drop, stochastic_depth: {rate: 0.3}}
""", "<issue 10>")
    assert mismatches(spec) == []
    text = export_pytorch(spec).text
    # TensorFlow 'same' at stride 2 on 14×12: out 7×6, total (7−1)·2 + 3 − 14 = 1 and (6−1)·2 + 3 − 12 = 1,
    # the extra after; at stride 2 the amount depends on the size, so forward computes it (pad_same)
    assert "self.a(pad_same(x, [3, 3], [2, 2], [1, 1]))" in text
    assert "torch.split(a_1, [4, 12], dim=1)" not in text and ", [4, 12], dim=1)" in text
    assert ".permute(0, 2, 3, 1)).permute(0, 3, 1, 2)" in text      # non-negative dims (ONNX Transpose)


SHARED = """
input: [3, 16, 16]
blocks:
  twice:
    layers:
      - {name: c, conv: {out: 3, kernel: 3, padding: 1}}
      - {name: again, share: c, conv: {out: 3, kernel: 3, padding: 1}}
      - {name: outer, share: first, conv: {out: 3, kernel: 3, padding: same}}
layers:
  - {name: first, conv: {out: 3, kernel: 3, padding: same}}
  - {name: b, twice: {}}
  - {name: bn, batchnorm: {}}
  - {name: bn2, share: bn, batchnorm: {}}
"""


def test_shared_weights_are_counted_once():
    spec = parse_spec(SHARED, "<shared>")
    assert mismatches(spec) == []
    net, exported = load(spec)
    # three convolutions of 3·3·9 + 3 = 84 weights each and two batch norms, but only two weight sets each
    assert sum(p.numel() for p in net.parameters()) == 2 * 84 + 2 * 3
    assert "self.c(c)" in exported.text          # the same module called again inside the block
    assert net.b.outer.weight is net.first.weight           # across classes: tied tensors


def test_a_refused_layer_is_exit_2_naming_it(tmp_path):
    path = tmp_path / "dilated.yaml"
    path.write_text("input: [3, 8, 8]\nlayers:\n  - {name: pool, avgpool: {kernel: 3, dilation: 2}}\n")
    result = CliRunner().invoke(main, ["export", str(path), "--to", "pytorch"])
    assert result.exit_code == 2
    assert f"{path}:3:5: layer 'pool': cannot export avgpool to PyTorch" in result.output


def test_cli_writes_the_file_and_it_runs_on_its_own(tmp_path):
    out = tmp_path / "model.py"
    args = ["export", "zoo:efficientnet", "--set", "width=1.1", "--input", "3,96,96", "--to", "pytorch"]
    result = CliRunner().invoke(main, [*args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text() == CliRunner().invoke(main, args).output
    spec = read_spec("zoo:efficientnet", input_shape=(3, 96, 96), overrides={"width": 1.1})
    want = analyze(spec)
    script = (f"import sys; sys.path.insert(0, {str(tmp_path)!r}); import torch, model\n"
              f"net = model.{export_pytorch(spec).class_name}().eval()\n"
              "print(sum(p.numel() for p in net.parameters()), list(net(torch.zeros(1, 3, 96, 96)).shape[1:]))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.split(None, 1) == [str(want.totals.params), f"{list(want.output_shape)}\n"]


def test_layers_named_like_the_helper_functions_run():
    # a layer named center_crop, windows or tie must not shadow the helper of that name in forward()
    # (it did: 'center_crop = center_crop(x, a)' raised UnboundLocalError); shapes and counts as analysed
    spec = parse_spec("""
input: [3, 12, 12]
layers:
  - {name: windows, conv: {out: 4, kernel: 3, padding: 1}}
  - {name: tie, locally_connected: {out: 2, kernel: 3}}
  - {name: center_crop, crop: {like: tie}, from: windows}
""")
    assert mismatches(spec) == []
