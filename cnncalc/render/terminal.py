"""Where the report table goes: standard output, its width, and whether it may carry ANSI styles.

`analyze`'s table is plain text that this package lays out itself (render/grid.py), so it needs no console
object; importing Rich's console (about 25 ms with its table) would be most of a small spec's run time.
The style decision is Rich's own (``Console.color_system is not None``), written out, plus NO_COLOR:

* ``TTY_COMPATIBLE=0`` or ``1`` decides first; then ``FORCE_COLOR`` (set and not empty: styled; set and
  empty: not); otherwise whether the stream is a terminal;
* a terminal whose ``TERM`` is ``dumb`` or ``unknown`` gets no styles;
* ``NO_COLOR`` set and not empty: no styles (https://no-color.org).

The commands that print through Rich (compare, verify) take the same decision from their console.
"""

from __future__ import annotations

import os
import sys
from typing import IO

from cnncalc.record import record


@record
class Terminal:
    file: IO[str]
    width: int
    styled: bool


def terminal_width(default: int = 100) -> int:
    """$COLUMNS, else the width of the terminal on standard output, else ``default`` (not a terminal).
    shutil.get_terminal_size's rule, without importing shutil (it pulls in bz2, lzma and zlib)."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns    # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns if columns > 0 else default


def is_terminal(stream, environ=os.environ) -> bool:
    """Whether ``stream`` takes escape sequences: Rich's ``Console.is_terminal`` for a console on it."""
    compatible = environ.get("TTY_COMPATIBLE", "")
    if compatible in ("0", "1"):
        return compatible == "1"
    force = environ.get("FORCE_COLOR")
    if force is not None:
        return force != ""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):       # no isatty, or a closed stream
        return False


def wants_styles(stream, environ=os.environ) -> bool:
    """Whether text written to ``stream`` may carry ANSI styles (the rules in this module's docstring)."""
    if environ.get("NO_COLOR", "") != "":
        return False
    return is_terminal(stream, environ) and environ.get("TERM", "").lower() not in ("dumb", "unknown")


def terminal() -> Terminal:
    """Standard output as wide as the terminal (100 columns when it is not one)."""
    stream = sys.stdout
    return Terminal(stream, terminal_width(), wants_styles(stream))


def console(**options):
    """A Rich console as wide as the terminal, for the outputs Rich draws (compare, verify, layers,
    checkerboard; ``options`` go to Rich: ``stderr=True``, ``file=``). Rich's console is imported here, only by
    those. NO_COLOR turns off every style (Rich's own ``no_color`` keeps bold and dim); a reader that closes
    the pipe ends the command as for any other output (exit 141), not with Rich's exit status 1."""
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True
            raise BrokenPipeError

    if os.environ.get("NO_COLOR", "") != "":
        options["color_system"] = None
    options.setdefault("width", terminal_width())
    return _Console(highlight=False, **options)


def console_styles(console) -> bool:
    """The same decision for a Rich console: it has a colour system (a terminal that is not dumb, or forced)
    and NO_COLOR is not set."""
    return console.color_system is not None and not console.no_color
