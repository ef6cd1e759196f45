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


def scientific(n: int) -> str:
    """A number past the largest unit, to three significant digits, half-even: 1.23e21."""
    exponent = len(str(n)) - 1
    r = round(Fraction(n, 10 ** (exponent - 2)))
    if r == 1000:                               # 9.995e20 → 1.00e21
        r, exponent = 100, exponent + 1
    return f"{r // 100}.{r % 100:02d}e{exponent}"


def count(n: int) -> str:
    """Exact int with thousands separators: 25,557,032."""
    return f"{n:,}"


def human(n: int) -> str:
    """25.6M, 4.09G, 960: three significant digits, powers of 1000; from 1000P on, 1.00e18."""
    if n < 0:
        return "-" + human(-n)
    for i, (unit, suffix) in enumerate(_SI):
        if n >= unit:
            text = _three_digits(n, unit)
            if len(text) > 3 and "." not in text:      # 999.5K rounds to 1.00M; past P there is no unit
                return scientific(n) if i == 0 else _three_digits(n, _SI[i - 1][0]) + _SI[i - 1][1]
            return text + suffix
    return str(n)


def nbytes(n: int) -> str:
    """Bytes in binary units: 97.5 MiB; from 1024 PiB (2^60 B) on, 1.15e18 B."""
    if n >= 1024 * _BINARY[0][0]:
        return f"{scientific(n)} B"
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
