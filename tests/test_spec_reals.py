"""log, exp and powers in spec expressions (docs/spec.md, "Arguments and expressions"): exact where the value is
rational, bounded (and only rounded or compared) where it is not; and the variants: table of a tabulated
family. Every expected figure is worked out by hand in the comment beside it."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from cnncalc.analysis import analyze
from cnncalc.errors import Location, SpecError
from cnncalc.spec import parse_spec
from cnncalc.spec.expressions import evaluate

HERE = Location("t.yaml", 3, 7)


@pytest.mark.parametrize("text, value", [
    ("2 ** 10", 1024),
    ("4 ** (1/2)", 2),                       # √4
    ("(8/27) ** (2/3)", Fraction(4, 9)),     # (2/3)^2
    ("2 ** -2", Fraction(1, 4)),
    ("log(8, 2)", 3),                        # 2^3 = 8
    ("log(1/8, 2)", -3),
    ("log(9, 27)", Fraction(2, 3)),          # 27^(2/3) = 9
    ("log(1)", 0),
    ("exp(0)", 1),
    ("round(log(10))", 2),                   # ln 10 = 2.302585…
    ("floor(exp(1) * 1000)", 2718),          # e = 2.718281828…
    ("ceil(2 ** 0.5 * 10 ** 6)", 1414214),   # √2 = 1.41421356…
    ("round(2 ** 0.5, 3)", Fraction(1414, 1000)),
    ("make_divisible(100 * 2 ** 0.5, 8)", 144),   # int(141.42 + 4) = 145 → 144; 144 ≥ 0.9 · 141.42
    ("quantize(48 * 2.09 ** 3, 8)", 440),    # 48 · 9.129329 = 438.208; / 8 = 54.78 → 55 → 440
    ("quantize(180, 8)", 176),               # 22.5 → 22 (halves to even, as round) → 176
    ("quantize(2.09 ** 0.5, 0.25)", Fraction(3, 2)),   # √2.09 = 1.4457; / 0.25 = 5.78 → 6 → 1.5
    ("7 // 2 ** 0.5", 4),                    # 7 / 1.41421 = 4.95
    ("2 ** 0.5 < 1.5", True),
    ("2 ** 0.5 == 1.5", False),
    ("max(2 ** 0.5 * 2, 3)", 3),             # 2.83 < 3: the larger is rational, so it may end the expression
    ("round(log(2.09) * 1000)", 737),        # ln 2.09 = 0.73716…
    # √2 − (√2 to 50 decimals) = 8.07e-51 (the next digits of √2: …7694 8073…): bounds at 40 digits hold 0,
    # finer ones do not; ln(8.07e-51) = 2.088 − 51 · 2.3026 = −115.34
    ("floor(log(2 ** 0.5 - 1.41421356237309504880168872420969807856967187537694))", -116),
])
def test_values(text, value):
    got = evaluate(text, HERE)
    assert got == value and type(got) is not float


@pytest.mark.parametrize("text, words", [
    ("2 ** 0.5", "is irrational (≈1.41421); an irrational value must end in round"),
    ("log(10)", "is irrational (≈2.30259)"),
    ("max(2 ** 0.5, 1)", "is irrational"),
    ("floor(log(8) / log(2))", "too close to call"),     # exactly 3, but only log(8, 2) says so exactly
    ("(-2) ** 0.5", "a negative number to a fractional power"),
    ("0 ** -1", "0 to a negative power"),
    ("2 ** 100000", "longer than 4000 digits"),
    ("exp(20000)", "beyond ±10000"),
    ("round(exp(9000))", "rounds an irrational value beyond 10^18"),       # e^9000 ≈ 10^3908
    ("floor(exp(exp(exp(2))))", "beyond 10^18"),                           # e^(e^7.39) = e^1618 ≈ 10^702
    ("log(0)", "not positive"),
    ("log(5, 1)", "base must be positive and not 1"),
    ("quantize(5, 0)", "quantize takes (value, step)"),
    ("log(1, 2, 3)", "log takes (value)"),
])
def test_errors_are_located(text, words):
    with pytest.raises(SpecError) as info:
        evaluate(text, HERE)
    assert words in str(info.value) and str(info.value).startswith("t.yaml:3:7")


@settings(max_examples=60, deadline=None)
@given(st.fractions(min_value=Fraction(1, 1000), max_value=1000), st.integers(1, 6), st.integers(1, 6))
def test_roundings_agree_with_floats_away_from_the_edge(x, p, q):
    # floats are exact enough far from an integer (1e-6 here); there the exact answer must be the same
    x = Fraction(x).limit_denominator(1000)
    for text, approx in ((f"floor(log({x}) * 100)", math.log(x) * 100),
                         (f"ceil(({x}) ** ({p}/{q}) * 10)", float(x) ** (p / q) * 10),
                         (f"round(exp({x} / 100) * 1000)", math.exp(x / 100) * 1000)):
        if abs(approx - round(approx)) > 1e-6 and abs(approx - math.floor(approx) - 0.5) > 1e-6:
            want = {"floor": math.floor, "ceil": math.ceil, "round": round}[text.split("(")[0]](approx)
            assert evaluate(text, HERE) == want, text


SPEC = """
args: {variant: small, width: 8, depth: 1}
variants:
  small: {width: 8, depth: 1}
  large: {width: 16, depth: 3}
input: [3, 8, 8]
layers:
  - {name: c, conv: {out: $width, kernel: 1}, repeat: $depth}
"""


def params(text: str, **overrides) -> int:
    return analyze(parse_spec(text, "s.yaml", overrides=overrides or None)).totals.params


def error(text: str, **overrides) -> str:
    with pytest.raises(SpecError) as info:
        parse_spec(text, "s.yaml", overrides=overrides or None)
    return str(info.value)


def test_a_variant_selects_its_row():
    # small: one 1×1 conv 3 → 8 with bias: 3·8 + 8 = 32; large: 3 → 16 (64) then two 16 → 16 (272 each)
    assert params(SPEC) == 32
    assert params(SPEC, variant="large") == 64 + 2 * 272
    # --set beats the row: large with width 4: 3·4 + 4 = 16, then 2 · (4·4 + 4) = 40
    assert params(SPEC, variant="large", width=4) == 16 + 40


def test_variant_errors():
    message = error(SPEC, variant="medium")
    assert "no variant 'medium'" in message and "the variants: small, large" in message
    assert message.startswith("s.yaml:3:")                        # the variants: line
    assert "did you mean 'large'" in error(SPEC, variant="larg")
    assert "needs an argument 'variant'" in error(SPEC.replace("variant: small, ", ""))
    assert "sets 'height', which is not one of the spec's args" in error(SPEC.replace("depth: 3}", "height: 3}"))
    assert "the default variant: no variant 'tiny'" in error(SPEC.replace("variant: small", "variant: tiny"))
    assert "'variants' must be a mapping" in error(SPEC.replace("  small: {width: 8, depth: 1}\n  large: {width: 16, depth: 3}", "  - 1"))


def test_an_irrational_argument_is_an_error_at_its_line():
    message = error("args: {x: 2, w: $x ** 0.5}\ninput: [3]\nlayers: [{dense: {out: 2}}]")
    assert message.startswith("s.yaml:1:") and "irrational (≈1.41421)" in message
    message = error("args: {x: 2}\ninput: [3]\nlayers:\n  - {dense: {out: $x ** 0.5}}")
    assert message.startswith("s.yaml:4:") and "irrational (≈1.41421)" in message


LEAVES = st.sampled_from(["0", "1", "2", "3", "0.5", "1/3", "-2", "10", "2.09", "27.89", "48"])


def _tree(children):
    return st.one_of(
        st.builds(lambda a, op, b: f"({a} {op} {b})", children, st.sampled_from(["+", "-", "*", "/", "//", "%",
                                                                                  "**", "<", "=="]), children),
        st.builds(lambda f, a: f"{f}({a})", st.sampled_from(["log", "exp", "round", "floor", "ceil"]), children),
        st.builds(lambda a, b: f"log({a}, {b})", children, children),
        st.builds(lambda f, a, b: f"{f}({a}, {b})", st.sampled_from(["min", "max", "quantize", "make_divisible"]),
                  children, children))


@settings(max_examples=150, deadline=None)
@given(st.recursive(LEAVES, _tree, max_leaves=6))
def test_any_expression_gives_a_value_or_a_located_error(text):
    # hostile input: whatever the combination, a number, true/false or a SpecError at the given place
    try:
        value = evaluate(text, HERE)
    except SpecError as err:
        assert str(err).startswith("t.yaml:3:7")
    else:
        assert isinstance(value, (bool, int, Fraction)) and not isinstance(value, float)
