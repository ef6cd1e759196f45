"""Shared helpers: build a spec from text and analyse it; run the CLI."""

from __future__ import annotations

import json
import textwrap

import pytest
from click.testing import CliRunner

from cnncalc.analysis import analyze
from cnncalc.cli import main
from cnncalc.spec import parse_spec
from slow_tests import SLOW, STALE


def report_of(text: str, **kwargs):
    """Analyse a spec given as YAML text."""
    return analyze(parse_spec(textwrap.dedent(text), "test.yaml"), **kwargs)


def one_layer(input_shape, layer_yaml: str):
    """The analysed row of a single layer applied to ``input_shape`` (flow-style YAML for the layer)."""
    report = report_of(f"input: {list(input_shape)}\nlayers:\n  - {layer_yaml}\n")
    return report.rows[1]


@pytest.fixture(autouse=True)
def no_inherited_width(monkeypatch):
    """Every test starts without $COLUMNS: the width a command wraps at is what the test sets, never the
    terminal pytest runs in nor the COLUMNS=80 that pytest-xdist gives its workers."""
    monkeypatch.delenv("COLUMNS", raising=False)


@pytest.fixture
def cli():
    """Run cnncalc; returns (exit_code, stdout, stderr)."""
    runner = CliRunner()

    def run(*args, input=None):
        result = runner.invoke(main, list(args), input=input, catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr
    return run


@pytest.fixture
def cli_json(cli):
    def run(*args):
        code, out, err = cli(*args, "--format", "json")
        assert code == 0, err
        return json.loads(out)
    return run


@pytest.fixture
def write(tmp_path):
    """Write a spec file from text; returns its path as a string."""
    def make(text: str, name: str = "spec.yaml") -> str:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text))
        return str(path)
    return make


# a small network several test modules analyse (figures derived where each test uses them)
SMALL = """
name: small
input: [3, 8, 8]
layers:
  - conv: {out: 4, kernel: 3, padding: 1}
  - relu
  - maxpool: {kernel: 2}
  - flatten
  - dense: {out: 10}
"""


# ---------------------------------------------------------------------------------------- the fast tier
# `pytest -m "not slow"` leaves out the tests tests/slow_tests.py lists (the reason beside each)


@pytest.hookimpl(tryfirst=True)          # before -k and -m deselect, so every collected test is seen
def pytest_collection_modifyitems(config, items):
    marked, files = set(), set()
    for item in items:
        function = item.nodeid.split("[", 1)[0]
        path = function.split("::", 1)[0]
        files.add(path)
        key = function if function in SLOW else path if path in SLOW else None
        if key is not None:
            item.add_marker(pytest.mark.slow)
            marked.add(key)
    # an entry whose file was collected but that matched nothing: tests/test_suite_hygiene.py fails on it
    STALE[:] = [key for key in SLOW if key.split("::", 1)[0] in files and key not in marked]
