"""Errors the core raises. The CLI turns them into one-line messages and exit codes.

Every error about a spec carries where it happened: the file, the line and column (1-based), and the
path of the layer (``layer2.1.conv2``) when one is known.
"""

from __future__ import annotations

from enum import IntEnum

from cnncalc.record import record


class ExitCode(IntEnum):
    """The statuses cnncalc exits with. Two failures share 1, as a CI job reads them: ``check`` found a
    limit exceeded, or ``verify`` found the analysis and the execution disagree (an alias of the same value)."""
    OK = 0
    BUDGET_EXCEEDED = 1
    DISAGREEMENT = 1
    BAD_INPUT = 2
    INTERNAL_ERROR = 3


@record(slots=True)
class Location:
    file: str = "<spec>"
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        text = self.file
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        return text


class CnncalcError(Exception):
    """Base of every error the user can cause. Never an internal bug."""

    exit_code = ExitCode.BAD_INPUT


class SpecError(CnncalcError):
    """A spec that cannot be read, built or analysed."""

    def __init__(self, message: str, location: Location | None = None, layer: str | None = None):
        super().__init__(message)
        self.message = message
        self.location = location
        self.layer = layer

    def at(self, location: Location | None = None, layer: str | None = None) -> "SpecError":
        """The same error, with location or layer filled in where they were missing."""
        return SpecError(self.message, self.location or location, self.layer or layer)

    def __str__(self) -> str:
        parts = []
        if self.location is not None:
            parts.append(str(self.location))
        if self.layer:
            parts.append(f"layer '{shorten(self.layer)}'")
        prefix = ": ".join(parts)
        message = shorten(self.message, 1000)
        return printable(f"{prefix}: {message}" if prefix else message)


class LayerArgError(ValueError):
    """Raised by a layer's own checks; the graph builder adds the location and layer path."""

    def __init__(self, message: str, key: str | None = None):
        super().__init__(message)
        self.key = key


def shorten(text: str, limit: int = 200) -> str:
    """Text of at most about ``limit`` characters: the middle of a longer one becomes '…'."""
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}…{text[-half:]}"


def printable(text: str) -> str:
    """Control characters (a spec's name may hold a newline or a terminal escape) written as escapes, so that
    an error stays one harmless line."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


def brief(value, limit: int = 60) -> str:
    """A short repr of a YAML value for an error message, however big or deeply nested the value is.

    Costs at most a few dozen steps: a huge list (or a document full of aliases) is cut short, not printed.
    """
    if isinstance(value, str):
        return repr(shorten(value, limit))
    if isinstance(value, (list, tuple, dict)):
        if limit < 8:
            return "[…]" if isinstance(value, (list, tuple)) else "{…}"
        if isinstance(value, dict):
            items = [f"{brief(k, 20)}: {brief(v, limit // 3)}" for k, v in _first(value.items(), 4)]
            opening, closing = "{", "}"
        else:
            items = [brief(v, limit // 3) for v in _first(value, 4)]
            opening, closing = "[", "]"
        if len(value) > len(items):
            items.append(f"… {len(value) - len(items)} more")
        return opening + ", ".join(items) + closing
    return shorten(repr(value), limit)


def _first(items, n: int) -> list:
    out: list = []
    for item in items:
        if len(out) == n:
            break
        out.append(item)
    return out


def did_you_mean(word: str, choices) -> str:
    """' (did you mean 'conv'?)' or '' when nothing is close."""
    import difflib   # only on the error path
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
