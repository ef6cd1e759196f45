"""The report table's terminal: which streams get ANSI styles (Rich's rule, written out, plus NO_COLOR), and
that `analyze`'s table does not import Rich's console."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cnncalc.render.grid import BOLD, DIM
from cnncalc.render.terminal import wants_styles

ROOT = Path(__file__).resolve().parent.parent
NAIVE = str(ROOT / "specs" / "seed" / "inception_naive.yaml")


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


CASES = [
    ({}, True, True),                                        # a terminal
    ({}, False, False),                                      # a pipe or a file
    ({"FORCE_COLOR": "1"}, False, True),                     # https://force-color.org: any non-empty value
    ({"FORCE_COLOR": ""}, True, False),                      # set but empty: not a terminal
    ({"TTY_COMPATIBLE": "0", "FORCE_COLOR": "1"}, True, False),   # decides before FORCE_COLOR
    ({"TTY_COMPATIBLE": "1"}, False, True),
    ({"TERM": "dumb"}, True, False),
    ({"TERM": "Unknown"}, True, False),
    ({"TERM": "xterm-256color"}, True, True),
    ({"NO_COLOR": "1"}, True, False),                        # https://no-color.org
    ({"NO_COLOR": ""}, True, True),                          # empty: as if not set
    ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, False, False),
]


@pytest.mark.parametrize("environ, tty, styled", CASES)
def test_which_streams_get_styles(environ, tty, styled):
    stream = _Tty() if tty else io.StringIO()
    assert wants_styles(stream, environ) is styled
    if environ.get("NO_COLOR", "") == "":
        # where NO_COLOR does not decide, the rule is Rich's: its console on the same stream and environment
        # has a colour system exactly where styles are wanted
        from rich.console import Console
        console = Console(file=stream)
        console._environ = environ
        assert (console._detect_color_system() is not None) is styled


def _analyze(*extra_env: tuple[str, str]):
    env = {key: value for key, value in os.environ.items()
           if key not in ("FORCE_COLOR", "NO_COLOR", "TTY_COMPATIBLE", "TERM")}
    env.update(dict(extra_env))
    return subprocess.run([sys.executable, "-X", "importtime", "-m", "cnncalc", "analyze", NAIVE],
                          capture_output=True, text=True, env=env, check=True)


def test_analyze_styles_its_table_only_where_asked():
    forced = _analyze(("FORCE_COLOR", "1")).stdout
    assert forced.startswith(BOLD) and DIM in forced
    assert "\x1b[" not in _analyze().stdout                             # a pipe
    assert "\x1b[" not in _analyze(("FORCE_COLOR", "1"), ("NO_COLOR", "1")).stdout
    assert "\x1b[" not in _analyze(("FORCE_COLOR", "1"), ("TERM", "dumb")).stdout


def test_analyze_table_does_not_import_rich_console():
    # -X importtime lists every module the run imports, one a line, on standard error
    run = _analyze(("FORCE_COLOR", "1"))
    modules = {line.rsplit("|", 1)[-1].strip() for line in run.stderr.splitlines() if "|" in line}
    assert "cnncalc.render.grid" in modules and "rich.cells" in modules
    assert not {"rich.console", "rich.table", "shutil", "json", "csv"} & modules
