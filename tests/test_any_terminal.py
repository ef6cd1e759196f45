"""Output for any terminal and any consumer: every stream encoding, any width, escaped names, CSV of one row
kind, JSON of one type per key."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cnncalc.render.fmt import human

ROOT = Path(__file__).resolve().parent.parent
SEED, ZOO = ROOT / "specs" / "seed", ROOT / "specs" / "zoo"
NAIVE, BOTTLENECK = str(SEED / "inception_naive.yaml"), str(SEED / "inception_bottleneck.yaml")
FIVE = str(SEED / "single_5x5.yaml")

# (arguments, expected exit status, a text the output must hold, in ASCII as the fallback writes it)
COMMANDS = [
    (["analyze", NAIVE], 0, "Input -> output"),
    (["analyze", NAIVE, "--format", "markdown"], 0, "| **total** |"),
    (["analyze", NAIVE, "--format", "csv"], 0, "name,type"),
    (["analyze", NAIVE, "--format", "json"], 0, '"schema"'),
    (["compare", NAIVE, BOTTLENECK], 0, "(-42.9%"),
    (["compare", NAIVE, BOTTLENECK, "--format", "markdown"], 0, "x0.571"),
    (["compare", NAIVE, BOTTLENECK, "--format", "csv"], 0, "metric,spec"),
    (["compare", NAIVE, BOTTLENECK, "--by", "layer"], 0, "A params"),
    (["check", NAIVE, "--max-params", "10K"], 0, "<= 10,000"),
    (["check", NAIVE, "--max-params", "8K"], 1, "> 8,000"),
    (["check", NAIVE, "--max-params", "10K", "--format", "markdown"], 0, "[ok]"),
    (["check", NAIVE, "--max-params", "10K", "--format", "json"], 0, '"passed": true'),
    (["verify", FIVE, "--input", "64,12,12"], 0, "agrees"),
    (["verify", FIVE, "--input", "64,12,12", "--format", "json"], 0, '"status"'),
    (["layers"], 0, "conv"),
    (["layers", "conv"], 0, "kernel"),
    (["checkerboard", "-k", "3", "-s", "2"], 0, "uneven"),
    (["explain", NAIVE, "mixed.conv1x1.conv1"], 0, "1*1*16*16 = 256"),      # a 1x1 conv, 16 -> 16, no bias
    (["analyze", NAIVE, "--depth", "1", "--columns", "name,params,params_share"], 0, "100.0%"),
    (["check", NAIVE, "--max-params", "9K", "--format", "github", "--warn-at", "90%"], 0, "::warning"),
    (["graph", NAIVE], 0, "flowchart"),
    (["graph", NAIVE, "--format", "dot"], 0, "digraph"),
    (["export", NAIVE, "--to", "pytorch"], 0, "class "),
    (["zoo"], 0, "resnet50"),
    (["devices"], 0, "t4"),
    (["schema"], 0, '"$schema"'),
    (["analyze", "no-such.yaml"], 2, ""),
]


def run(args, encoding: str, **env):
    environment = {**os.environ, "PYTHONIOENCODING": encoding, "COLUMNS": "100", **env}
    return subprocess.run([sys.executable, "-m", "cnncalc", *args], capture_output=True, env=environment, cwd=ROOT)


@pytest.mark.parametrize("encoding", ["ascii", "cp1252"])
@pytest.mark.parametrize("args, status, text", COMMANDS, ids=[" ".join(a[:1] + a[2:]) for a, _, _ in COMMANDS])
def test_every_command_works_in_a_narrow_encoding(args, status, text, encoding):
    done = run(args, encoding)
    assert done.returncode == status, done.stderr.decode(encoding, "replace")
    out, err = done.stdout.decode(encoding), done.stderr.decode(encoding)     # strict: every byte is valid
    assert "internal error" not in err and "Traceback" not in err
    if encoding == "ascii":
        assert done.stdout.isascii() and done.stderr.isascii()
        assert text in out
    assert out.strip() or status == 2


def test_cp1252_keeps_the_characters_it_has_and_replaces_the_rest():
    out = run(["check", NAIVE, "--max-params", "10K"], "cp1252").stdout.decode("cp1252")
    assert "<= 10,000" in out and "≤" not in out                     # cp1252 has no '≤'
    table = run(["analyze", NAIVE], "cp1252").stdout.decode("cp1252")
    assert "16×28×28" in table and "[16, 28, 28] -> [64, 28, 28]" in table    # it has "×" but no "→"


def test_the_fallback_table_and_escapes():
    from cnncalc.render.text import to_ascii
    assert to_ascii("a ≤ b × c → d − e … ⌊n/s⌋") == "a <= b x c -> d - e ... floor(n/s)"
    assert to_ascii("── │ ┼") == "-- | +"
    assert to_ascii("名") == "\\u540d"                        # not in the table: a backslash escape


# ----------------------------------------------------------------------------- names from the spec

HOSTILE = r'''
name: "evil\e]0;owned\aname"
description: "a <b>bold</b> *claim* with a | pipe and `code`"
input: [3, 8, 8]
layers:
  - {name: "a|b*c_d_", conv: {out: 4, kernel: 3}}
  - {name: "x\e[31mred", relu: {}}
  - {name: "[bold]m[/]", conv: {out: 2, kernel: 1}}
'''


def test_control_characters_are_escaped_in_every_format(cli, write):
    path = write(HOSTILE)
    outputs = [cli("analyze", path, *extra)[1] for extra in ([], ["--format", "markdown"], ["--format", "csv"])]
    outputs.append(cli("compare", path, path)[1])
    outputs.append(cli("compare", path, path, "--by", "layer")[1])
    outputs.append(cli("compare", path, path, "--format", "markdown")[1])
    outputs.append(cli("verify", path)[1])
    for out in outputs:
        assert "\x1b" not in out and "\x07" not in out
        assert "\\x1b" in out                 # shown as the escape, as error messages show it


def test_rich_markup_in_a_name_is_shown_not_interpreted(cli, write):
    code, out, err = cli("compare", write(HOSTILE), write(HOSTILE, "b.yaml"), "--by", "layer")
    assert code == 0, err
    assert "[bold]m[/]" in out


def cells(line: str) -> list[str]:
    """The cells of a Markdown table row, split at '|' that is not escaped."""
    return re.split(r"(?<!\\)\|", line.strip())[1:-1]


def test_markdown_escapes_names_and_descriptions(cli, write):
    code, out, err = cli("analyze", write(HOSTILE), "--format", "markdown")
    assert code == 0, err
    assert "&lt;b&gt;bold&lt;/b&gt; \\*claim\\* with a \\| pipe and \\`code\\`" in out
    assert "<b>" not in out
    table = [line for line in out.splitlines() if line.startswith("| ")]
    header = [line for line in table if "Layer" in line][0]
    rows = [line for line in table[table.index(header):] if "a\\|b" in line]
    assert rows and all(len(cells(row)) == len(cells(header)) for row in rows)
    assert "a\\|b\\*c\\_d\\_" in rows[0]
    summary = [line for line in table[:table.index(header)] if "a\\|b" in line]      # the peak line names it
    assert summary and all(len(cells(row)) == 2 for row in summary)


def test_check_markdown_keeps_a_path_with_a_pipe_in_one_cell(cli, tmp_path):
    spec = tmp_path / "a|b.yaml"
    spec.write_text((SEED / "inception_naive.yaml").read_text())
    code, out, _ = cli("check", str(spec), "--max-params", "10K", "--format", "markdown")
    assert code == 0
    header, _, row = [line for line in out.splitlines() if line.startswith("|")][:3]
    assert len(cells(row)) == len(cells(header)) == 7


def test_markdown_code_span_takes_a_longer_fence():
    from cnncalc.render.text import md_code
    assert md_code("a`b") == "``a`b``"
    assert md_code("`x") == "`` `x ``"
    assert md_code("a|b") == "`a\\|b`" and md_code("a|b", in_table=False) == "`a|b`"


# ----------------------------------------------------------------------------- widths

@pytest.mark.parametrize("width", [60, 80, 120, 250])
def test_numbers_stay_whole_at_every_width(cli, cli_json, width, monkeypatch):
    spec = str(ZOO / "resnet50.yaml")
    data = cli_json("analyze", spec)
    monkeypatch.setenv("COLUMNS", str(width))
    out = cli("analyze", spec)[1]
    table = out.split("\n\n")[1]                    # the title, then the grid up to its total row
    assert max(len(line) for line in table.splitlines()) <= width
    # each count whole: exact (25,557,032), or where the exact ones do not fit, three significant digits with
    # its unit (25.6M, fmt.human), never cut
    tokens = set(re.findall(r"[\d,.]+[KMGTP]?", out))
    short = re.search(r"\d[KMGTP]\b", table) is not None
    for layer in data["layers"]:
        for key in ("params", "macs", "flops"):
            assert (human(layer[key]) if short else f"{layer[key]:,}") in tokens, (key, layer[key])
    assert short == (width < 100)          # 100 columns hold resnet50's exact counts; 60 and 80 do not
    cmp = cli("compare", NAIVE, BOTTLENECK)[1]
    assert "8,960" in re.findall(r"[\d,]+", cmp) and "4,014,080" in re.findall(r"[\d,]+", cmp)
    checked = cli("check", spec, "--max-params", "30M")[1]
    assert "25,557,032" in re.findall(r"[\d,]+", checked)


# ----------------------------------------------------------------------------- CSV and JSON

def types_by_key(value, path="", found=None) -> dict:
    """{key path: set of JSON type names} over a document; list items share their list's path."""
    found = {} if found is None else found
    if isinstance(value, dict):
        for key, item in value.items():
            types_by_key(item, f"{path}.{key}", found)
    elif isinstance(value, list):
        for item in value:
            types_by_key(item, path + "[]", found)
    elif value is not None:
        found.setdefault(path, set()).add(type(value).__name__)
    return found


def test_json_has_one_type_per_key_over_every_spec(cli_json):
    found: dict = {}
    for spec in sorted(SEED.glob("*.yaml")) + sorted(ZOO.glob("*.yaml")):
        types_by_key(cli_json("analyze", str(spec)), found=found)
    types_by_key(cli_json("compare", NAIVE, BOTTLENECK, NAIVE), found=found)
    types_by_key(cli_json("compare", NAIVE, BOTTLENECK, "--by", "layer"), found=found)
    mixed = {key: types for key, types in found.items() if len(types) > 1}
    assert not mixed


def test_fractional_receptive_field_is_integers_over_a_denominator(cli_json):
    data = cli_json("analyze", str(SEED / "transposed_checkerboard.yaml"))
    rf = data["receptive_field"]
    # kernel 4, stride 3, transposed: output stride 1/3; size 1 + (4 - 1)/3 = 2 = 6/3
    assert rf["denominator"] == 3 and rf["stride"] == [1, 1] and rf["size"] == [6, 6]
    assert "denominator" not in data["layers"][0]["receptive_field"]      # the input: all whole
    assert data["schema"] == "cnncalc.report/3"


def test_compare_csv_value_column_is_numbers_only(cli):
    out = cli("compare", NAIVE, BOTTLENECK, "--format", "csv")[1]
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows and all(re.fullmatch(r"-?\d+", r["value"]) for r in rows)
    assert all(r["delta"] == "" or re.fullmatch(r"-?\d+", r["delta"]) for r in rows)


def test_every_document_names_a_versioned_schema(cli_json):
    for args, schema in ((["analyze", NAIVE], "cnncalc.report/3"), (["compare", NAIVE, BOTTLENECK], "cnncalc.compare/2"),
                         (["check", NAIVE, "--max-params", "1M"], "cnncalc.check/2"),
                         (["verify", FIVE, "--input", "64,8,8"], "cnncalc.verify/2"),
                         (["layers"], "cnncalc.layers/1")):
        assert cli_json(*args)["schema"] == schema
