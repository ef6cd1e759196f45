"""`cnncalc analyze` through the command line: formats, options, exit codes, one-line errors."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SMALL        # conv, relu, maxpool, flatten, dense on 3×8×8

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "specs" / "seed"

# By hand: conv 4·3·9 + 4 = 112 params, 8·8·4·27 = 6,912 MACs; dense 64·10 + 10 = 650 params, 640 MACs.
SMALL_PARAMS = 4 * 3 * 9 + 4 + 64 * 10 + 10
SMALL_MACS = 8 * 8 * 4 * 27 + 64 * 10


def test_table_has_rows_totals_and_labels(cli, write):
    code, out, err = cli("analyze", write(SMALL))
    assert code == 0, err
    for text in ("conv1", "relu1", "maxpool1", "flatten1", "dense1", "total", f"{SMALL_PARAMS:,}",
                 f"{SMALL_MACS:,}", "MACs", "FLOPs", "Output receptive field"):
        assert text in out
    assert err == ""


def test_json_has_the_documented_fields(cli_json, write):
    data = cli_json("analyze", write(SMALL))
    assert data["name"] == "small"
    assert data["input"] == [3, 8, 8] and data["output"] == [10]
    assert set(data["totals"]) >= {"params", "trainable_params", "non_trainable_params", "state", "macs",
                                    "flops", "activation_elements"}
    assert data["totals"]["params"] == SMALL_PARAMS
    assert data["totals"]["macs"] == SMALL_MACS
    layer = data["layers"][1]
    assert set(layer) >= {"name", "type", "inputs", "output_shape", "params", "macs", "flops", "receptive_field"}
    assert layer["receptive_field"] == {"size": [3, 3], "stride": [1, 1], "start": [-1, -1]}
    assert all(isinstance(row["params"], int) for row in data["layers"])
    # the rows add up to the totals
    for key in ("params", "macs", "flops"):
        assert sum(row[key] for row in data["layers"]) == data["totals"][key]


def test_csv_has_layer_rows_only_and_they_add_up(cli, write):
    code, out, _ = cli("analyze", write(SMALL), "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    # one row kind: the input and the five layers, no total row
    assert [r["name"] for r in rows] == ["input", "conv1", "relu1", "maxpool1", "flatten1", "dense1"]
    assert sum(int(r["params"]) for r in rows) == SMALL_PARAMS
    assert sum(int(r["macs"]) for r in rows) == SMALL_MACS
    # bytes at float32: conv (112 params) 448 B; its output 4·8·8 = 256 elements, 1,024 B
    conv = rows[1]
    assert (int(conv["param_bytes"]), int(conv["activation_bytes"])) == (112 * 4, 256 * 4)


def test_csv_bytes_follow_dtype_and_batch(cli, write):
    code, out, _ = cli("analyze", write(SMALL), "--format", "csv", "--dtype", "float16", "--batch", "3")
    conv = list(csv.DictReader(io.StringIO(out)))[1]
    # 112 params · 2 B; 256 output elements · batch 3 · 2 B
    assert (int(conv["param_bytes"]), int(conv["activation_bytes"])) == (224, 256 * 3 * 2)


def test_markdown(cli, write):
    code, out, _ = cli("analyze", write(SMALL), "--format", "markdown")
    assert code == 0
    assert out.startswith("## small")
    assert "| **total** |" in out and f"**{SMALL_PARAMS:,}**" in out


def test_input_override_batch_and_dtype(cli_json, write):
    path = write(SMALL.replace("  - flatten\n  - dense: {out: 10}\n", ""))
    data = cli_json("analyze", path, "--input", "3,16,16", "--batch", "4", "--dtype", "float16")
    assert data["output"] == [4, 8, 8]
    # outputs: conv 4·16·16, relu 4·16·16, pool 4·8·8 = 2,304 elements; × batch 4 × 2 bytes
    assert data["totals"]["activation_elements"] == 4 * 256 * 2 + 4 * 64
    assert data["memory"]["activation_bytes"] == (4 * 256 * 2 + 4 * 64) * 4 * 2
    assert data["memory"]["param_bytes"] == (4 * 3 * 9 + 4) * 2       # not scaled by the batch


def test_spec_from_stdin(cli):
    code, out, err = cli("analyze", "-", "--format", "json", input=SMALL)
    assert code == 0, err
    assert json.loads(out)["totals"]["params"] == SMALL_PARAMS


BAD = {
    "syntax": ("input: [3, 8, 8]\nlayers:\n  - conv: {out: 4\n", ":4:"),
    "unknown type": ("input: [3, 8, 8]\nlayers:\n  - reluu\n", "did you mean 'relu'"),
    "missing argument": ("input: [3, 8, 8]\nlayers:\n  - conv: {out: 4}\n", "needs 'kernel'"),
    "wrong type": ("input: [3, 8, 8]\nlayers:\n  - conv: {out: 4, kernel: x}\n", "must be a positive int"),
    "unknown key": ("input: [3, 8, 8]\nlayers:\n  - conv: {out: 4, kernel: 3, pad: 1}\n", "unknown argument 'pad'"),
    "unknown from": ("input: [3, 8, 8]\nlayers:\n  - {from: x, relu: {}}\n", "no layer has that name"),
    "cycle": ("input: [3, 8, 8]\nlayers:\n  - {name: a, from: b, relu: {}}\n  - {name: b, from: a, relu: {}}\n", "cycle"),
    "add mismatch": ("input: [3, 8, 8]\nlayers:\n  - {name: a, conv: {out: 4, kernel: 1}}\n  - {from: [a, input], add: {}}\n", "one shape"),
    "concat mismatch": ("input: [3, 8, 8]\nlayers:\n  - {name: a, maxpool: {kernel: 2}}\n  - {from: [a, input], concat: {}}\n", "must match"),
    "kernel too big": ("input: [3, 8, 8]\nlayers:\n  - conv: {out: 4, kernel: 11, padding: 1}\n", "larger than the padded input"),
    "groups": ("input: [3, 8, 8]\nlayers:\n  - conv: {out: 6, kernel: 1, groups: 2}\n", "not divisible by groups"),
    "non-positive": ("input: [3, 8, 8]\nlayers:\n  - conv: {out: -1, kernel: 1}\n", "positive"),
    "unsafe tag": ("input: !!python/object/apply:os.getcwd []\nlayers: [relu]\n", "constructor"),
    "empty": ("", "empty"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_one_line_and_exit_2(cli, write, case):
    text, fragment = BAD[case]
    path = write(text)
    code, out, err = cli("analyze", path)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"cnncalc: error: {path}")
    assert fragment in lines[0]
    assert "Traceback" not in err


def test_errors_inside_a_layer_name_line_and_layer(cli, write):
    path = write("input: [3, 8, 8]\nlayers:\n  - relu\n  - {name: c1, conv: {out: 4, kernel: 3, groups: 2}}\n")
    code, _, err = cli("analyze", path)
    assert code == 2
    assert err.startswith(f"cnncalc: error: {path}:4:") and "layer 'c1'" in err


def test_missing_file_and_directory(cli, tmp_path):
    code, _, err = cli("analyze", str(tmp_path / "nope.yaml"))
    assert code == 2 and "no such file" in err
    code, _, err = cli("analyze", str(tmp_path))
    assert code == 2 and "directory" in err


def test_bad_option_is_usage_error(cli, write):
    code, _, err = cli("analyze", write(SMALL), "--input", "3,abc")
    assert code == 2 and "Traceback" not in err
    code, _, err = cli("analyze", write(SMALL), "--batch", "0")
    assert code == 2


def test_internal_error_says_so_and_traceback_flag_shows_it(cli, write, monkeypatch):
    from cnncalc.layers.activation import ReLU

    def broken(self, inputs):
        raise ZeroDivisionError("simulated bug")
    monkeypatch.setattr(ReLU, "infer", broken)
    code, _, err = cli("analyze", write(SMALL))
    assert code == 3
    assert "internal error" in err and "bug in cnncalc" in err and "Traceback" not in err
    with pytest.raises(ZeroDivisionError):
        cli("--traceback", "analyze", write(SMALL))


def test_analyze_does_not_import_numpy():
    """Nor any companion module: executors, PyTorch writers, ONNX mappings (cnncalc.layers.COMPANION_KINDS)."""
    spec = SEED / "inception_bottleneck.yaml"
    code = ("import sys\nfrom click.testing import CliRunner\nfrom cnncalc.cli import main\n"
            f"r = CliRunner().invoke(main, ['analyze', {str(spec)!r}])\n"
            f"r2 = CliRunner().invoke(main, ['analyze', {str(spec)!r}, '--format', 'json'])\n"
            "assert r.exit_code == 0 and r2.exit_code == 0, (r.output, r2.output)\n"
            "print('numpy' in sys.modules)\n"
            "print(sorted(m for m in sys.modules if m.split('.')[:2] in (['cnncalc', 'execute'], "
            "['cnncalc', 'pytorch'], ['cnncalc', 'export'], ['cnncalc', 'onnxmap'], ['cnncalc', 'onnximport'])))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "[]"]


def test_python_dash_m_and_version():
    result = subprocess.run([sys.executable, "-m", "cnncalc", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and "cnncalc" in result.stdout


def test_analyze_validates_the_budget_block(cli, write):
    code, _, err = cli("analyze", write(SMALL + "budget: {parms: 1M}\n"))
    assert code == 2 and "unknown budget key 'parms'" in err and ":10:" in err   # line of the key
    code, _, err = cli("analyze", write(SMALL + "budget: {params: 1M}\n"))
    assert code == 0, err


ZOO = ROOT / "specs" / "zoo"


@pytest.mark.parametrize("args", [
    ["analyze", str(ZOO / "resnet50.yaml"), "--format", "json"],
    ["analyze", str(ZOO / "resnet50.yaml")],
    ["compare", str(ZOO / "lenet5.yaml"), str(ZOO / "alexnet.yaml")],      # these three print through Rich,
    ["layers"],                                                            # whose own broken-pipe exit is 1
    ["checkerboard", "-k", "3", "-s", "2"],
], ids=lambda args: " ".join(args[:1] + args[2:]))
def test_a_closed_pipe_ends_quietly(args):
    """`cnncalc analyze big.yaml --format json | head -c 0`: the reader is gone before the output is written;
    cnncalc stops with 141 (a shell's status for SIGPIPE), not an internal error, nor 1 (a budget exceeded)."""
    process = subprocess.Popen([sys.executable, "-m", "cnncalc", *args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()                      # the reader goes away at once
    stderr = process.stderr.read().decode()
    assert process.wait() == 141, stderr
    assert "internal error" not in stderr and "Traceback" not in stderr


@pytest.mark.parametrize("args", [
    ["compare", str(ZOO / "lenet5.yaml"), str(ZOO / "alexnet.yaml")],
    ["layers"], ["layers", "conv"],
    ["checkerboard", "-k", "3", "-s", "2"],
    ["verify", str(ROOT / "specs" / "seed" / "single_5x5.yaml"), "--input", "64,12,12"],
    ["analyze", str(ZOO / "lenet5.yaml")],
], ids=lambda args: " ".join(args[:1] + args[2:]))
def test_no_color_turns_off_every_style(args):
    """https://no-color.org: NO_COLOR set, even with FORCE_COLOR, means no ANSI escape on standard output
    (Rich's own no_color keeps bold and dim); FORCE_COLOR alone styles the same output (so the test can fail)."""
    def out(**env):
        return subprocess.run([sys.executable, "-m", "cnncalc", *args], capture_output=True,
                              env={**os.environ, "COLUMNS": "100", **env}).stdout
    assert b"\x1b[" in out(FORCE_COLOR="1")
    assert b"\x1b[" not in out(FORCE_COLOR="1", NO_COLOR="1")


@pytest.mark.parametrize("given, hint", [
    ("1,3,224,224", "leave out the batch axis: 3,224,224"),                 # PyTorch's NCHW habit
    ("8,3,224,224", "leave out the batch axis: 3,224,224"),
    ("1,224,224,3", "leave out the batch axis, channels first: 3,224,224"),  # TensorFlow's NHWC
    ("1,5,100,100", "the first axis looks like a batch"),
    ("224,224", ""),
])
def test_input_of_another_rank_is_refused_with_the_specs_rank(cli, given, hint):
    """resnet50's input is written [3, 224, 224]: an --input of 4 axes used to analyse a 3-D network of 48.2M
    parameters without a word; it is a usage error naming the spec's rank, with a hint for a batch axis."""
    code, out, err = cli("analyze", str(ZOO / "resnet50.yaml"), "--input", given)
    assert code == 2 and out == ""
    assert f"input {given} has {given.count(',') + 1} axes" in err and "[C, H, W], channels first" in err
    if hint:
        assert hint in err
    else:                                       # 2 axes for 3: no batch or channels-last hint to give
        assert "leave out the batch" not in err and "looks like a batch" not in err and "first:" not in err


def test_input_written_channels_last_is_refused(cli):
    code, _, err = cli("analyze", str(ZOO / "resnet50.yaml"), "--input", "224,224,3")
    assert code == 2 and "channels-last" in err and ": 3,224,224" in err
    code, _, err = cli("analyze", str(ZOO / "resnet50.yaml"), "--input", "3,160,160")   # another size: fine
    assert code == 0, err


def test_api_input_of_another_rank_is_a_spec_error():
    import cnncalc
    with pytest.raises(cnncalc.SpecError, match="has 4 axes"):
        cnncalc.analyze(str(ZOO / "resnet50.yaml"), input=(1, 3, 224, 224))


@pytest.mark.parametrize("args, fragment", [
    (["analyze", "SPEC", "--dtype", "flaot16"], "(did you mean 'float16'?)"),    # fp16, bf16: accepted aliases
    (["analyze", "SPEC", "--precision", "mixed-fp61"], "(did you mean 'mixed-fp16'?)"),
    (["analyze", "SPEC", "--format", "tabel"], "(did you mean 'table'?)"),
    (["analyze"], "Missing argument 'SPEC'"),
    (["analyze", "SPEC", "--batch", "0"], "'--batch'"),
    (["analyze", "SPEC", "--bogus"], "No such option '--bogus'"),
    (["anlyze", "SPEC"], "there is no command 'anlyze' (did you mean 'analyze'?)"),
    (["--bogus"], "No such option '--bogus'"),
    (["graph", "SPEC", "--format", "pdf"], "'pdf' is not one of"),
])
def test_usage_errors_are_one_line_as_spec_errors_are(args, fragment):
    """An option error used to be Click's four-line block (Usage, Try, a blank line, Error); it is one line in
    the style of spec errors, with the --help to read, and exit status 2."""
    spec = str(ZOO / "lenet5.yaml")
    done = subprocess.run([sys.executable, "-m", "cnncalc", *[spec if a == "SPEC" else a for a in args]],
                          capture_output=True, text=True)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("cnncalc: error: "), done.stderr
    assert fragment in done.stderr and "--help'" in done.stderr


@pytest.mark.parametrize("args", [["zoo"], ["analyze", str(ZOO / "resnet50.yaml")],
                                  ["analyze", str(ZOO / "resnet50.yaml"), "--depth", "1"]])
def test_tables_fit_a_narrow_terminal(args):
    """At COLUMNS=60 the analyze table was 79 wide (93 with the RF start) and `cnncalc zoo` 95: every line of
    the tables and of the summary fits now (the counts as 25.6M, columns left out with a note saying which)."""
    done = subprocess.run([sys.executable, "-m", "cnncalc", *args], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "60"})
    assert done.returncode == 0, done.stderr
    assert max(len(line) for line in done.stdout.splitlines()) <= 60
    if args[0] == "analyze":
        assert "(left out to fit 60 columns: " in done.stdout and "25.6M" in done.stdout


@pytest.mark.parametrize("args, code", [
    (["check", str(ZOO / "resnet50.yaml"), "--max-params", "25M", "--max-macs", "4.1G"], 1),
    (["devices"], 0), (["devices", "t4"], 0), (["runtimes"], 0),
    (["explain", str(ZOO / "alexnet.yaml"), "conv1"], 0),
    (["analyze", str(ZOO / "mobilenet_v2.yaml"), "--dtype", "int8", "--runtime", "tinyengine", "-q"], 0)])
def test_every_command_fits_a_narrow_terminal(args, code):
    """check's lines were 113 wide at COLUMNS=60, devices' and runtimes' prose and explain's formulas ran on:
    now every line fits, wrapped between words; only a word longer than the width (a source's URL) stands
    whole on a line of its own, never broken."""
    done = subprocess.run([sys.executable, "-m", "cnncalc", *args], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "60"})
    assert done.returncode == code, done.stderr
    wide = [line for line in done.stdout.splitlines() if len(line) > 60]
    assert all(len(line.split()) == 1 for line in wide), wide
    if args[0] != "analyze":
        assert wide or args[0] in ("check", "explain")        # devices and runtimes do have such URLs
    # in a pipe without $COLUMNS, nothing is wrapped: CI logs keep one line per limit
    piped = subprocess.run([sys.executable, "-m", "cnncalc", *args], capture_output=True, text=True,
                           env={k: v for k, v in os.environ.items() if k != "COLUMNS"})
    if args[0] == "check":
        assert [line.split()[0] for line in piped.stdout.splitlines()[:2]] == ["FAIL", "PASS"]
