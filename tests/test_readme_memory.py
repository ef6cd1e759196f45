"""README's peak-memory section: every `$ cnncalc ...` command in it runs and prints exactly the lines shown
under it (run from the repository root, as the README writes the paths)."""

from __future__ import annotations

import shlex
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _examples(section: str) -> list:
    """(argv, expected output lines) of each indented `$ cnncalc` block in the README section."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    body = text.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    examples, current = [], None
    for line in body.splitlines():
        if line.startswith("    $ cnncalc "):
            current = (shlex.split(line[len("    $ "):].split("  #")[0])[1:], [])
            examples.append(current)
        elif current is not None and line.startswith("    "):
            current[1].append(line[4:])
        else:
            current = None
    return examples


def test_the_peak_memory_example_is_the_real_output(cli, monkeypatch):
    monkeypatch.chdir(REPO)
    examples = _examples("Will it fit? Peak memory, training memory, latency")
    assert examples, "the README section has no example"
    for argv, expected in examples:
        code, out, _ = cli(*argv)
        assert code == 0
        assert out.splitlines() == expected
