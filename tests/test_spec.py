"""The spec language: sequences, names, from:, merges with branches, blocks, $arguments, repeat, defaults."""

from __future__ import annotations

import pytest

from cnncalc.errors import SpecError
from conftest import report_of


def rows(text):
    return {row.name: row for row in report_of(text).rows}


def test_bare_words_and_auto_names():
    r = rows("""
        input: [3, 8, 8]
        layers:
          - conv: {out: 4, kernel: 3}
          - relu
          - conv: {out: 4, kernel: 3}
          - relu
    """)
    assert list(r) == ["input", "conv1", "relu1", "conv2", "relu2"]
    assert r["conv2"].inputs == ("relu1",)
    assert r["relu2"].output_shape == (4, 4, 4)     # 8 → 6 → 4 with two valid 3×3


def test_auto_names_skip_explicit_ones():
    r = rows("""
        input: [3, 8, 8]
        layers:
          - conv: {out: 4, kernel: 1}
          - {name: conv1, conv: {out: 4, kernel: 1}}
    """)
    assert list(r) == ["input", "conv2", "conv1"]


DAG = """
    input: [3, 8, 8]
    layers:
      - {name: a, conv: {out: 4, kernel: 1}}
      - {name: sum, from: [a, b], add: {}}
      - {name: b, from: input, conv: {out: 4, kernel: 1}}
      - {name: out, from: sum, relu: {}}
"""


def test_from_builds_a_dag_in_any_order():
    r = rows(DAG)
    assert r["sum"].inputs == ("a", "b")
    names = list(r)
    assert names.index("b") < names.index("sum")       # topological order
    assert report_of(DAG).output_shape == (4, 8, 8)


def test_branches_list_and_mapping_and_identity():
    r = rows("""
        input: [8, 6, 6]
        layers:
          - name: cat
            concat:
              - [{conv: {out: 2, kernel: 1}}]
              - [{conv: {out: 3, kernel: 3, padding: 1}}, relu]
              - []
          - name: res
            add:
              main: [{conv: {out: 13, kernel: 1}}]
              skip: []
    """)
    assert r["cat"].inputs == ("cat.b0.conv1", "cat.b1.relu1", "input")
    assert r["cat"].output_shape == (2 + 3 + 8, 6, 6)
    assert r["res"].inputs == ("res.main.conv1", "cat")
    assert r["res.main.conv1"].inputs == ("cat",)


def test_blocks_arguments_expressions_and_repeat_names():
    r = rows("""
        input: [16, 8, 8]
        blocks:
          bottleneck:
            args: {width: 4, stride: 1}
            layers:
              - {name: reduce, conv: {out: $width, kernel: 1}}
              - {name: conv, conv: {out: $width, kernel: 3, stride: $stride, padding: 1}}
              - {name: expand, conv: {out: $width * 4, kernel: 1}}
        layers:
          - {name: stage, bottleneck: {width: 4}, repeat: 3}
          - {name: down, bottleneck: {width: 4, stride: 2}}
    """)
    assert [n for n in r if n.startswith("stage.1.")] == ["stage.1.reduce", "stage.1.conv", "stage.1.expand"]
    assert r["stage.1.reduce"].inputs == ("stage.0.expand",)
    assert r["stage.2.expand"].output_shape == (16, 8, 8)
    assert r["down.reduce"].inputs == ("stage.2.expand",)
    assert r["down.expand"].output_shape == (16, 4, 4)


def test_integer_expressions():
    r = rows("""
        input: [3, 8, 8]
        blocks:
          b:
            args: {a: 6, b: 2}
            layers:
              - conv: {out: ($a + $b) // 2 - $a % 4, kernel: $b + 1, padding: -$b + 3}
        layers:
          - b: {a: 10}
    """)
    # out = (10 + 2) // 2 − 10 % 4 = 6 − 2 = 4; kernel 3; padding 1
    assert r["b1.conv1"].output_shape == (4, 8, 8)


def test_block_list_argument_and_from_input_inside_block():
    r = rows("""
        input: [4, 8, 8]
        blocks:
          res:
            args: {short: []}
            layers:
              - {name: c, conv: {out: 4, kernel: 3, padding: 1}}
              - {name: s, from: [c, input], add: {}}
        layers:
          - {name: r1, res: {}}
          - {name: r2, res: {}}
    """)
    assert r["r1.s"].inputs == ("r1.c", "input")
    assert r["r2.s"].inputs == ("r2.c", "r1.s")


def test_repeat_on_a_plain_layer():
    r = rows("""
        input: [4, 8, 8]
        layers:
          - {name: c, conv: {out: 4, kernel: 3, padding: 1}, repeat: 3}
          - {name: last, from: c, relu: {}}
    """)
    assert [n for n in r if n.startswith("c.")] == ["c.0", "c.1", "c.2"]
    assert r["last"].inputs == ("c.2",)


def test_defaults_flat_and_per_type_and_explicit_wins():
    r = rows("""
        input: [4, 8, 8]
        defaults: {bias: false, conv: {padding: 1}}
        layers:
          - conv: {out: 4, kernel: 3}
          - conv: {out: 4, kernel: 3, bias: true}
          - flatten
          - dense: {out: 2}
    """)
    assert r["conv1"].params == 4 * 4 * 9                # bias off by default
    assert r["conv1"].output_shape == (4, 8, 8)          # per-type padding default
    assert r["conv2"].params == 4 * 4 * 9 + 4             # explicit wins
    assert r["dense1"].params == 256 * 2                  # flat default applies to dense too


def test_trainable_false_freezes_a_block():
    report = report_of("""
        input: [4, 8, 8]
        blocks:
          stem:
            layers: [{conv: {out: 4, kernel: 3}}, batchnorm]
        layers:
          - {stem: {}, trainable: false}
          - conv: {out: 2, kernel: 1}
    """)
    frozen = 4 * 4 * 9 + 4 + 2 * 4       # conv weights + bias + BN γ, β
    assert report.totals.non_trainable_params == frozen
    assert report.totals.trainable_params == 4 * 2 + 2
    assert report.totals.state == 2 * 4


def test_input_override():
    report = analyze_with_input()
    assert report.output_shape == (4, 30, 30)


def analyze_with_input():
    from cnncalc.analysis import analyze
    from cnncalc.spec import parse_spec
    return analyze(parse_spec("input: [3, 8, 8]\nlayers:\n  - conv: {out: 4, kernel: 3}\n", "t.yaml",
                              input_shape=(3, 32, 32)))


def test_unused_output_is_a_warning():
    report = report_of("""
        input: [3, 8, 8]
        layers:
          - {name: side, conv: {out: 2, kernel: 1}}
          - {name: main, from: input, conv: {out: 2, kernel: 1}}
    """)
    assert [(w.layer, "not used" in w.message) for w in report.warnings] == [("side", True)]


# --------------------------------------------------------------------------- errors, with their location

def error_of(text: str) -> SpecError:
    with pytest.raises(SpecError) as info:
        report_of(text)
    return info.value


@pytest.mark.parametrize("text, line, layer, fragment", [
    ("input: [3, 8, 8]\nlayers:\n  - conv: {out: 4, kernel: 3\n", 4, None, "YAML error"),
    ("input: [3, 8, 8]\nlayers:\n  - conw: {out: 4, kernel: 3}\n", 3, None, "did you mean 'conv'"),
    ("input: [3, 8, 8]\nlayers:\n  - conv: {out: 4}\n", 3, "conv1", "needs 'kernel'"),
    ("input: [3, 8, 8]\nlayers:\n  - conv:\n      out: four\n      kernel: 3\n", 4, "conv1", "'out' must be a positive int"),
    ("input: [3, 8, 8]\nlayers:\n  - conv: {out: 4, kernel: 3, strides: 2}\n", 3, "conv1", "did you mean 'stride'"),
    ("input: [3, 8, 8]\nlayerz: []\n", 2, None, "did you mean 'layers'"),
    ("input: [3, 8, 8]\nlayers:\n  - relu\n  - {from: nope, relu: {}}\n", 4, "relu2", "no layer has that name"),
    ("input: [3, 8, 8]\nlayers:\n  - {name: a, from: b, relu: {}}\n  - {name: b, from: a, relu: {}}\n", 3, "a", "cycle"),
    ("input: [3, 8, 8]\nlayers:\n  - {name: a, conv: {out: 4, kernel: 1}}\n  - {from: [a, input], add: {}}\n", 4, "add1", "add needs inputs of one shape"),
    ("input: [3, 8, 8]\nlayers:\n  - {name: a, maxpool: {kernel: 2}}\n  - {from: [a, input], concat: {}}\n", 4, "concat1", "other axes must match"),
    ("input: [3, 8, 8]\nlayers:\n  - conv: {out: 4, kernel: 9}\n", 3, "conv1", "larger than the padded input"),
    ("input: [3, 8, 8]\nlayers:\n  - conv: {out: 4, kernel: 3, groups: 2}\n", 3, "conv1", "not divisible by groups"),
    ("input: [3, 8, 8]\nlayers:\n  - conv: {out: 0, kernel: 3}\n", 3, "conv1", "positive"),
    ("input: [3, 0, 8]\nlayers:\n  - relu\n", 1, None, "positive"),
    ("input: [3, 8, 8]\nlayers:\n  - conv: {out: 4}\n    kernel: 3\n", 4, None, "indented"),
    ("input: [3, 8, 8]\nlayers:\n  - !!python/object:os.system {}\n", 3, None, "could not determine a constructor"),
    ("input: [3, 8, 8]\nblocks:\n  b: {layers: [{b: {}}]}\nlayers:\n  - b\n", 3, "b1.b1", "uses itself"),
    ("input: [3, 8, 8]\nblocks:\n  b: {args: {w: 1}, layers: [{conv: {out: $x, kernel: 1}}]}\nlayers:\n  - b\n", 3, "b1", "unknown argument $x"),
    ("input: [3, 8, 8]\nlayers:\n  - dense: {out: 3}\n", 3, "dense1", "flat input"),
    ("input: [4]\nlayers:\n  - conv: {out: 3, kernel: 1}\n", 3, "conv1", "needs an input shaped"),
])
def test_bad_specs_name_line_and_layer(text, line, layer, fragment):
    err = error_of(text)
    assert fragment in err.message
    assert err.location is not None and err.location.file == "test.yaml"
    assert err.location.line == line, str(err)
    assert err.layer == layer


@pytest.mark.parametrize("text, line, layer, fragment", [
    # a bad value set by 'defaults' is reported where 'defaults' sets it, naming the layer that took it
    ("input: [3, 8, 8]\ndefaults: {bias: maybe}\nlayers:\n  - conv: {out: 4, kernel: 3}\n", 2, "conv1",
     "from 'defaults'"),
    ("input: [3, 8, 8]\ndefaults:\n  conv: {stride: 0}\nlayers:\n  - conv: {out: 4, kernel: 3}\n", 3, "conv1",
     "from 'defaults'"),
    ("input: [3, 8, 8]\ndefaults: {conv: 5}\nlayers:\n  - relu\n", 2, None, "must be a mapping of its arguments"),
    # meta keys name the layer they belong to (its automatic name when it has none) and their own line
    ("input: [3, 8, 8]\nlayers:\n  - relu\n  - conv: {out: 4, kernel: 3}\n    trainable: 1\n", 5, "conv1",
     "'trainable' must be true or false"),
    ("input: [3, 8, 8]\nlayers:\n  - {name: c, conv: {out: 4, kernel: 3}, repeat: -1}\n", 3, "c",
     "'repeat' must be an int ≥ 0"),
])
def test_errors_in_defaults_and_meta_keys(text, line, layer, fragment):
    err = error_of(text)
    assert fragment in err.message
    assert err.location.line == line, str(err)
    assert err.layer == layer


def test_from_prefers_a_layer_written_earlier_in_an_enclosing_scope():
    """Inside the block, `from: x` means the top-level x written before the block, not the block's own x
    written after the asking layer (which would make a cycle); a name defined only later is still a
    forward reference."""
    r = rows("""
        input: [3, 8, 8]
        blocks:
          b:
            layers:
              - {name: m, from: x, relu: {}}
              - {name: x, conv: {out: 3, kernel: 1}}
              - {name: y, from: z, relu: {}}
              - {name: z, from: m, relu: {}}
        layers:
          - {name: x, conv: {out: 3, kernel: 1}}
          - b
    """)
    assert r["b1.m"].inputs == ("x",)
    assert r["b1.x"].inputs == ("b1.m",)
    assert r["b1.y"].inputs == ("b1.z",)


@pytest.mark.parametrize("entry, message", [
    # maxpool takes no 'out': the example is one of its own arguments (kernel, required) with a value it accepts
    ("{maxpool: 3}", "the arguments of maxpool must be a mapping such as {kernel: 3}, got 3"),
    ("{dense: 3}", "the arguments of dense must be a mapping such as {out: 3}, got 3"),
    ("{dropout: [1]}", "the arguments of dropout must be a mapping such as {rate: 0.5}, got [1]"),
    ("{relu: 3}", "the arguments of relu must be a mapping, such as {} (relu takes no arguments), got 3"),
    ("{concat: 3}", "the arguments of concat must be a mapping or branches such as [[...], [...]], got 3"),
])
def test_a_non_mapping_argument_gets_an_example_of_its_own_type(entry, message):
    err = error_of(f"input: [3, 8, 8]\nlayers:\n  - {entry}\n")
    assert (err.location.line, err.location.column, err.message) == (3, 6, message)


@pytest.mark.parametrize("entry, message", [
    # batchnorm has no 'kernel': say what is wrong instead of asking whether it is meant for batchnorm
    ("{batchnorm: {}, kernel: 3}", "one layer entry takes one type key, found batchnorm, kernel; 'kernel' is not a "
     "layer type, nor an entry key (name, from, repeat, trainable, if, share), nor an argument of batchnorm"),
    ("{conv: {out: 2, kernel: 3}, repaet: 2}", "one layer entry takes one type key, found conv, repaet; 'repaet' is "
     "not a layer type, nor an entry key (name, from, repeat, trainable, if, share), nor an argument of conv (did you mean "
     "'repeat'?)"),
    # conv does take 'kernel': then the question is the right one
    ("{conv: {out: 2}, kernel: 3}", "one layer entry takes one type key, found conv, kernel; is 'kernel' meant to be "
     "an argument of conv? It must be indented under it"),
])
def test_a_second_type_key_says_what_it_is_not(entry, message):
    err = error_of(f"input: [3, 8, 8]\nlayers:\n  - {entry}\n")
    assert (err.location.line, err.message) == (3, message)


@pytest.mark.parametrize("key", ["true", "~", "1.5", "two words", "'$x'"])
def test_a_block_argument_name_must_be_a_word(key):
    err = error_of(f"input: [3, 8, 8]\nblocks:\n  b:\n    args: {{{key}: 1}}\n    layers: [relu]\nlayers: [b]\n")
    assert (err.location.line, err.location.column) == (4, 12)
    assert err.message.endswith("of block 'b' must be a word (letters, digits, _), as $name uses it")


@pytest.mark.parametrize("text, line, cause", [
    ("input: [3, 8, 8]\nlayers:\n\t- relu\n", 3, "a tab character: YAML indents with spaces only"),
    ("input: [3, 8, 8]\nlayers:\n  - conv: {out: 4, kernel: 3\n  - relu\n", 5,
     "the '{' opened at line 3, column 11 is not closed"),              # `  - conv: {`: the brace is column 11
    ("input: [3, 8, 8\nlayers:\n  - relu\n", 2, "the '[' opened at line 1, column 8 is not closed"),
    ("input: [3, 8, 8]\nlayers:\n  - conv: {out: 4, kernel: 3}\n   - relu\n", 4,
     "indented unlike the lines of the block that starts at line 3, column 3"),
    ('input: [3, 8, 8]\nname: "abc\nlayers:\n  - relu\n', 5, "the quote opened at line 2, column 7 is not closed"),
])
def test_yaml_errors_name_the_usual_cause(text, line, cause):
    """PyYAML's words ('found character that cannot start any token') name no cause; the message adds the
    usual one: a tab, an unclosed bracket or quote, a line indented unlike its block."""
    err = error_of(text)
    assert "YAML error" in err.message and cause in err.message, err.message
    assert err.location is not None and err.location.line == line
