"""One way out: every command's result, in the format the user asked for, onto standard output.

Each (result type, format) names its renderer, imported only when used: the table path loads no json or
csv, the JSON path no rich table code."""

from __future__ import annotations

import codecs
import importlib
import sys

import click

# (result type, format) → (module, function). 'table' is the format for people in every command. A renderer
# named print_* prints onto a console; the others return text, or its pieces (written as they come: a big
# report's JSON is never held whole).
RENDERERS = {
    ("Analysis", "table"): ("cnncalc.render.table", "print_report"),
    ("Analysis", "json"): ("cnncalc.render.report", "report_json_chunks"),
    ("Analysis", "csv"): ("cnncalc.render.report", "report_csv"),
    ("Analysis", "markdown"): ("cnncalc.render.report", "report_markdown"),
    ("Figures", "table"): ("cnncalc.render.table", "print_report"),
    ("Figures", "json"): ("cnncalc.render.report", "report_json_chunks"),
    ("Figures", "csv"): ("cnncalc.render.report", "report_csv"),
    ("Figures", "markdown"): ("cnncalc.render.report", "report_markdown"),
    ("TotalComparison", "table"): ("cnncalc.render.compare_table", "print_comparison"),
    ("TotalComparison", "json"): ("cnncalc.render.compare", "compare_json"),
    ("TotalComparison", "csv"): ("cnncalc.render.compare", "compare_csv"),
    ("TotalComparison", "markdown"): ("cnncalc.render.compare", "compare_markdown"),
    ("LayerComparison", "table"): ("cnncalc.render.compare_table", "print_layers"),
    ("LayerComparison", "json"): ("cnncalc.render.compare", "layers_json"),
    ("LayerComparison", "csv"): ("cnncalc.render.compare", "layers_csv"),
    ("LayerComparison", "markdown"): ("cnncalc.render.compare", "layers_markdown"),
    ("CheckRun", "table"): ("cnncalc.render.check", "text"),
    ("CheckRun", "json"): ("cnncalc.render.check", "check_json"),
    ("CheckRun", "markdown"): ("cnncalc.render.check", "markdown"),
    ("CheckRun", "csv"): ("cnncalc.render.check", "check_csv"),
    ("VerifyResult", "table"): ("cnncalc.render.verify", "print_result"),
    ("VerifyResult", "json"): ("cnncalc.render.verify", "result_json"),
    ("Catalogue", "table"): ("cnncalc.render.devices", "devices_text"),
    ("Catalogue", "json"): ("cnncalc.render.devices", "devices_json"),
    ("RuntimeCatalogue", "table"): ("cnncalc.render.runtimes", "runtimes_text"),
    ("RuntimeCatalogue", "json"): ("cnncalc.render.runtimes", "runtimes_json"),
}


def emit(result, output_format: str, **options) -> None:
    """Write ``result`` (an Analysis or Figures, TotalComparison, LayerComparison, CheckRun, VerifyResult or device
    Catalogue) as ``output_format``; ``options`` go to the renderer (check's ``warn_at``)."""
    module, name = RENDERERS[(type(result).__name__, output_format)]
    render = getattr(importlib.import_module(module), name)
    if name.startswith("print_"):
        from cnncalc.render import terminal
        # the report table is plain text (no Rich console to import); compare's and verify's print through Rich
        out = terminal.terminal() if module == "cnncalc.render.table" else terminal.console()
        render(result, out, **options)
    else:
        text = render(result, **options)
        for piece in ((text,) if isinstance(text, str) else text):
            click.echo(piece, nl=False)


def write_text(text: str, path) -> None:
    """``text`` into the file ``path`` (UTF-8), or onto standard output when ``path`` is None (export, import)."""
    if path is None:
        click.echo(text, nl=False)
        return
    try:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as err:
        raise click.FileError(path, err.strerror) from None


def binary_stdout():
    """Standard output's byte stream (an image, an SVG file), beneath any :class:`FallbackWriter`."""
    stream = sys.stdout
    if isinstance(stream, FallbackWriter):
        stream = stream.wrapped
    return stream.buffer


# ----------------------------------------------------------------------------- any stream encoding

class FallbackWriter:
    """A text stream that never fails to encode: characters its encoding lacks become ASCII stand-ins
    (cnncalc.render.text: '≤' → '<=', '×' → 'x', other characters as backslash escapes).

    It has no ``buffer`` on purpose: Click writes to such a stream as it is, instead of re-wrapping an ASCII
    stream's bytes as UTF-8."""

    def __init__(self, stream):
        from cnncalc.render.text import ERROR_HANDLER

        self._stream = stream
        self.wrapped = stream            # the stream written to (its bytes: binary_stdout)
        self.encoding = stream.encoding
        self.errors = ERROR_HANDLER
        self._encoding = codecs.lookup(stream.encoding).name

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except UnicodeEncodeError:
            safe = text.encode(self._encoding, self.errors).decode(self._encoding)
            self._stream.write(safe)
            return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()

    def writable(self) -> bool:
        return True

    @property
    def closed(self) -> bool:
        return self._stream.closed


_UNICODE = ("utf-8", "utf-16", "utf-32", "utf-8-sig", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")


def install_fallback() -> None:
    """Make standard output and standard error safe for every character cnncalc writes, whatever their
    encoding (PYTHONIOENCODING=cp1252, a Windows runner, LANG=C): one wrapper around each stream whose
    encoding is not a Unicode one; a UTF stream stays as it is (nothing to do, no cost)."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        encoding = getattr(stream, "encoding", None)
        if stream is None or not encoding or isinstance(stream, FallbackWriter):
            continue
        try:
            if codecs.lookup(encoding).name in _UNICODE:
                continue
        except LookupError:
            continue
        setattr(sys, name, FallbackWriter(stream))
