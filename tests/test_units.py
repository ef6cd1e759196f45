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
