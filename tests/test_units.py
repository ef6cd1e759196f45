"""Human units for limits: every expected value is the unit's definition written out."""

from __future__ import annotations

from fractions import Fraction

import pytest

from cnncalc.units import UnitError, parse_bytes, parse_count, parse_percent


@pytest.mark.parametrize("text, expected", [
    ("25M", 25 * 10**6),
    ("4.1G", 41 * 10**8),                 # 4.1 · 10^9, exactly: no float rounding to 4099999999
    ("25.557032M", 25_557_032),
    ("1T", 10**12),
    ("8.96K", 8_960),
    ("8.96k", 8_960),                     # SI lower-case kilo
    ("25_557_032", 25_557_032),
    ("0", 0),
    (12345, 12345),                       # a YAML int is exact
    ("1e3", 1000),
    ("4.1e+9", 41 * 10**8),               # YAML 1.1 reads this as a float; as text it is exact
    (4.1e+9, 41 * 10**8),                 # the float's shortest decimal form, '4100000000.0'
    (" 2 M ", 2 * 10**6),
])
def test_counts(text, expected):
    assert parse_count(text, "params") == expected


@pytest.mark.parametrize("text, expected", [
    ("100MiB", 100 * 2**20),
    ("1GiB", 2**30),
    ("1.5KiB", 3 * 2**9),                 # 1.5 · 1024 = 1536
    ("100MB", 100 * 10**6),
    ("1kB", 1000),
    ("1KB", 1000),
    ("512B", 512),
    ("4096", 4096),                       # a plain integer is bytes
    ("2TiB", 2 * 2**40),
])
def test_bytes(text, expected):
    assert parse_bytes(text, "param_memory") == expected


@pytest.mark.parametrize("text, expected", [
    ("5%", Fraction(1, 20)),
    ("2.5%", Fraction(1, 40)),
    ("0%", Fraction(0)),
    ("150%", Fraction(3, 2)),
])
def test_percent(text, expected):
    assert parse_percent(text) == expected


@pytest.mark.parametrize("parse, value, words", [
    (parse_count, "-5M", "negative"),
    (parse_count, -5, "negative"),
    (parse_count, "abc", "not a number"),
    (parse_count, "25m", "did you mean 'M'"),
    (parse_count, "25MB", "byte size"),
    (parse_count, "5%", "percentage"),
    (parse_count, "1.2345678901G", "not a whole number"),   # 1,234,567,890.1
    (parse_count, True, "expected a number"),
    (parse_count, None, "expected a number"),
    (parse_count, [1], "expected a number"),
    (parse_count, float("nan"), "finite"),
    (parse_count, "1" * 100, "too long"),
    (parse_bytes, "100M", "ambiguous"),
    (parse_bytes, "0.1KiB", "not a whole number"),          # 102.4 bytes
    (parse_bytes, "1XB", "unknown unit"),
    (parse_bytes, "1mib", "did you mean 'MiB'"),
    (parse_percent, "5", "not a percentage"),
    (parse_percent, 0.05, "with '%'"),
    (parse_percent, "-5%", "negative"),
    (parse_percent, "five%", "not a number"),
])
def test_refused(parse, value, words):
    with pytest.raises(UnitError, match=words):
        parse(value, "x")


# The number before the unit is bounded (10^-30 ≤ |n| < 10^31, or 0) before its exact conversion: an
# exponent such as 1e999999999999 would otherwise be expanded to that many digits (a hang), and 1e9999999
# exceeded Python's 4,300-digit limit on int/str conversion (an internal error).
@pytest.mark.parametrize("parse, value, words", [
    (parse_count, "1e9999999", "too large"),
    (parse_count, "1e999999999999", "too large"),
    (parse_count, "1e-99999999999K", "too small"),
    (parse_count, "1e999999999999999999999999", "out of range"),  # beyond what Decimal can hold at all
    (parse_count, "1e31", "too large"),                           # 10^31: the first value refused
    (parse_count, "1e-31T", "too small"),                         # 10^-31 · 10^12, would be 1/10^19
    (parse_count, 10**31, "too large"),                           # an int given through the API
    (parse_bytes, "1e99999999999GiB", "too large"),
    (parse_percent, "1e99999999%", "too large"),
    (parse_count, 1e300, "too large"),                            # a YAML float: read as '1e+300'
])
def test_out_of_range_is_refused(parse, value, words):
    with pytest.raises(UnitError, match=words):
        parse(value, "x")


@pytest.mark.parametrize("text, expected", [
    ("9999999999999999999999999999999", 10**31 - 1),   # 31 nines: the largest plain integer accepted
    ("1e30", 10**30),
    ("1e30T", 10**42),                                  # the bound is on the number, the unit scales it
    ("1e-30", None),                                    # 10^-30: in range, but not a whole count
    ("0e-99999999999", 0),                              # zero, whatever its exponent
    ("1e-3K", 1),                                       # 0.001 · 1000
])
def test_range_edges(text, expected):
    if expected is None:
        with pytest.raises(UnitError, match="not a whole number"):
            parse_count(text, "x")
    else:
        assert parse_count(text, "x") == expected


def test_refusal_message_shows_the_exact_value():
    # 1.2345678901234567890123456789012345 · 10^9 has 35 significant digits, more than Decimal's default 28
    with pytest.raises(UnitError, match=r"is 1234567890\.1234567890123456789012345, not a whole number"):
        parse_count("1.2345678901234567890123456789012345G", "x")
