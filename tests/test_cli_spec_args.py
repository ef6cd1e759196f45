"""--set on every command that reads a spec, and compare --sweep (docs/spec.md, "Arguments")."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cnncalc.cli import main

SPEC = """\
args: {width: 1.0, size: 8}
input: [3, $size, $size]
layers:
  - {name: c, conv: {out: 'make_divisible(16 * $width, 8)', kernel: 3, padding: 1}}
  - relu
"""


@pytest.fixture
def path(tmp_path):
    p = tmp_path / "family.yaml"
    p.write_text(SPEC)
    return str(p)


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_analyze_set(path):
    result = run("analyze", path, "--set", "width=2", "--set", "size=4", "-f", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    # out make_divisible(32, 8) = 32; params 32·3·9 + 32 = 896
    assert data["output"] == [32, 4, 4] and data["totals"]["params"] == 896


@pytest.mark.parametrize("command", [
    ["analyze"], ["compare", "SPEC"], ["check", "--max-params", "1G"], ["verify"], ["graph"], ["explain", "SPEC", "c"],
])
def test_every_command_takes_set_and_refuses_an_unknown_name(path, command):
    name, *rest = command
    args = [name, path, *[path if a == "SPEC" else a for a in rest]]
    if name == "explain":
        args = [name, path, "c"]
    ok = run(*args, "--set", "width=0.5")
    assert ok.exit_code == 0, ok.output
    bad = run(*args, "--set", "depth=2")
    assert bad.exit_code == 2
    assert "the spec has no argument 'depth'" in bad.output and "its args: width, size" in bad.output


def test_set_reaches_the_figures_of_explain_and_graph(path):
    assert "[24, 8, 8]" in run("explain", path, "c", "--set", "width=1.5").output      # make_divisible(24, 8)
    assert "24×8×8" in run("graph", path, "--set", "width=1.5").output


def test_set_must_be_name_equals_value(path):
    result = run("analyze", path, "--set", "width")
    assert result.exit_code == 2 and "NAME=VALUE" in result.output


def test_sweep_makes_one_column_per_value(path):
    result = run("compare", path, "--sweep", "width=0.5,1.0,2.0", "-f", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [one["name"] for one in data["specs"]] == ["width=0.5", "width=1.0", "width=2.0"]
    params = data["totals"]["params"]["values"]
    # out 8 (make_divisible(8, 8)), 16, 32: 3·9·out + out = 28·out
    assert params == [224, 448, 896]


def test_sweep_needs_one_spec_and_two_values(path):
    assert run("compare", path, path, "--sweep", "width=1,2").exit_code == 2
    assert run("compare", path, "--sweep", "width=1").exit_code == 2
    assert run("compare", path, "--sweep", "width=1,2", "--set", "width=3").exit_code == 2
    unknown = run("compare", path, "--sweep", "depth=1,2")
    assert unknown.exit_code == 2 and "its args: width, size" in unknown.output
