"""Text that is safe to show anywhere: ASCII stand-ins for the characters an output encoding lacks (one codec
error handler, installed on the streams by cnncalc.cli.output), control characters written as escapes, and
Markdown-escaped names and descriptions."""

from __future__ import annotations

import codecs

from cnncalc.errors import printable

ERROR_HANDLER = "cnncalc-ascii"

# The characters cnncalc itself writes, and their ASCII stand-ins. Anything else the encoding lacks (a name in
# another script) becomes a backslash escape, as in Python's 'backslashreplace'.
ASCII = {
    "≤": "<=", "≥": ">=", "×": "x", "→": "->", "←": "<-", "↦": "|->", "−": "-", "–": "-", "—": "-", "…": "...",
    "·": "*", "½": "1/2", "²": "^2", "³": "^3", "⌊": "floor(", "⌋": ")", "⌈": "ceil(", "⌉": ")", "≡": "==",
    "≠": "!=", "≈": "~", "∞": "inf", "√": "sqrt", "‖": "||", "Σ": "sum", "α": "alpha", "β": "beta",
    "γ": "gamma", "ε": "eps", "λ": "lambda", "µ": "u", "μ": "u", "Φ": "Phi", "✓": "ok", "✗": "X", "✅": "[ok]",
    "❌": "[X]", "⚠": "[!]", "\ufe0f": "", "\u00a0": " ", "•": "*", "ć": "c", "é": "e",
}


def ascii_for(ch: str) -> str:
    """The ASCII stand-in of one character: from the table, box drawing as '-', '|' or '+', else an escape."""
    if ch in ASCII:
        return ASCII[ch]
    code = ord(ch)
    if 0x2500 <= code <= 0x257F:                      # box drawing: rules, bars and corners
        return "-" if code in (0x2500, 0x2501, 0x2504, 0x2505, 0x2508, 0x2509, 0x254C, 0x254D, 0x2550) else \
            "|" if code in (0x2502, 0x2503, 0x2506, 0x2507, 0x250A, 0x250B, 0x254E, 0x254F, 0x2551) else "+"
    if 0x2580 <= code <= 0x259F:                      # block elements (bars)
        return "#"
    return ch.encode("ascii", "backslashreplace").decode("ascii")


def _fallback(err: UnicodeError):
    if not isinstance(err, UnicodeEncodeError):
        raise err
    return "".join(ascii_for(ch) for ch in err.object[err.start:err.end]), err.end


codecs.register_error(ERROR_HANDLER, _fallback)


def to_ascii(text: str) -> str:
    """``text`` with every non-ASCII character replaced by its stand-in."""
    return text.encode("ascii", ERROR_HANDLER).decode("ascii")


def shown(text) -> str:
    """A name or description as text output shows it: control characters as escapes (``\\x1b``, ``\\n``),
    the way error messages show them."""
    return printable(str(text))


_MD_SPECIAL = {c: "\\" + c for c in "\\`*_[]|~#"}
_MD_SPECIAL.update({"<": "&lt;", ">": "&gt;", "&": "&amp;"})
_MD_TABLE = str.maketrans(_MD_SPECIAL)


def md_text(text) -> str:
    """Text from a spec (a name, a description) for Markdown: shown() and every character Markdown or HTML
    would interpret escaped, so that '|' cannot split a table cell, '*' and '_' cannot emphasise and raw HTML
    is shown, not rendered."""
    return shown(text).translate(_MD_TABLE)


def md_code(text, in_table: bool = True) -> str:
    """Text from a spec as a Markdown code span: nothing in it is interpreted, a backtick in it gets a longer
    fence, and in a table cell '|' is escaped (GitHub splits table cells at '|' even in a code span)."""
    text = shown(text)
    if in_table:
        text = text.replace("|", "\\|")
    run = longest = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"
