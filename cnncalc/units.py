"""Human units for limits, parsed exactly: '25M', '4.1G', '100MiB', '5%'.

* Counts (parameters, MACs, FLOPs): a plain integer, or a number with K, M, G or T (powers of 1000;
  'k' is accepted for K). ``4.1G`` is exactly 4,100,000,000.
* Bytes: a plain integer (bytes), or a number with B, KB/kB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB,
  TiB (powers of 1024). A bare K/M/G/T is refused for bytes: '100M' could mean 10^8 or 100·2^20.
* Times (latency): a number with s, ms, us (or µs) or ns, e.g. '5ms', '0.25s'; returned as an exact
  Fraction of a second (5ms → 1/200). A bare number is refused: '5' could be seconds or milliseconds.
* Percentages: a number followed by '%', e.g. '5%', '2.5%'; returned as an exact Fraction (5% → 1/20).

Arithmetic is done on Decimal → Fraction, never floats; a value that is not a whole number of the unit's
smallest step (``0.1KiB`` = 102.4 bytes) is refused. Negative values are refused. The number before the
unit must be below 10^31 and, unless it is 0, at least 10^-30 (``MAX_EXPONENT``): its magnitude is checked
before the exact conversion, which for an exponent such as ``1e999999999999`` would need that many digits
(never finishing, or exceeding Python's limit on integer digits).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation, localcontext
from fractions import Fraction

from cnncalc.errors import brief

COUNT_UNITS = {"": 1, "K": 10**3, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}
BYTE_UNITS = {"": 1, "B": 1, "KB": 10**3, "kB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
              "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40}
TIME_UNITS = {"s": Fraction(1), "ms": Fraction(1, 10**3), "us": Fraction(1, 10**6), "µs": Fraction(1, 10**6),
              "ns": Fraction(1, 10**9)}
COUNT = "count"
BYTES = "bytes"
SECONDS = "seconds"

_VALUE = re.compile(r"(?P<sign>[-+]?)\s*(?P<num>[0-9](?:_?[0-9])*(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)"
                    r"\s*(?P<unit>[A-Za-zµ%]*)")
_MAX_TEXT = 64
MAX_EXPONENT = 30               # a number must be below 10^(MAX_EXPONENT+1) and, unless 0, at least 10^-MAX_EXPONENT


_RANGE = f"a number before its unit is below 10^{MAX_EXPONENT + 1} and, unless 0, at least 10^-{MAX_EXPONENT}"


class UnitError(ValueError):
    """A value that cannot be read as a count, a byte size or a percentage. The message says why."""


def _split(value, what: str) -> tuple[Fraction, str]:
    """(exact number, unit text) of a YAML value or command-line text."""
    if isinstance(value, bool) or value is None:
        raise UnitError(f"{what}: expected a number such as 25M, got {brief(value)}")
    if isinstance(value, int):
        if value < 0:
            raise UnitError(f"{what}: a value cannot be negative, got {value}")
        if value >= 10 ** (MAX_EXPONENT + 1):
            raise UnitError(f"{what}: the value is too large; {_RANGE}")
        return Fraction(value), ""
    if isinstance(value, float):
        # YAML floats (4.1e+9): read back through their shortest decimal form, the one the user wrote
        if value != value or value in (float("inf"), float("-inf")):
            raise UnitError(f"{what}: expected a finite number, got {brief(value)}")
        value = repr(value)
    if not isinstance(value, str):
        raise UnitError(f"{what}: expected a number such as 25M, got {type(value).__name__}")
    text = value.strip()
    if len(text) > _MAX_TEXT:
        raise UnitError(f"{what}: '{text[:20]}…' is too long for a number")
    match = _VALUE.fullmatch(text)
    if not match:
        raise UnitError(f"{what}: '{text}' is not a number with an optional unit, such as 25M, 4.1G or 100MiB")
    if match["sign"] == "-":
        raise UnitError(f"{what}: a value cannot be negative, got '{text}'")
    try:
        decimal = Decimal(match["num"].replace("_", ""))
    except InvalidOperation:                # an exponent beyond what Decimal can hold at all
        raise UnitError(f"{what}: '{text}' is out of range; {_RANGE}") from None
    if decimal.is_zero():
        return Fraction(0), match["unit"]   # '0e-99999999999' is 0, whatever its exponent
    if decimal.adjusted() > MAX_EXPONENT:
        raise UnitError(f"{what}: '{text}' is too large; {_RANGE}")
    if decimal.adjusted() < -MAX_EXPONENT:
        raise UnitError(f"{what}: '{text}' is too small; {_RANGE}")
    return Fraction(decimal), match["unit"]


def _whole(number: Fraction, text, what: str, noun: str) -> int:
    if number.denominator != 1:
        raise UnitError(f"{what}: '{text}' is {number_text(number)}{noun}, not a whole number")
    return int(number)


def _unknown(unit: str, units: dict, what: str, kind: str) -> UnitError:
    folded = {u.lower(): u for u in units if u}
    hint = f" (did you mean '{folded[unit.lower()]}'?)" if unit.lower() in folded else ""
    listed = ", ".join(u for u in units if u and u != "k")
    return UnitError(f"{what}: unknown unit '{unit}'{hint}; {kind} take {listed}")


def _in_units(value, what: str, units: dict, kind: str, wrong_unit) -> tuple[Fraction, str]:
    """The number and unit of ``value`` in one of ``units``; ``wrong_unit(number, unit)`` may name a more
    helpful mistake (a message) than an unknown unit."""
    number, unit = _split(value, what)
    if unit not in units:
        message = wrong_unit(number, unit)
        if message:
            raise UnitError(f"{what}: '{value}' {message}")
        raise _unknown(unit, units, what, kind)
    return number * units[unit], unit


def parse_count(value, what: str = "count") -> int:
    """'25M' → 25_000_000; '4.1G' → 4_100_000_000; 1234 → 1234."""
    def wrong(number, unit):
        if unit in BYTE_UNITS:
            return f"is a byte size; {what} is a count: use K, M, G or T (powers of 1000) or a plain integer"
        return "is a percentage; a limit is a count such as 25M" if unit == "%" else None
    number, _ = _in_units(value, what, COUNT_UNITS, "counts", wrong)
    return _whole(number, value, what, "")


def parse_bytes(value, what: str = "size") -> int:
    """'100MiB' → 104_857_600; '1GB' → 10**9; 4096 → 4096 bytes."""
    def wrong(number, unit):
        if unit in COUNT_UNITS:
            return (f"is ambiguous for a byte size: write {number_text(number)}{unit.upper()}B "
                    f"(powers of 1000) or {number_text(number)}{unit.upper()}iB (powers of 1024)")
        return None
    number, _ = _in_units(value, what, BYTE_UNITS, "byte sizes", wrong)
    return _whole(number, value, what, " bytes")


def parse_percent(value, what: str = "increase") -> Fraction:
    """'5%' → Fraction(1, 20). The '%' is required: '0.05' and '5' are refused as ambiguous."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise UnitError(f"{what}: write a percentage with '%', such as 5%, got {brief(value)}")
    number, unit = _split(value, what)
    if unit != "%":
        raise UnitError(f"{what}: '{value}' is not a percentage such as 5% or 2.5%")
    return number / 100


def parse_seconds(value, what: str = "time") -> Fraction:
    """'5ms' → Fraction(1, 200); '0.25s' → Fraction(1, 4). The unit is required."""
    def wrong(number, unit):
        return None if unit else "needs a unit: s, ms, us or ns, such as 5ms"
    return _in_units(value, what, TIME_UNITS, "times", wrong)[0]


def parse(value, kind: str, what: str):
    if kind == SECONDS:
        return parse_seconds(value, what)
    return parse_bytes(value, what) if kind == BYTES else parse_count(value, what)


def number_text(number: Fraction) -> str:
    """An exact decimal as written: 4.1, 25, 0.5."""
    if number.denominator == 1:
        return str(number.numerator)
    with localcontext() as ctx:
        ctx.prec = 2 * _MAX_TEXT + 2 * MAX_EXPONENT   # enough digits for any value read here: exact
        return format(Decimal(number.numerator) / Decimal(number.denominator), "f")
