"""Fuzzing the CLI with specs that are valid, nearly valid and garbage (tests/robust/fuzzkit.py).

Each property drives `cnncalc analyze` in-process and checks the contract of fuzzkit.check_run: exit 0, 1
or 2, never a traceback, never an internal error (exit 3); an exit-2 message names the file, and the line
when the spec was a readable YAML mapping. About 3,000 cases in all, derandomized so CI is reproducible.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from cnncalc.cli import main
from fuzzkit import FUZZ, check_json_totals, check_run, dump, garbage_text, mutated_doc, spec_doc, text_mutation

FORMATS = st.sampled_from(["json", "json", "csv", "markdown", "table"])


@pytest.fixture(scope="module")
def spec_file(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz") / "fuzzed.yaml"


def run(path, text: bytes, fmt: str, via_stdin: bool = False):
    runner = CliRunner()
    if via_stdin:
        return runner.invoke(main, ["analyze", "-", "--format", fmt], input=text), "<stdin>"
    path.write_bytes(text)
    return runner.invoke(main, ["analyze", str(path), "--format", fmt]), str(path)


@FUZZ.__class__(FUZZ, max_examples=600)
@given(doc=spec_doc(), fmt=FORMATS, flow=st.sampled_from([None, True, False]))
def test_generated_specs(spec_file, doc, fmt, flow):
    text = dump(doc, flow)
    result, source = run(spec_file, text, fmt)
    check_run(result, source, text)
    if result.exit_code == 0 and fmt == "json":
        check_json_totals(result.stdout)


@FUZZ.__class__(FUZZ, max_examples=1200)
@given(doc=mutated_doc(), fmt=FORMATS)
def test_mutated_structures(spec_file, doc, fmt):
    text = dump(doc)
    result, source = run(spec_file, text, fmt)
    check_run(result, source, text)
    if result.exit_code == 0 and fmt == "json":
        check_json_totals(result.stdout)


@FUZZ.__class__(FUZZ, max_examples=800)
@given(text=text_mutation(), via_stdin=st.booleans())
def test_mutated_text(spec_file, text, via_stdin):
    result, source = run(spec_file, text, "json", via_stdin)
    check_run(result, source, text)


@FUZZ.__class__(FUZZ, max_examples=600)
@given(text=garbage_text(), via_stdin=st.booleans())
def test_garbage(spec_file, text, via_stdin):
    result, source = run(spec_file, text, "csv", via_stdin)
    check_run(result, source, text)
