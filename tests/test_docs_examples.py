"""Every command README.md and docs/*.md show is run, and prints what they show (so the docs cannot drift).

What counts as an example: a line of an indented code block, or of a fenced block with no language or a
shell one (sh, bash, console, shell), that starts with `$ cnncalc ` or `cnncalc `. In a block with `$`
lines the lines under each `$ cnncalc ...` line, up to the next `$` line or the block's end, are its
output; a bare `cnncalc ...` line shows no output and must exit 0. An example whose block has no output
lines and whose command writes Markdown (`--format markdown`) shows its output rendered: the doc's lines
right after the block that are blank, list items (`- `) or table rows (`|`).

Each runs from the repository root, in-process on `cnncalc.cli.main` with COLUMNS=100 (as the docs were
made), or as a subprocess through a shell where it redirects (`>`), in a scratch folder. A file the
command names that the repository lacks is written from the doc's block ```` ```yaml file=NAME ````.

Complete and excerpt outputs (EXCERPT_MARKERS, the one place they are defined):
- an output is an excerpt when the command's comment (`# ...`) or the doc's line right after the shown
  output contains one of EXCERPT_MARKERS ("an excerpt", "left out", "rows abridged"); its lines must
  appear in the real output in order (an ordered subsequence), a line `...` standing for lines left out;
- any other shown output must equal the real output line by line (trailing spaces ignored).
The exit status expected: 2 when the output shown is an error (`cnncalc: error:`), 1 when it reports a
failed check (`cnncalc check FAILED`) or a disagreement (`verify: ... disagree`), else 0.

NOT_RUN lists, with the reason, each example not run here; the examples found must be exactly those run
plus those listed, so a new example in the docs cannot be skipped silently.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cnncalc.cli import main

REPO = Path(__file__).resolve().parent.parent
DOCS = ["README.md"] + sorted(f"docs/{p.name}" for p in (REPO / "docs").glob("*.md"))
EXCERPT_MARKERS = ("an excerpt", "left out", "rows abridged")
SHELL_FENCES = {"", "sh", "bash", "console", "shell"}
FILE_BLOCK = re.compile(r"^```\w+ file=(\S+)\n(.*?)^```", re.S | re.M)

ADDING = "docs/adding-a-layer.md"
PLUGIN = "needs the plug-in `softshrink` installed: tests/test_plugin_probe.py installs it and runs this"
NOT_RUN = {
    (ADDING, "cnncalc analyze shrinkage.yaml"): PLUGIN,
    (ADDING, "cnncalc analyze shrinkage.yaml --format json"): PLUGIN,
    (ADDING, "cnncalc layers softshrink"): PLUGIN,
    (ADDING, "cnncalc explain shrinkage.yaml shrink"): PLUGIN,
    (ADDING, "cnncalc verify shrinkage.yaml"): PLUGIN,
    (ADDING, "cnncalc export shrinkage.yaml --to pytorch"): PLUGIN,
    ("docs/ci.md", "cnncalc check model.yaml --max-training-memory 16GiB --batch 64 --optimizer adam"):
        "model.yaml stands for the reader's spec; the training-memory limit is run by tests/test_memory_cli.py",
    ("docs/ci.md", "cnncalc check model.yaml --max-latency 5ms --device jetson-orin-nano"):
        "model.yaml stands for the reader's spec; the latency limit is run by tests/test_memory_cli.py",
    ("docs/ci.md", "cnncalc check models/resnet50.yaml --baseline old/resnet50.yaml --max-increase 5%"):
        "models/ and old/ stand for a project's folders; tests/test_ci_docs.py runs --baseline on a folder",
    ("docs/ci.md", "cnncalc check models/*.yaml --baseline /tmp/base --max-increase 5% --max-increase params=1%"):
        "models/ and /tmp/base stand for a project's folders; tests/test_ci_docs.py runs --baseline on a folder",
    ("docs/verify.md", "cnncalc verify SPEC [--input C,H,W] [--seed N] [--max-work COUNT] [--max-layer-weights COUNT]"):
        "a synopsis (SPEC and options in brackets), not a command",
}


class Example:
    def __init__(self, doc: str, line: int, command: str, comment: str, shown: list[str] | None,
                 after: str):
        self.doc, self.line, self.command, self.comment = doc, line, command, comment
        self.shown = shown            # None: the doc shows no output
        self.after = after            # the doc's first non-blank line after the shown output

    @property
    def key(self) -> tuple[str, str]:
        return (self.doc, self.command)

    @property
    def excerpt(self) -> bool:
        return any(m in self.comment or m in self.after for m in EXCERPT_MARKERS)

    def status(self) -> int:
        text = "\n".join(self.shown or [])
        if text.startswith("cnncalc: error:"):
            return 2
        if "cnncalc check FAILED" in text or re.search(r"^verify: .*disagree", text, re.M):
            return 1
        return 0

    def __repr__(self) -> str:
        return f"{self.doc}:{self.line}: {self.command}"


def _blocks(lines: list[str]) -> list[tuple[int, list[str], int]]:
    """(first line index, the block's lines, index after the block) of each shell code block."""
    blocks, i = [], 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            end = next((j for j in range(i + 1, len(lines)) if lines[j].startswith("```")), len(lines))
            if line[3:].split(" ")[0].strip() in SHELL_FENCES:
                blocks.append((i + 1, lines[i + 1:end], end + 1))
            i = end + 1
        elif line.startswith("    ") and (i == 0 or not lines[i - 1].strip()):
            j = i
            while j < len(lines) and (lines[j].startswith("    ") or not lines[j].strip()):
                j += 1
            body = [b[4:] for b in lines[i:j]]
            while body and not body[-1].strip():
                body.pop()
            blocks.append((i, body, i + len(body)))
            i = j
        else:
            i += 1
    return blocks


def _split_comment(text: str) -> tuple[str, str]:
    command, _, comment = text.partition("  #")
    return command.strip(), comment.strip()


def examples(doc: str) -> list[Example]:
    lines = (REPO / doc).read_text(encoding="utf-8").splitlines()
    found = []
    for start, body, after in _blocks(lines):
        transcript = any(b.startswith("$ ") for b in body)
        for k, line in enumerate(body):
            if transcript and line.startswith("$ cnncalc "):
                command, comment = _split_comment(line[2:])
                rest = body[k + 1:]
                end = next((n for n, r in enumerate(rest) if r.startswith("$ ")), len(rest))
                shown = rest[:end]
                tail = lines[after:] if end == len(rest) else []
                if not shown and "--format markdown" in command:   # shown rendered after the block
                    n = 0
                    while n < len(tail) and (not tail[n].strip() or tail[n].startswith(("- ", "|"))):
                        n += 1
                    shown, tail = tail[:n], tail[n:]
                while shown and not shown[-1].strip():
                    shown.pop()
                while shown and not shown[0].strip():
                    shown.pop(0)
                next_line = next((t for t in tail if t.strip()), "")
                found.append(Example(doc, start + k + 1, command, comment, shown or None, next_line))
            elif not transcript and line.startswith("cnncalc "):
                command, comment = _split_comment(line)
                found.append(Example(doc, start + k + 1, command, comment, None, ""))
    return found


ALL = [e for doc in DOCS for e in examples(doc)]
RUN = [e for e in ALL if e.key not in NOT_RUN]


def test_every_example_is_run_or_listed_with_a_reason():
    found = {e.key for e in ALL}
    assert found == {e.key for e in RUN} | set(NOT_RUN), set(NOT_RUN) - found
    assert len(found) == len(ALL), "two examples of one doc run the same command"
    # the parser sees what the docs hold: at least these, in these docs
    assert {("README.md", "cnncalc checkerboard --kernel 3 --stride 2"),
            ("docs/ci.md", "cnncalc check --budget specs/budgets.yaml"),
            ("README.md", "cnncalc schema > cnncalc-spec.schema.json")} <= found


def _files(doc: str, directory: Path) -> None:
    """Write each ```` ```LANG file=NAME ```` block of the doc that the repository does not have."""
    for name, text in FILE_BLOCK.findall((REPO / doc).read_text(encoding="utf-8")):
        if not (REPO / name).exists():
            (directory / name).parent.mkdir(parents=True, exist_ok=True)
            (directory / name).write_text(text)


def _run(example: Example, tmp_path: Path) -> tuple[int, str]:
    if ">" in example.command or "|" in example.command:   # a shell's redirection: a real process
        bindir = Path(sys.executable).parent
        env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}", "COLUMNS": "100"}
        result = subprocess.run(example.command, shell=True, cwd=tmp_path, env=env, capture_output=True,
                                text=True, timeout=120)
        return result.returncode, result.stdout + result.stderr
    argv = shlex.split(example.command)[1:]
    _files(example.doc, tmp_path)
    # names the repository lacks are read from the scratch folder, with the name the doc prints
    missing = [a for a in argv if a.endswith((".yaml", ".yml")) and not (REPO / a).exists()]
    cwd = tmp_path if missing else REPO
    os.chdir(cwd)
    result = CliRunner().invoke(main, argv, env={"COLUMNS": "100"}, catch_exceptions=False)
    return result.exit_code, result.stdout + result.stderr


def _subsequence(shown: list[str], real: list[str]) -> list[str]:
    """The shown lines (trailing spaces dropped) not found in order in the real output."""
    it = iter(real)
    return [s for s in shown if s != "..." and not any(r == s for r in it)]


@pytest.mark.parametrize("example", RUN, ids=repr)
def test_example_prints_what_the_doc_shows(example, tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    code, out = _run(example, tmp_path)
    assert code == example.status(), f"{example}: exit {code}\n{out}"
    real = [line.rstrip() for line in out.splitlines()]
    if example.shown is None:
        if "schema >" in example.command:
            written = example.command.split(">")[1].strip()
            assert json.loads((tmp_path / written).read_text())["$schema"].startswith("https://json-schema")
        return
    shown = [line.rstrip() for line in example.shown]
    if example.excerpt:
        assert not _subsequence(shown, real), (f"{example}: not in the real output, in order:\n"
                                               + "\n".join(_subsequence(shown, real)) + "\n---\n" + out)
    else:
        assert "..." not in shown, f"{example}: shows '...' but is not marked as an excerpt"
        while real and not real[-1]:
            real.pop()
        assert real == shown, f"{example}: the real output differs:\n{out}"
