"""Display formatting of exact numbers. Counts stay ints until they reach these functions."""

from __future__ import annotations

from fractions import Fraction

_SI = ((10**15, "P"), (10**12, "T"), (10**9, "G"), (10**6, "M"), (10**3, "K"))
_BINARY = ((2**50, "PiB"), (2**40, "TiB"), (2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB"))


def _three_digits(value: int, unit: int) -> str:
    """value/unit to three significant digits, rounded half-even in exact arithmetic (no floats)."""
    q = Fraction(value, unit)
    digits = len(str(int(q)))
    decimals = max(3 - digits, 0)
    r = round(q * 10**decimals)
    if r >= 10 ** (digits + decimals):          # 9.995 → 10.0, not 10.00
        digits += 1
        decimals = max(3 - digits, 0)
        r = round(q * 10**decimals)
    text = str(r)
    if decimals:
        text = text.rjust(decimals + 1, "0")
        text = f"{text[:-decimals]}.{text[-decimals:]}"
    return text


def count(n: int) -> str:
    """Exact int with thousands separators: 25,557,032."""
    return f"{n:,}"


def human(n: int) -> str:
    """25.6M, 4.09G, 960: three significant digits, powers of 1000."""
    if n < 0:
        return "-" + human(-n)
    for i, (unit, suffix) in enumerate(_SI):
        if n >= unit:
            text = _three_digits(n, unit)
            if text == "1000" and i > 0:               # 999.5K rounds to 1.00M
                return _three_digits(n, _SI[i - 1][0]) + _SI[i - 1][1]
            return text + suffix
    return str(n)


def nbytes(n: int) -> str:
    """Bytes in binary units: 97.5 MiB."""
    for unit, suffix in _BINARY:
        if n >= unit:
            return f"{_three_digits(n, unit)} {suffix}"
    return f"{n} B"


def number(value) -> str:
    """An exact int or Fraction for display (fractions as p/q); None as '?'."""
    if value is None:
        return "?"
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}" if value.denominator != 1 else str(value.numerator)
    return str(value)


def shape(dims) -> str:
    return "[" + ", ".join(str(d) for d in dims) + "]"


def dims(values) -> str:
    """Compact shape for tables: 512×28×28."""
    return "×".join(str(d) for d in values)


def per_axis(values) -> str:
    """'7' when every axis agrees, '7×5' otherwise, '-' for no spatial axes."""
    texts = [number(v) for v in values]
    if not texts:
        return "-"
    return texts[0] if len(set(texts)) == 1 else "×".join(texts)
