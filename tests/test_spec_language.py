"""The spec language for families (docs/spec.md, "Arguments and expressions"): args and --set, expressions,
if: and repeat: 0, $input.… block input shapes, errors located at the call site. Every expected figure is
worked out by hand in the comment beside it."""

from __future__ import annotations

import operator
from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from cnncalc.analysis import analyze
from cnncalc.errors import Location, SpecError
from cnncalc.spec import parse_spec
from cnncalc.spec.expressions import evaluate, make_divisible

HERE = Location("t.yaml", 1, 1)


def spec(text: str, **overrides):
    return parse_spec(text, "s.yaml", overrides=overrides or None)


def error(text: str, **overrides) -> SpecError:
    with pytest.raises(SpecError) as info:
        spec(text, **overrides)
    return info.value


def outputs(text: str, **overrides) -> dict:
    report = analyze(spec(text, **overrides))
    return {row.name: row.output_shape for row in report.rows}


# --------------------------------------------------------------------------- make_divisible, by hand

@pytest.mark.parametrize("v, d, low, expected", [
    (32, 8, None, 32),                 # int(32 + 4) // 8 · 8 = 32; 32 ≥ 28.8
    (Fraction("38.4"), 8, None, 40),   # int(42.4) = 42 → 40; 40 ≥ 34.56
    (10, 8, None, 16),                 # 14 // 8 · 8 = 8 < 9 = 0.9·10: the 0.9 rule adds 8
    (Fraction("11.9"), 8, None, 16),   # int(15.9) = 15 → 8 < 10.71: + 8
    (3, 8, None, 8),                   # int(7) // 8 = 0 → max(8, 0) = 8
    (12, 8, None, 16),                 # int(16) // 8 · 8 = 16 ≥ 10.8
    (100, 16, None, 96),               # int(108) // 16 · 16 = 96 ≥ 90
    (20, 16, None, 32),                # int(28) → 16 < 18: + 16
    (20, 9, None, 18),                 # int(24.5) = 24 → 18, exactly 0.9·20: not below, so it stays
    (1, 8, 2, 2),                      # int(5) // 8 = 0 → max(2, 0) = 2 ≥ 0.9
])
def test_make_divisible_table(v, d, low, expected):
    assert make_divisible(v, d, low) == expected
    # written as a spec writes it: a decimal (38.4, not 192/5), which the evaluator reads exactly
    written = str(float(v)) if isinstance(v, Fraction) else str(v)
    assert Fraction(written) == v
    call = f"make_divisible({written}, {d}" + (f", {low})" if low is not None else ")")
    assert evaluate(call, HERE) == expected


@pytest.mark.parametrize("expression, value", [
    ("1.2 * 5", 6),                    # 1.2 is 6/5 exactly: 6, an int
    ("7 / 2", Fraction(7, 2)),
    ("round(5 / 2)", 2), ("round(7 / 2)", 4),        # half to even
    ("floor(-7 / 2)", -4), ("ceil(7 / 2)", 4),
    ("min(3, 1.5, 2)", Fraction(3, 2)), ("max(3, 4)", 4),
    ("2 < 3 <= 3", True), ("1 == 1.0", True), ("'a' == 'a'", True), ("'a' == 1", False),
    ("not (true and false)", True), ("false or 3 > 2", True),
    ("'silu' if 2 > 1 else 'relu'", "silu"),
    ("-7 // 2", -4), ("7 % -3", -2), ("0.1 + 0.2 == 0.3", True),   # exact, unlike floats
])
def test_expressions(expression, value):
    result = evaluate(expression, HERE)
    assert result == value and type(result) is not float
    assert isinstance(result, bool) == isinstance(value, bool)


@pytest.mark.parametrize("expression, fragment", [
    ("1 / 0", "division by zero"), ("min(1)", "two or more"), ("'a' + 1", "needs a number"),
    ("1 if 2 else 3", "needs true or false"), ("True", "lower case"), ("x + 1", "unknown name 'x'"),
    ("2 @ 3", "not an expression"), ("__import__('os')", "not an expression"), ("(1).real", "not an expression"),
    ("1 < 'a'", "compares"), ("1" * 201, "longer than 200"), ("10**19", r"at most 10\^18"),
    ("1000000000000 * 1000000000000", r"at most 10\^18"),
])
def test_expression_errors(expression, fragment):
    with pytest.raises(SpecError, match=fragment):
        evaluate(expression, HERE)


_OPS = [("+", operator.add), ("-", operator.sub), ("*", operator.mul), ("/", operator.truediv),
        ("//", operator.floordiv), ("%", operator.mod)]


@st.composite
def trees(draw, depth=3):
    """(text, Python's value on Fractions, or None for a division by zero)."""
    if depth == 0 or draw(st.booleans()):
        if draw(st.booleans()):
            n = draw(st.integers(-50, 50))
            return (f"({n})", Fraction(n))
        whole, tenths = draw(st.integers(0, 20)), draw(st.integers(0, 9))
        return (f"{whole}.{tenths}", Fraction(whole * 10 + tenths, 10))
    symbol, op = draw(st.sampled_from(_OPS))
    (lt, lv), (rt, rv) = draw(trees(depth - 1)), draw(trees(depth - 1))
    if lv is None or rv is None or (rv == 0 and symbol in ("/", "//", "%")):
        return (f"({lt} {symbol} {rt})", None)
    return (f"({lt} {symbol} {rt})", Fraction(op(Fraction(lv), Fraction(rv))))


@settings(max_examples=300, deadline=None)
@given(trees())
def test_the_evaluator_agrees_with_python_on_fractions(tree):
    text, value = tree
    if value is None:
        with pytest.raises(SpecError, match="division by zero"):
            evaluate(text, HERE)
        return
    if abs(value.numerator) > 10**18 or value.denominator > 10**18:
        return
    assert evaluate(text, HERE) == value


# --------------------------------------------------------------------------- args, --set, fractions in specs

FAMILY = """
args: {width: 1.0, resolution: 32, se: true}
input: [3, $resolution, $resolution]
layers:
  - {name: stem, conv: {out: 'make_divisible(32 * $width, 8)', kernel: 3, padding: 1}}
  - {name: gate, if: $se, relu: {}}
  - {name: drop, dropout: {rate: '$width / 5'}}
"""


def test_args_defaults_and_set():
    assert outputs(FAMILY)["stem"] == (32, 32, 32)                   # make_divisible(32, 8) = 32
    # width 1.2: 38.4 → 40; resolution 24: padding 1 keeps 24
    assert outputs(FAMILY, width=1.2, resolution=24)["stem"] == (40, 24, 24)
    assert "gate" not in outputs(FAMILY, se=False)
    rate = spec(FAMILY, width=1.2).graph.nodes["drop"].layer.rate
    assert rate == 0.24 and type(rate) is float                      # 6/5 / 5 = 6/25 → the float 0.24


def test_unknown_set_name_lists_the_args():
    err = error(FAMILY, widht=2)
    assert "--set widht" in err.message and "did you mean 'width'" in err.message
    assert "its args: width, resolution, se" in err.message


def test_an_arg_default_may_use_earlier_args():
    text = "args: {c: 8, d: '$c * 2'}\ninput: [3, 4, 4]\nlayers:\n  - {conv: {out: $d, kernel: 1}}\n"
    assert outputs(text)["conv1"] == (16, 4, 4) and outputs(text, c=3)["conv1"] == (6, 4, 4)


def test_a_fraction_where_an_int_goes_shows_the_expression():
    err = error("args: {w: 1.2}\ninput: [3, 4, 4]\nlayers:\n  - {conv: {out: '$w * 32', kernel: 1}}\n")
    assert (err.location.line, err.layer) == (4, "conv1")
    assert "'$w * 32' = 38.4" in err.message                          # 6/5 · 32 = 192/5 = 38.4
    err = error("args: {n: 5}\ninput: [3, 4, '$n / 3 + 1']\nlayers: [relu]\n")
    assert "8/3" in err.message                                       # 5/3 + 1 = 8/3


def test_pasted_values_are_an_error():
    err = error("args: {a: 2, c: 3}\ninput: [3, 4, 4]\nlayers:\n  - {conv: {out: '$a$c', kernel: 1}}\n")
    assert "pastes values together" in err.message and err.location.line == 4


def test_a_whole_dollar_name_keeps_its_type():
    text = "args: {act: relu, k: [1, 3]}\ninput: [3, 8, 8]\nlayers:\n  - $act\n  - {conv: {out: 4, kernel: $k}}\n"
    shapes = outputs(text)
    assert shapes["relu1"] == (3, 8, 8) and shapes["conv1"] == (4, 8, 6)     # kernel 1×3: 8 − 3 + 1 = 6


# --------------------------------------------------------------------------- if: and repeat: 0

def test_repeat_zero_and_if_false_vanish_and_their_name_means_the_layer_before():
    text = """
input: [3, 8, 8]
layers:
  - {name: a, conv: {out: 4, kernel: 1}}
  - {name: gone, conv: {out: 9, kernel: 1}, repeat: 0}
  - {name: skipped, if: false, conv: {out: 9, kernel: 1}}
  - {name: b, from: gone, conv: {out: 5, kernel: 1}}
  - {name: c, from: skipped, conv: {out: 6, kernel: 1}}
  - {concat: {}, from: [b, c]}
"""
    graph = spec(text).graph
    assert "gone" not in graph.nodes and "skipped" not in graph.nodes
    assert graph.nodes["b"].inputs == ("a",) and graph.nodes["c"].inputs == ("a",)
    assert outputs(text)["concat1"] == (11, 8, 8)                     # 5 + 6 channels


def test_if_must_be_a_bool():
    err = error("args: {n: 2}\ninput: [3, 8, 8]\nlayers:\n  - relu\n  - {if: '$n + 1', relu: {}}\n")
    assert "'if' must be true or false" in err.message and "3" in err.message and err.location.line == 5


def test_a_left_out_entry_is_not_evaluated():
    # $input.height of a flat input would be an error, but the entry is left out first
    text = "input: [3, 4, 4]\nblocks:\n  b:\n    layers:\n      - flatten\n      - {if: false, dense: {out: '$input.height'}}\nlayers: [b]\n"
    assert outputs(text)["b1.flatten1"] == (48,)


# --------------------------------------------------------------------------- $input.… inside blocks

BLOCKS = """
input: [16, 10, 12]
blocks:
  widen:                       # (not `expand`: that is a layer type since issue 22)
    args: {t: 6, out: '$input.channels'}
    layers:
      - {conv: {out: '$input.channels * $t', kernel: 1}}
      - {conv: {out: $out, kernel: [1, '$input.width - $input.height + 1']}}
layers:
  - {name: x, widen: {t: 2}}
  - {name: y, widen: {out: 3}}
"""


def test_blocks_read_their_input_shape():
    shapes = outputs(BLOCKS)
    assert shapes["x.conv1"] == (32, 10, 12)      # 16 · 2
    assert shapes["x.conv2"] == (16, 10, 10)      # out defaults to the input's 16; kernel 1 × (12 − 10 + 1 = 3)
    assert shapes["y.conv1"] == (96, 10, 10)      # y's input is x's output: 16 · 6 = 96, spatial 10 × 10
    assert shapes["y.conv2"] == (3, 10, 10)       # kernel 1 × 1


def test_input_parts_of_other_ranks_and_the_shape_list():
    text = ("input: [5, 20]\nblocks:\n  b:\n    layers:\n      - {reshape: {shape: $input.shape}}\n"
            "      - {conv: {out: '$input.length // 5', kernel: 1}}\nlayers: [b]\n")
    shapes = outputs(text)
    # [5, 20] again; then 20 // 5 = 4 channels (not the input's 5)
    assert shapes["b1.reshape1"] == (5, 20) and shapes["b1.conv1"] == (4, 20)
    err = error(text.replace("$input.length", "$input.height"))
    assert "has no height" in err.message and "length" in err.message


def test_a_forward_from_cannot_give_a_shape_yet():
    text = """
input: [3, 8, 8]
blocks:
  b:
    layers: [{conv: {out: '$input.channels', kernel: 1}}]
layers:
  - {name: early, from: late, relu: {}}
  - {b: {}, from: early}
  - {name: late, conv: {out: 2, kernel: 1}, from: input}
"""
    err = error(text)
    assert "not built yet" in err.message and err.layer == "early" and err.location.line == 7


def test_shape_errors_while_building_are_located_like_analysis_errors():
    text = """
input: [3, 4, 4]
blocks:
  b:
    layers: [{conv: {out: '$input.channels', kernel: 1}}]
layers:
  - {name: big, conv: {out: 4, kernel: 9}}
  - b
"""
    err = error(text)
    assert err.layer == "big" and err.location.line == 7 and "kernel" in err.message


# --------------------------------------------------------------------------- errors at the call site

def test_a_bad_block_argument_points_at_the_call_site():
    text = """input: [3, 8, 8]
blocks:
  bottleneck:
    args: {out: 8}
    layers:
      - {conv: {out: $out, kernel: 1}}
layers:
  - {name: b, bottleneck: {out: -1}}
"""
    err = error(text)
    assert (err.location.line, err.location.column) == (8, 28)       # where -1 is written
    assert err.layer == "b.conv1"
    assert err.message == ("'out' must be a positive int, got -1 (passed as $out to block 'bottleneck', used at "
                           "s.yaml:6)")


def test_through_two_blocks_it_points_at_the_outermost_call():
    text = """input: [3, 8, 8]
blocks:
  inner:
    args: {w: 8}
    layers: [{conv: {out: $w, kernel: 1}}]
  outer:
    args: {v: 8}
    layers: [{inner: {w: $v}}]
layers:
  - {outer: {v: 0}}
"""
    err = error(text)
    assert err.location.line == 10
    assert "(passed as $v to block 'outer', then as $w to block 'inner', used at s.yaml:5)" in err.message


def test_unknown_type_points_to_cnncalc_layers():
    assert error("input: [3, 8, 8]\nlayers: [rellu]\n").message.endswith("; see `cnncalc layers`")


@pytest.mark.parametrize("expression", ["$n + __v5", "__v0 + $n", "$n * __value"])
def test_a_written_name_cannot_pass_for_an_arguments_value(expression):
    # the evaluator names each $reference's value __v0, __v1, ...: a name written so is refused, not looked up
    # (it crashed with a KeyError, or silently read $n)
    text = f"args: {{n: 2}}\ninput: [3, 8, 8]\nlayers:\n  - {{conv: {{out: '{expression}', kernel: 1}}}}\n"
    err = error(text)
    assert "names starting with __v are not allowed" in err.message and err.location.line == 4
