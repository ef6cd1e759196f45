"""Display of exact changes: '−42.9%', '×0.571', '−3,840 (−42.9%, ×0.571)'. Rounded only here, half-even,
in exact arithmetic (no floats). ``ascii=True`` writes '-' instead of the minus sign '−' and 'x' for '×'."""

from __future__ import annotations

from fractions import Fraction

from cnncalc.render import fmt
from cnncalc.units import BYTES

MINUS = "\u2212"


def _sign(negative: bool, ascii: bool) -> str:
    return ("-" if ascii else MINUS) if negative else "+"


def significant(q: Fraction, digits: int = 3) -> str:
    """A positive exact number to `digits` significant digits: 4/7 → '0.571', 5/4 → '1.25', 1234 → '1,230'."""
    if q < 0:
        raise ValueError("significant() takes a number ≥ 0")
    if q == 0:
        return "0"
    low, high = 10 ** (digits - 1), 10 ** digits
    k = 0
    while q * Fraction(10) ** k < low:
        k += 1
    while q * Fraction(10) ** k >= high:
        k -= 1
    r = round(q * Fraction(10) ** k)
    if r == high:                      # 0.9995 → 1.00, not 1.000
        r, k = low, k - 1
    if k <= 0:
        return fmt.count(r * 10 ** (-k))
    text = str(r).rjust(k + 1, "0")
    return f"{text[:-k]}.{text[-k:]}"


def percent(relative: Fraction, ascii: bool = False) -> str:
    """(value − base)/base as a signed percentage with one decimal: −3/7 → '−42.9%'. A change that rounds
    to 0.0 but is not zero shows as '+<0.1%'."""
    if relative == 0:
        return "0.0%"
    tenths = round(abs(relative) * 1000)
    sign = _sign(relative < 0, ascii)
    if tenths == 0:
        return f"{sign}<0.1%"
    return f"{sign}{fmt.count(tenths // 10)}.{tenths % 10}%"


def ratio(q: Fraction, ascii: bool = False) -> str:
    """value/base: 4/7 → '×0.571'."""
    return ("x" if ascii else "×") + significant(q)


def amount(value: int, kind: str) -> str:
    """A count '8,960' or a byte size '35.0 KiB'."""
    return fmt.nbytes(value) if kind == BYTES else fmt.count(value)


def delta(value: int, kind: str, ascii: bool = False) -> str:
    """A signed difference: '−3,840', '+98.0 KiB'."""
    if value == 0:
        return "0"
    return _sign(value < 0, ascii) + amount(abs(value), kind)


def change(c, kind: str, ascii: bool = False) -> str:
    """'−3,840 (−42.9%, ×0.571)'; '=' when equal; '+5 (from 0)' when the base is 0."""
    if c.delta == 0:
        return "="
    if c.ratio is None:
        return f"{delta(c.delta, kind, ascii)} (from 0)"
    return f"{delta(c.delta, kind, ascii)} ({percent(c.relative, ascii)}, {ratio(c.ratio, ascii)})"
