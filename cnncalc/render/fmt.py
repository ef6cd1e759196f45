"""Numbers into text: the one place. Counts, byte sizes, exact fractions, receptive fields and changes
become display text here (and exact fractions their JSON value); counts stay ints until they reach these
functions. Rounded only here, half-even, in exact arithmetic (no floats).

Changes: '−42.9%', '×0.571', '−3,840 (−42.9%, ×0.571)'; ``ascii=True`` writes '-' instead of the minus sign
'−' and 'x' for '×'."""

from __future__ import annotations

from fractions import Fraction
from math import gcd
from typing import Iterable, Optional

BYTES = "bytes"     # cnncalc.units.BYTES, the kind of a byte figure; not imported (units compiles its parser)
SECONDS = "seconds" # cnncalc.units.SECONDS, the kind of a time (latency)

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


def exact(value) -> Optional[str]:
    """An exact ratio as JSON holds it: always the string 'p/q' in lowest terms ('1/20', '3/1'), so that the key
    has one type; None stays None."""
    if value is None:
        return None
    value = Fraction(value)
    return f"{value.numerator}/{value.denominator}"


def axes(values: Iterable) -> str:
    """Per-axis values (or a shape) for CSV: '3x224x224', fractions as p/q."""
    return "x".join(number(v) for v in values)


def bytes_exact(n: int) -> str:
    """'392 KiB (401,408 B)': the rounded size and the exact count."""
    return f"{nbytes(n)} ({count(n)} B)"


# ----------------------------------------------------------------------------- receptive fields
# rf: one rf.AxisRF (size, stride, start) per spatial axis of the network input

def rf_cell(rf) -> str:
    """'435/32': receptive-field size / effective stride, per axis when they differ."""
    if not rf:
        return "-"
    # a fractional value (transposed convolution, upsampling) is parenthesised: '2/(1/3)', not '2/1/3'
    size, stride = (per_axis(values) for values in ((a.size for a in rf), (a.stride for a in rf)))
    return "/".join(f"({text})" if "/" in text else text for text in (size, stride))


def rf_short(rf) -> str:
    """'435/32 @-202': size/stride and the start of unit 0's field."""
    if not rf:
        return "-"
    return f"{rf_cell(rf)} @{per_axis(a.start for a in rf)}"


def rf_words(rf) -> str:
    """'size 435, stride 32, start -202'."""
    if not rf:
        return "-"
    return (f"size {per_axis(a.size for a in rf)}, stride {per_axis(a.stride for a in rf)}, "
            f"start {per_axis(a.start for a in rf)}")


def in_units(figures: dict) -> dict:
    """Exact figures (ints, Fractions, None, or lists of them) as JSON integers: when one is fractional,
    every one is written in units of 1/denominator and 'denominator' (their least common denominator) is
    added; absent, the denominator is 1. {'stride': [Fraction(1, 3)]} → {'stride': [1], 'denominator': 3}."""
    def each(value):
        return value if isinstance(value, list) else [value]
    denominator = 1
    for value in figures.values():
        for v in each(value):
            if type(v) is not int and isinstance(v, Fraction) and v.denominator != 1:
                denominator = denominator * v.denominator // gcd(denominator, v.denominator)

    def scaled(v):
        return None if v is None else int(v * denominator)
    data: dict = {key: [scaled(v) for v in value] if isinstance(value, list) else scaled(value)
                  for key, value in figures.items()}
    if denominator != 1:
        data["denominator"] = denominator
    return data


def rf_json(rf) -> dict:
    """{'size': [...], 'stride': [...], 'start': [...]}: integers per axis, null where unknown, in units of
    1/denominator of an input position when one is fractional (:func:`in_units`): stride 1/3 is
    {'stride': [1], 'denominator': 3}."""
    return in_units({"size": [a.size for a in rf], "stride": [a.stride for a in rf], "start": [a.start for a in rf]})


# ----------------------------------------------------------------------------- changes

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
        return count(r * 10 ** (-k))
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
    return f"{sign}{count(tenths // 10)}.{tenths % 10}%"


def share(part: int, whole: int) -> str:
    """part/whole as a percentage with one decimal, rounded half-even: 9,408 of 25,557,032 → '0.0%',
    1 of 3 → '33.3%'; '-' when the whole is 0."""
    if whole == 0:
        return "-"
    return proportion(Fraction(part, whole))


def proportion(q: Fraction) -> str:
    """A share (a fraction ≥ 0) as a percentage with one decimal, rounded half-even: 1/3 → '33.3%'."""
    tenths = round(q * 1000)
    return f"{tenths // 10}.{tenths % 10}%"


def ratio(q: Fraction, ascii: bool = False) -> str:
    """value/base: 4/7 → '×0.571'."""
    return ("x" if ascii else "×") + significant(q)


def seconds(value: Fraction) -> str:
    """An exact time to three significant digits in s, ms, µs or ns: 1/200 → '5.00 ms'."""
    for scale, suffix in ((1, "s"), (10**3, "ms"), (10**6, "µs")):
        if value * scale >= 1:
            return f"{significant(Fraction(value) * scale)} {suffix}"
    return f"{significant(Fraction(value) * 10**9)} ns"


def amount(value, kind: str) -> str:
    """A count '8,960', a byte size '35.0 KiB' or a time '5.00 ms'."""
    if kind == SECONDS:
        return seconds(value)
    return nbytes(value) if kind == BYTES else count(value)


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


def sourced(items, width: int, what: bool = True) -> list:
    """The lines of figures or rules that cite their sources (`cnncalc devices`, `cnncalc runtimes`): per
    ``(label, value, what, source)``, the label and value, then what it means (when ``what``) and its source,
    under the values, each wrapped at ``width`` (:func:`fit`)."""
    label_width = max((len(label) for label, _, _, _ in items), default=0)
    pad = " " * (label_width + 4)
    lines: list = []
    for label, value, meaning, source in items:
        lines += fit(f"  {label.ljust(label_width)}  {value}", width, pad)
        if what:
            lines += fit(f"{pad}{meaning}", width, pad)
        lines += fit(f"{pad}source: {source}", width, pad)
    return lines


def fit(line: str, width: int, indent: str) -> list:
    """``line`` wrapped at ``width`` (0: as it is) between words, the continuation lines after ``indent``; a
    word longer than the width (a URL) stays whole on a line of its own, never broken."""
    if width <= 0 or len(line) <= width:
        return [line]
    import textwrap
    return textwrap.wrap(line, width, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False)
