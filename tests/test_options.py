"""Options declared once (cnncalc/options.py): the commands' Click options and the API's keywords are the one
list, checked with the same messages; compare and check take every figure option; every result object gives
the command's documents."""

from __future__ import annotations

import importlib
import inspect
import json
import pathlib

import click
import pytest
import yaml
from click.testing import CliRunner

import cnncalc
from cnncalc import options as declared
from cnncalc.cli import main

ROOT = pathlib.Path(__file__).resolve().parent.parent
API = {"analyze": cnncalc.analyze, "compare": cnncalc.compare, "check": cnncalc.check}
OWN = {"source", "sources", "budget"}          # the functions' own arguments, not options
SPEC_COMMANDS = ("analyze", "compare", "check", "verify", "graph", "explain", "export", "measure")


def _command(name: str) -> click.Command:
    return getattr(importlib.import_module(f"cnncalc.cli.{name}"), name)


def _cli_options(name: str) -> dict:
    return {p.name: p for p in _command(name).params if isinstance(p, click.Option)}


def _keywords(function) -> dict:
    return {n: p for n, p in inspect.signature(function).parameters.items() if n not in OWN}


@pytest.mark.parametrize("name", list(API))
def test_a_commands_options_and_its_functions_keywords_are_one_list(name):
    cli, keywords = _cli_options(name), _keywords(API[name])
    only = declared.cli_only(name)
    assert set(cli) - set(only) == set(keywords), "an option without a keyword, or a keyword without an option"
    assert set(only) <= set(cli), "CLI_ONLY names an option the command does not have"
    for key, parameter in keywords.items():
        option = declared.BY_NAME[key]
        assert cli[key].opts == [option.flag]
        assert parameter.kind is inspect.Parameter.KEYWORD_ONLY
    # the same defaults on both sides: the values the command receives when no option is given
    given = _command(name).make_context(name, ["a.yaml", "b.yaml"] if name == "compare" else ["a.yaml"]).params
    for key, parameter in keywords.items():
        expected = {} if key == "set" else parameter.default          # --set given no time: no assignment
        assert given[key] == expected, key
        assert expected == ({} if key == "set" else declared.BY_NAME[key].default_value()), key


@pytest.mark.parametrize("name", SPEC_COMMANDS)
def test_every_command_that_reads_a_spec_takes_the_declared_options(name):
    cli = _cli_options(name)
    for option in declared.options_of(name):
        assert option.name in cli and cli[option.name].opts == [option.flag], option.name
    assert set(_keywords(cnncalc.read)) == {o.name for o in declared.options_of("read")}


def _usage_error(*args) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 2, result.output
    line = [line for line in result.output.splitlines() if line.startswith("cnncalc: error: ")][0]
    # cnncalc: error: Invalid value for '--batch': <message>; see 'cnncalc analyze --help'
    return line.split("': ", 1)[1].rsplit("; see '", 1)[0]


SMALL = {"name": "small", "input": [2], "layers": [{"dense": {"out": 8}}, "relu"]}


@pytest.mark.parametrize("keyword, value, flag, text", [
    ("dtype", "float8", "--dtype", "float8"),
    ("batch", 0, "--batch", "0"),
    ("optimizer", "lamb", "--optimizer", "lamb"),
    ("precision", "fp8", "--precision", "fp8"),
    ("max_layers", 0, "--max-layers", "0"),
    ("input", [3, 0, 16], "--input", "3,0,16"),
])
def test_a_bad_value_has_the_same_message_in_python_and_on_the_command_line(keyword, value, flag, text,
                                                                              tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(SMALL))
    with pytest.raises(cnncalc.SpecError) as caught:
        cnncalc.analyze(str(path), **{keyword: value})
    assert _usage_error("analyze", str(path), flag, text) == str(caught.value)
    assert keyword in str(caught.value)


def test_an_unknown_keyword_is_a_type_error():
    with pytest.raises(TypeError):
        cnncalc.compare(SMALL, SMALL, precison="fp32")


def test_a_16_bit_type_is_written_the_same_way_for_dtype_and_precision():
    short = cnncalc.analyze(SMALL, dtype="bf16", training=True, precision="bf16")
    long = cnncalc.analyze(SMALL, dtype="bfloat16", training=True, precision="mixed-bf16")
    assert short.memory.dtype == "bfloat16" and short.training.precision == "mixed-bf16"
    assert short.to_dict() == long.to_dict()


# Two small networks, derived by hand (docs/conventions.md, "Training memory" and "Peak memory"):
#   a: input [2] → dense 8 (bias) → relu: 2·8 + 8 = 24 parameters.
#   b: input [2] → dense 16 (bias) → relu: 2·16 + 16 = 48 parameters.
# Training, optimizer sgd (no state), precision bf16 (= mixed-bf16), batch 1:
#   weights = fp32 master copy 4·P + 16-bit working copy 2·P; gradients 4·P; optimizer state 0;
#   saved: dense keeps its input (2 elements · 2 bytes = 4), relu its output (n · 2 bytes).
#   a: 96 + 48 + 96 + 0 + 4 + 16 = 260 bytes;  b: 192 + 96 + 192 + 0 + 4 + 32 = 516 bytes.
# Peak memory at inference, float32: dense holds its input (8 B) and output (4·n B) → 8 + 32 = 40 (a),
#   8 + 64 = 72 (b); relu not in place holds dense's output and its own: 64 (a), 128 (b); in place
#   (--in-place) it writes into dense's output, so the peak stays dense's: 40 (a), 72 (b).
A = {"name": "a", "input": [2], "layers": [{"dense": {"out": 8}}, "relu"]}
B = {"name": "b", "input": [2], "layers": [{"dense": {"out": 16}}, "relu"]}
TRAINING = {"training": True, "optimizer": "sgd", "precision": "bf16", "in_place": True}


def test_compare_takes_the_training_and_in_place_options():
    comparison = cnncalc.compare(A, B, **TRAINING)
    assert comparison.metric("training_memory").values == (260, 516)
    assert comparison.metric("peak_memory").values == (40, 72)
    # the same as analyze of each spec with the same options
    reports = [cnncalc.analyze(spec, **TRAINING) for spec in (A, B)]
    assert comparison.metric("training_memory").values == tuple(r.training.total_bytes for r in reports)
    assert comparison.metric("peak_memory").values == tuple(r.peak.peak_bytes for r in reports)
    # without the options: no training memory, peak not in place
    plain = cnncalc.compare(A, B)
    assert plain.metric("peak_memory").values == (64, 128)
    with pytest.raises(KeyError):
        plain.metric("training_memory")


def test_check_takes_the_training_and_in_place_options():
    assert [c.actual for c in cnncalc.check(A, {"training_memory": 260}, **TRAINING).checks] == [260]
    assert not cnncalc.check(A, {"training_memory": 259}, **TRAINING).passed
    # a limit on training memory counts it without training=True (adam, fp32: 4·24 weights, 4·24 gradients,
    # 2·4·24 optimizer state, saved 4·2 + 4·8 = 40 → 96 + 96 + 192 + 40 = 424)
    assert [c.actual for c in cnncalc.check(A, {"training_memory": "1MiB"}).checks] == [424]
    assert [c.actual for c in cnncalc.check(A, {"peak_memory": 40}, in_place=True).checks] == [40]
    assert [c.actual for c in cnncalc.check(A, {"peak_memory": 40}).checks] == [64]


def test_check_counts_training_memory_only_when_asked_or_needed(monkeypatch):
    from cnncalc import training
    calls = []
    real = training.training_memory
    monkeypatch.setattr(training, "training_memory", lambda *a, **k: calls.append(1) or real(*a, **k))
    cnncalc.check(A, {"params": 24, "peak_memory": 64})
    assert calls == []
    cnncalc.check(A, {"training_memory": "1MiB"})
    assert calls == [1]


def _cli_check(*args):
    return CliRunner().invoke(main, ["check", *args])


def test_a_plain_max_increase_covers_training_memory_only_with_training(tmp_path):
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(yaml.safe_dump(A))
    new.write_text(yaml.safe_dump(B))
    without = _cli_check(str(new), "--baseline", str(old), "--max-increase", "5%", "--format", "json")
    withit = _cli_check(str(new), "--baseline", str(old), "--max-increase", "5%", "--training", "--format", "json")
    named = _cli_check(str(new), "--baseline", str(old), "--max-increase", "training_memory=5%", "--format", "json")
    metrics = [[c["metric"] for c in json.loads(r.stdout)["checks"]] for r in (without, withit, named)]
    assert "training_memory" not in metrics[0] and "params" in metrics[0]
    assert "training_memory" in metrics[1]
    assert metrics[2] == ["training_memory"]
    # adam, fp32: a 424 (above), b 4·48 + 4·48 + 8·48 + 4·2 + 4·16 = 840 > ⌊424 · 1.05⌋ = 445
    check = json.loads(named.stdout)["checks"][0]
    assert (check["actual"], check["limit"], check["passed"]) == (840, 445, False)


# ----------------------------------------------------------------------------- the documents


@pytest.fixture
def two_specs(tmp_path):
    paths = []
    for spec in (A, B):
        path = tmp_path / f"{spec['name']}.yaml"
        path.write_text(yaml.safe_dump(dict(spec, budget={"params": 30, "peak_memory": "1KiB"})))
        paths.append(str(path))
    return paths


def _cli(*args) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code in (0, 1), result.output
    return result.stdout


@pytest.mark.parametrize("command", ["analyze", "compare", "check"])
@pytest.mark.parametrize("document", ["json", "markdown", "csv"])
def test_every_result_object_gives_its_commands_documents(command, document, two_specs):
    a, b = two_specs
    options = ["--training", "--optimizer", "sgd", "--in-place"]
    if command == "analyze":
        result, args = cnncalc.analyze(a, training=True, optimizer="sgd", in_place=True), [a]
    elif command == "compare":
        result, args = cnncalc.compare(a, b, training=True, optimizer="sgd", in_place=True), [a, b]
    else:
        result, args = cnncalc.check(b, training=True, optimizer="sgd", in_place=True), [b]
    text = getattr(result, f"to_{document}")()
    assert text == _cli(command, *args, *options, "--format", document)
    if document == "json":
        assert json.loads(text) == result.to_dict() and result.to_dict()["schema"].startswith("cnncalc.")
    assert result._repr_markdown_() == result.to_markdown()


def test_the_check_results_documents_hold_its_figures(two_specs):
    result = cnncalc.check(two_specs[1])          # b: 48 parameters over its budget of 30
    assert (result.passed, result.exit_code) == (False, 1)
    assert result.to_dict()["checks"][0]["actual"] == 48
    assert result.to_csv().splitlines()[1].startswith(f"FAIL,{two_specs[1]},b,params,count,48,30,-18,spec,")


def test_the_human_format_is_called_table_everywhere_and_text_still_works(two_specs):
    for name in ("analyze", "compare", "check", "verify", "devices", "layers", "zoo"):
        choices = _cli_options(name)["output_format"].type.choices
        assert "text" not in choices and "table" in choices, name
    assert _cli("check", two_specs[0], "--format", "text") == _cli("check", two_specs[0])
    assert _cli("devices", "t4", "--format", "text") == _cli("devices", "t4", "--format", "table")


def test_the_options_table_of_the_docs_is_generated():
    text = (ROOT / declared.DOC).read_text(encoding="utf-8")
    assert declared.render_doc(text) == text, "docs/api.md is stale: run `python -m cnncalc.options`"
    for option in declared.OPTIONS:
        assert f"| `{option.name}` | `{option.flag}` |" in text


def test_checkerboards_positions_keep_their_old_name_hidden():
    # kernel 3, stride 2 on 4 positions: (4 − 1)·2 + 3 = 9 output positions per axis
    new = CliRunner().invoke(main, ["checkerboard", "-k", "3", "-s", "2", "--positions", "4", "--dims", "1"])
    old = CliRunner().invoke(main, ["checkerboard", "-k", "3", "-s", "2", "--input", "4", "--dims", "1"])
    default = CliRunner().invoke(main, ["checkerboard", "-k", "3", "-s", "2", "--dims", "1"])
    assert new.exit_code == 0 and new.stdout == old.stdout == default.stdout and "→ output 9" in new.stdout
    other = CliRunner().invoke(main, ["checkerboard", "-k", "3", "-s", "2", "--positions", "5", "--dims", "1"])
    assert "→ output 11" in other.stdout                     # (5 − 1)·2 + 3
    both = CliRunner().invoke(main, ["checkerboard", "-k", "3", "-s", "2", "--positions", "4", "--input", "4"])
    assert both.exit_code == 2 and "old name of --positions" in both.output
    shown = CliRunner().invoke(main, ["checkerboard", "--help"]).stdout
    assert "--positions" in shown and "--input" not in shown


def test_a_device_without_a_peak_for_the_dtype_has_the_same_message(tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(SMALL))
    with pytest.raises(cnncalc.SpecError) as caught:         # the API did not check this before
        cnncalc.analyze(str(path), device="stm32h7", dtype="bf16")
    assert str(caught.value).startswith("the device 'stm32h7' has no peak for bfloat16")
    assert _usage_error("analyze", str(path), "--device", "stm32h7", "--dtype", "bf16") == str(caught.value)
