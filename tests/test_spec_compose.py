"""Specs that build on specs and blocks that take blocks (issue 23, docs/spec.md "Specs built on specs",
"Blocks as values", "repeat's copies"): extends:, imports:, layer edits, a type or block passed as an argument
and used as a type key, if: alternatives sharing a name, $repeat.index / $repeat.count / $block.index, and a
spec's own blocks shadowing layer types. Every figure is derived by hand beside it."""

from __future__ import annotations

import json
import os
import textwrap

import pytest

from cnncalc.analysis import analyze
from cnncalc.errors import SpecError
from cnncalc.spec import ReadLimits, parse_spec, read_spec
from cnncalc.spec.inherit import MAX_FILES

BASE = """\
name: base
args: {width: 8, classes: 10}
input: [3, 8, 8]
defaults: {conv: {bias: false}}
blocks:
  unit:
    args: {out: 8}
    layers:
      - {name: conv, conv: {out: $out, kernel: 3, padding: 1}}
      - {name: act, relu: {}}
layers:
  - {name: stem, unit: {out: $width}}
  - {name: body, unit: {out: $width}}
  - {name: pool, global_avgpool: {}}
  - {name: classifier, dense: {out: $classes}}
"""


def conv_params(c_in, c_out, k, bias=False):
    return c_out * c_in * k * k + (c_out if bias else 0)


def test_extends_inherits_everything(write):
    write(BASE, "base.yaml")
    child = write("extends: base.yaml\n", "child.yaml")
    rep = analyze(read_spec(child))
    # stem 3→8 (3·3 kernel, no bias: the inherited default) 216, body 8→8 576, dense 8→10 with bias 90
    assert rep.totals.params == conv_params(3, 8, 3) + conv_params(8, 8, 3) + 8 * 10 + 10 == 882
    assert rep.name == "child" and rep.output_shape == (10,)


def test_extends_overrides_arguments_blocks_and_layers_by_name(write):
    write(BASE, "base.yaml")
    child = write("""\
        extends: base.yaml
        args: {width: 16}
        input: [3, 4, 4]
        defaults: {conv: {bias: true}}
        blocks:
          unit:                          # replaces the base's unit, also where the base's layers use it
            args: {out: 8}
            layers: [{conv: {out: $out, kernel: 1}}]
        layers:
          replace:
            classifier: [{name: head, dense: {out: 2}}]
          insert_after:
            body: [{name: extra, conv: {out: 4, kernel: 1}}]
        """, "child.yaml")
    rep = analyze(read_spec(child, overrides={"classes": 3}))
    names = [r.name for r in rep.rows]
    assert names == ["input", "stem.conv1", "body.conv1", "extra", "pool", "head"]
    # 1×1 convs with bias (the child's default): 3→16 64, 16→16 272, 16→4 68; dense 4→2 with bias 10
    assert rep.totals.params == (16 * 3 + 16) + (16 * 16 + 16) + (4 * 16 + 4) + (4 * 2 + 2) == 414
    assert rep.input_shape == (3, 4, 4)


def test_until_and_append_keep_the_backbone(write):
    write(BASE, "base.yaml")
    child = write("""\
        extends: base.yaml
        layers:
          until: body
          append: [{name: seg, conv: {out: 2, kernel: 1}, from: stem}]
        """, "child.yaml")
    rep = analyze(read_spec(child))
    assert [r.name for r in rep.rows][-1] == "seg" and rep.output_shape == (2, 8, 8)
    # stem 216 + body 576 + a 1×1 conv 8→2 without bias (16); pool and classifier dropped
    assert rep.totals.params == 216 + 576 + 16
    # body's output is unused now: the analysis says so
    assert any(w.layer == "body.act" for w in rep.warnings)


def test_a_list_of_layers_replaces_the_bases(write):
    write(BASE, "base.yaml")
    child = write("extends: base.yaml\nlayers: [{unit: {out: 4}}]\n", "child.yaml")
    assert analyze(read_spec(child)).totals.params == conv_params(3, 4, 3) == 108


def test_a_chain_of_three_and_set_through_it(write, cli):
    write(BASE, "base.yaml")
    write("extends: base.yaml\nargs: {width: 4}\n", "mid.yaml")
    top = write("extends: mid.yaml\nargs: {classes: 5}\n", "top.yaml")
    # width 4: stem 3→4 108, body 4→4 144, dense 4→5 25
    assert analyze(read_spec(top)).totals.params == 108 + 144 + 25
    code, out, err = cli("analyze", top, "--set", "width=2", "--format", "json")
    assert code == 0, err
    # width 2: 3→2 54, 2→2 36, dense 2→5 15
    assert json.loads(out)["totals"]["params"] == 54 + 36 + 15


def test_extends_a_zoo_spec_in_a_few_lines_and_replaces_the_classifier(write):
    child = write("""\
        extends: zoo:mobilenet_v3_large
        layers:
          replace:
            classifier: [{name: classifier, dense: {out: 10, bias: true}}]
        """)
    rep = analyze(read_spec(child))
    # torchvision's mobilenet_v3_large: 5,483,032 parameters, of which the last Linear(1280, 1000) holds
    # 1,281,000; Linear(1280, 10) holds 12,810
    assert rep.totals.params == 5_483_032 - 1_281_000 + 12_810
    assert rep.output_shape == (10,)


def test_a_subfolder_and_a_parent_within_the_tree(tmp_path):
    (tmp_path / "nets").mkdir()
    (tmp_path / "base.yaml").write_text(BASE)
    (tmp_path / "nets" / "a.yaml").write_text("extends: ../base.yaml\n")
    # the spec read is nets/a.yaml: its folder is nets/, and ../base.yaml is outside it
    with pytest.raises(SpecError) as err:
        read_spec(str(tmp_path / "nets" / "a.yaml"))
    assert "outside the spec's folder" in err.value.message and err.value.location.line == 1
    (tmp_path / "top.yaml").write_text("extends: nets/a.yaml\n")
    assert analyze(read_spec(str(tmp_path / "top.yaml"))).totals.params == 882


def test_imports_bring_blocks_and_the_blocks_they_use(write):
    write("""\
        input: [3, 8, 8]
        blocks:
          conv_act:
            args: {out: 8}
            layers: [{conv: {out: $out, kernel: 1, bias: false}}, relu]
          pair:
            args: {out: 8}
            layers: [{conv_act: {out: $out}}, {conv_act: {out: $out}}]
          unused:
            layers: [relu]
        layers: [relu]
        """, "lib.yaml")
    spec = write("""\
        imports: [{from: lib.yaml, blocks: [pair]}]
        input: [3, 8, 8]
        layers: [{pair: {out: 4}}]
        """)
    # 1×1 3→4 12, 4→4 16
    assert analyze(read_spec(spec)).totals.params == 12 + 16
    # a block passed as a default value comes too
    write(RESIDUAL, "residual.yaml")
    wrapped = write("imports: [{from: residual.yaml, blocks: [residual]}]\ninput: [8, 4, 4]\n"
                    "layers: [{residual: {}}]\n", "wrapped.yaml")
    # residual's default body is fused (expand 2): 3×3 8→16 with bias 1,168, 1×1 16→8 with bias 136
    assert analyze(read_spec(wrapped)).totals.params == 1168 + 136
    whole = write("imports: [lib.yaml]\ninput: [3, 8, 8]\nlayers: [unused, {conv_act: {}}]\n", "whole.yaml")
    assert analyze(read_spec(whole)).totals.params == 3 * 8


ERRORS = [
    # (files, the file read, its line of the error, words of the message)
    ({"a.yaml": "extends: b.yaml\n", "b.yaml": "extends: a.yaml\n"}, "a.yaml", ("b.yaml", 1),
     "cannot extend or import itself (a.yaml → b.yaml → a.yaml)"),
    ({"a.yaml": "extends: a.yaml\n"}, "a.yaml", ("a.yaml", 1), "cannot extend or import itself (a.yaml → a.yaml)"),
    ({"a.yaml": "imports: [b.yaml]\ninput: [3]\nlayers: [relu]\n", "b.yaml": "imports: [a.yaml]\n"}, "a.yaml",
     ("b.yaml", 1), "cannot extend or import itself"),
    ({"a.yaml": "name: x\nextends: nowhere.yaml\n"}, "a.yaml", ("a.yaml", 2), "no such file"),
    ({"a.yaml": "extends: zoo:resnet5\n"}, "a.yaml", ("a.yaml", 1), "did you mean 'zoo:resnet50'"),
    ({"a.yaml": "extends: /etc/passwd\n"}, "a.yaml", ("a.yaml", 1), "not an absolute one"),
    ({"a.yaml": "extends: [b.yaml]\n"}, "a.yaml", ("a.yaml", 1), "names one spec"),
    ({"a.yaml": "extends: b.yaml\n", "b.yaml": "- relu\n"}, "a.yaml", ("a.yaml", 1), "is not a spec"),
    ({"a.yaml": "extends: b.yaml\n", "b.yaml": BASE + "colour: red\n"}, "a.yaml", ("b.yaml", 16),
     "unknown top-level key 'colour'"),
    ({"a.yaml": "extends: b.yaml\nlayers: {replace: {clasifier: []}}\n", "b.yaml": BASE}, "a.yaml", ("a.yaml", 2),
     "no top-level layer named 'clasifier' (did you mean 'classifier'?)"),
    ({"a.yaml": "extends: b.yaml\nlayers: {until: pool, swap: {}}\n", "b.yaml": BASE}, "a.yaml", ("a.yaml", 2),
     "unknown layer edit 'swap'"),
    ({"a.yaml": "extends: b.yaml\nlayers: {replace: {pool: relu}}\n", "b.yaml": BASE}, "a.yaml", ("a.yaml", 2),
     "takes a list of layer entries"),
    ({"a.yaml": "extends: b.yaml\nlayers:\n  until: pool\n  replace: {classifier: []}\n", "b.yaml": BASE},
     "a.yaml", ("a.yaml", 4), "the layer 'classifier' is after 'until: pool', so dropped already"),
    ({"a.yaml": "extends: b.yaml\nlayers:\n  replace: {stem: [], body: [], pool: [], classifier: []}\n",
      "b.yaml": BASE}, "a.yaml", ("a.yaml", 3), "leave no layers"),
    ({"a.yaml": "imports: [b.yaml]\nblocks: {unit: {layers: [relu]}}\ninput: [3]\nlayers: [relu]\n", "b.yaml": BASE},
     "a.yaml", ("a.yaml", 1), "block 'unit' of 'b.yaml' is also defined at"),
    ({"a.yaml": "imports: [b.yaml, c.yaml]\ninput: [3]\nlayers: [relu]\n", "b.yaml": BASE, "c.yaml": BASE},
     "a.yaml", ("a.yaml", 1), "block 'unit' of 'c.yaml' is also defined at"),
    ({"a.yaml": "imports: [{from: b.yaml, blocks: [unti]}]\ninput: [3]\nlayers: [relu]\n", "b.yaml": BASE},
     "a.yaml", ("a.yaml", 1), "has no block 'unti' (did you mean 'unit'?)"),
    ({"a.yaml": "imports: [{from: b.yaml, block: [unit]}]\ninput: [3]\nlayers: [relu]\n", "b.yaml": BASE},
     "a.yaml", ("a.yaml", 1), "unknown key 'block' in an import"),
    ({"a.yaml": "imports: b.yaml\ninput: [3]\nlayers: [relu]\n", "b.yaml": BASE}, "a.yaml", ("a.yaml", 1),
     "'imports' is a list"),
    ({"a.yaml": "imports: [b.yaml]\ninput: [3]\nlayers: [relu]\n", "b.yaml": "input: [3]\nlayers: [relu]\n"},
     "a.yaml", ("a.yaml", 1), "has no blocks to import"),
]


@pytest.mark.parametrize("files, read, at, words", ERRORS, ids=[e[3][:30] for e in ERRORS])
def test_composition_errors_are_located_and_exit_2(tmp_path, cli, files, read, at, words):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    code, out, err = cli("analyze", str(tmp_path / read))
    assert code == 2 and out == ""
    assert words in err, err
    file, line = at
    assert f"{file}:{line}:" in err, err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_a_base_outside_the_folder_is_never_read(tmp_path, cli):
    inside = tmp_path / "inside"
    inside.mkdir()
    (tmp_path / "secret.yaml").write_text(BASE)
    (inside / "a.yaml").write_text("extends: ../secret.yaml\n")
    code, _, err = cli("analyze", str(inside / "a.yaml"))
    assert code == 2 and "outside the spec's folder" in err and "a.yaml:1:" in err
    # a link inside the folder to a file outside it is outside too
    os.symlink(tmp_path / "secret.yaml", inside / "link.yaml")
    (inside / "b.yaml").write_text("extends: link.yaml\n")
    code, _, err = cli("analyze", str(inside / "b.yaml"))
    assert code == 2 and "outside the spec's folder" in err and "b.yaml:1:" in err


def test_a_base_that_is_no_regular_file_is_never_opened(tmp_path, cli):
    os.mkfifo(tmp_path / "pipe.yaml")                  # opening it would wait for a writer for ever
    (tmp_path / "folder.yaml").mkdir()
    for base in ("pipe.yaml", "folder.yaml"):
        (tmp_path / "a.yaml").write_text(f"extends: {base}\n")
        code, _, err = cli("analyze", str(tmp_path / "a.yaml"))
        assert code == 2 and "is not a spec file" in err and "a.yaml:1:" in err


def test_text_without_a_file_extends_only_shipped_specs():
    with pytest.raises(SpecError) as err:
        parse_spec("extends: base.yaml\n")
    assert "zoo:NAME or seed:NAME" in err.value.message and err.value.location.line == 1
    spec = parse_spec("extends: seed:single_5x5\n")
    assert spec.graph.nodes


def test_the_read_limits_hold_across_the_chain(tmp_path):
    (tmp_path / "base.yaml").write_text(BASE)
    (tmp_path / "a.yaml").write_text("extends: base.yaml\n")
    size = len(BASE) + len("extends: base.yaml\n")
    # each file alone is within the limit, together they are over it
    with pytest.raises(SpecError) as err:
        read_spec(str(tmp_path / "a.yaml"), read_limits=ReadLimits(max_bytes=size - 1))
    assert "together" in err.value.message and err.value.location.line == 1
    assert read_spec(str(tmp_path / "a.yaml"), read_limits=ReadLimits(max_bytes=size)).graph.nodes
    # a chain longer than MAX_FILES: refused at the extends: that passes it
    (tmp_path / "s0.yaml").write_text(BASE)
    for i in range(1, MAX_FILES + 1):
        (tmp_path / f"s{i}.yaml").write_text(f"extends: s{i - 1}.yaml\n")
    with pytest.raises(SpecError) as err:
        read_spec(str(tmp_path / f"s{MAX_FILES}.yaml"))
    assert f"more than {MAX_FILES} specs" in err.value.message
    assert read_spec(str(tmp_path / f"s{MAX_FILES - 1}.yaml")).graph.nodes      # 16 files: within it


# ------------------------------------------------------------------------------------ blocks as values

RESIDUAL = """\
input: [8, 4, 4]
blocks:
  fused:
    args: {expand: 2}
    layers:
      - {conv: {out: '$input.channels * $expand', kernel: 3, padding: 1}}
      - {conv: {out: $input.channels, kernel: 1}}
  residual:
    args: {body: fused, act: relu, gated: false}
    layers:
      - add:
          main: [{name: body, $body: {}}]
          shortcut: []
      - {if: $gated, name: act, sigmoid: {}}
      - {if: not $gated, name: act, $act: {}}
layers:
  - {name: r1, residual: {}}
  - {name: r2, residual: {body: {fused: {expand: 4}}, act: tanh}}
  - {name: r3, residual: {body: relu, gated: true}}
"""


def test_one_residual_block_wraps_any_body():
    rep = analyze(parse_spec(RESIDUAL))
    rows = {r.name: r for r in rep.rows}
    # r1: fused, expand 2: 3×3 8→16 with bias 1,168, 1×1 16→8 with bias 136
    assert rows["r1.add1.main.body.conv1"].params == 8 * 16 * 9 + 16 == 1168
    assert rows["r1.add1.main.body.conv2"].params == 16 * 8 + 8 == 136
    # r2: the block given with its arguments, expand 4: 8→32 2,336, 32→8 264; its act the tanh passed
    assert rows["r2.add1.main.body.conv1"].params == 8 * 32 * 9 + 32 == 2336
    assert rows["r2.act"].type == "tanh" and rows["r1.act"].type == "relu"
    # r3: a layer type as the body, and the other 'act' alternative
    assert rows["r3.add1.main.body"].type == "relu" and rows["r3.act"].type == "sigmoid"
    assert rep.totals.params == 1168 + 136 + 2336 + 264


def test_arguments_written_beside_a_passed_block_override_its_own():
    spec = parse_spec(RESIDUAL.replace("main: [{name: body, $body: {}}]", "main: [{name: body, $body: {expand: 1}}]")
                      .replace("- {name: r3, residual: {body: relu, gated: true}}\n", ""))
    rows = {r.name: r for r in analyze(spec).rows}
    # expand 1 wins over both the default 2 and the 4 passed: 3×3 8→8 with bias 584
    assert rows["r1.add1.main.body.conv1"].params == rows["r2.add1.main.body.conv1"].params == 8 * 8 * 9 + 8


@pytest.mark.parametrize("text, line, words", [
    ("args: {act: 3}\ninput: [4]\nlayers: [{$act: {}}]\n", 3, "'$act' is 3"),
    ("args: {act: relu}\ninput: [4]\nlayers: [{$act$act: {}}]\n", 3, "one $name"),
    ("args: {act: relu}\ninput: [4]\nlayers: [{$act: {}, relu: {}}]\n", 3, "a key this mapping has already"),
    ("args: {act: rleu}\ninput: [4]\nlayers: [{$act: {}}]\n", 3, "unknown layer type 'rleu'"),
    ("args: {act: {relu: {}, tanh: {}}}\ninput: [4]\nlayers: [{$act: {}}]\n", 3, "names a layer type or a block"),
])
def test_a_type_key_argument_errors(cli, write, text, line, words):
    code, out, err = cli("analyze", write(text))
    assert code == 2 and out == "" and words in err and f"spec.yaml:{line}:" in err, err


# ------------------------------------------------------------------------------ if: alternatives and names

def test_if_alternatives_share_a_name_but_two_that_survive_do_not(cli, write):
    ok = write("args: {hs: true}\ninput: [4]\nlayers:\n  - {if: $hs, name: act, hardswish: {}}\n"
               "  - {if: not $hs, name: act, relu: {}}\n  - {name: after, from: act, dense: {out: 2}}\n")
    code, out, err = cli("analyze", ok, "--format", "json")
    assert code == 0, err and '"act"' in out
    for hs in ("true", "false"):
        rows = analyze(read_spec(ok, overrides={"hs": hs == "true"})).rows
        assert rows[1].name == "act" and rows[1].type == ("hardswish" if hs == "true" else "relu")
    both = write("input: [4]\nlayers:\n  - {if: true, name: act, hardswish: {}}\n  - {if: true, name: act, relu: {}}\n",
                 "both.yaml")
    code, out, err = cli("analyze", both)
    assert code == 2 and "the name 'act' is used twice" in err and "both.yaml:4:" in err


# ------------------------------------------------------------------------------------- repeat's copies

def test_repeat_index_and_count_and_a_network_wide_block_index():
    spec = parse_spec(textwrap.dedent("""\
        args: {sd: 0.2, blocks: 5}
        input: [8, 4, 4]
        blocks:
          mb:
            args: {rate: '$sd * $block.index / $blocks'}
            layers:
              - {conv: {out: '8 + $repeat.index', kernel: 1}}
              - {conv: {out: 8, kernel: 1}}
              - {dropout: {rate: $rate}}
        layers:
          - {name: s1, mb: {}, repeat: 2}
          - {name: s2, mb: {}, repeat: 3}
          - {name: c, conv: {out: '4 * $repeat.count + $repeat.index', kernel: 1}, repeat: 3}
        """))
    nodes = spec.graph.nodes
    # torchvision's rule: sd_prob = 0.2 · stage_block_id / total_stage_blocks over the 5 blocks, 0 to 4
    assert [nodes[f"{s}.dropout1"].layer.rate for s in ("s1.0", "s1.1", "s2.0", "s2.1", "s2.2")] == \
        [0, 0.04, 0.08, 0.12, 0.16]
    # the copy's index inside the block it calls: 8 + 0, 8 + 1 (s1), 8 + 0, 8 + 1, 8 + 2 (s2)
    assert [analyze(spec).rows[i].output_shape[0] for i in (1, 4, 7, 10, 13)] == [8, 9, 8, 9, 10]
    # 4 · 3 + 0, 1, 2
    assert [r.output_shape[0] for r in analyze(spec).rows if r.name.startswith("c.")] == [12, 13, 14]


@pytest.mark.parametrize("text, words", [
    ("input: [4]\nlayers: [{dense: {out: '$repeat.index + 1'}}]\n", "in a repeated entry"),
    ("input: [4]\nlayers: [{dense: {out: '$repeat.number + 1'}, repeat: 2}]\n", "$repeat.index and $repeat.count"),
    ("input: [4]\nlayers: [{dense: {out: '$block.index + 1'}}]\n", "inside a block"),
    ("input: [4]\nblocks: {b: {layers: [relu]}}\nlayers: [{b: {}, if: '$block.count > 0'}]\n", "inside a block"),
])
def test_repeat_and_block_errors(cli, write, text, words):
    code, out, err = cli("analyze", write(text))
    assert code == 2 and words in err and f"spec.yaml:{text.count(chr(10))}:" in err, err


# ------------------------------------------------------------------------- blocks shadow layer types

def test_a_user_block_named_like_a_layer_type_keeps_its_meaning(cli, write):
    spec = write("""\
        input: [8, 4, 4]
        blocks:
          layernorm:                      # a user's own 'layernorm', written before the type existed
            args: {out: 8}
            layers: [{conv: {out: $out, kernel: 1}}, relu]
        layers:
          - {name: ln, layernorm: {out: 4}}
        """)
    rep = analyze(read_spec(spec))
    # the block: a 1×1 conv 8→4 with bias (36) and a relu, not a layer norm (which would keep 8 channels)
    assert rep.totals.params == 8 * 4 + 4 and rep.output_shape == (4, 4, 4)
    assert [(w.layer, "shadow" in w.message) for w in rep.warnings] == [("ln", True)]
    code, out, err = cli("analyze", spec)
    assert code == 0 and "block 'layernorm'" in out and "shadow" in out


def test_one_block_imported_twice_is_no_conflict(write):
    # bneck brings se (it uses it); importing se again names the same definition
    spec = write("""\
        imports: [{from: zoo:mobilenet_v3_large, blocks: [bneck]}, {from: zoo:mobilenet_v3_large, blocks: [se]}]
        input: [16, 8, 8]
        layers: [{se: {squeeze: 8}}]
        """)
    # SE on 16 channels: 1×1 16→8 and 8→16, both with bias: 136 + 144
    assert analyze(read_spec(spec)).totals.params == 16 * 8 + 8 + 8 * 16 + 16 == 280


def test_a_spec_with_extends_and_no_layers_is_a_spec_for_skip_non_specs(write):
    from cnncalc.spec import is_spec
    assert is_spec(write("extends: zoo:mobilenet_v3_large\n"))
    assert not is_spec(write("steps: [build]\n", "workflow.yaml"))


def test_block_count_is_every_instance_of_the_block_in_the_network():
    spec = parse_spec(textwrap.dedent("""\
        args: {sd: 0.2}
        input: [8, 4, 4]
        blocks:
          mb:
            args: {rate: '$sd * $block.index / $block.count'}
            layers: [{conv: {out: 8, kernel: 1}}, {dropout: {rate: $rate}}]
          other:
            layers: [{dropout: {rate: '1 / ($block.count + 1)'}}]
        layers:
          - {name: s1, mb: {}, repeat: 2}
          - {name: o, other: {}}
          - {name: s2, mb: {}, repeat: 3}
        """))
    nodes = spec.graph.nodes
    # torchvision's EfficientNet rule over 5 blocks: 0.2 · k / 5 for k = 0 … 4; 'other' is counted apart (1, so 1 / 2)
    assert [nodes[f"{s}.dropout1"].layer.rate for s in ("s1.0", "s1.1", "s2.0", "s2.1", "s2.2")] == \
        [0, 0.04, 0.08, 0.12, 0.16]
    assert nodes["o.dropout1"].layer.rate == 0.5


def test_block_count_may_decide_the_blocks_a_block_calls(write, cli):
    spec = write("""\
        input: [8, 4, 4]
        blocks:
          mb:
            args: {n: '$block.count'}
            layers: [{name: x, leaf: {}, repeat: $n}]
          leaf:
            layers: [relu]
        layers:
          - {name: s1, mb: {}, repeat: 2}
        """)
    # two mb, each with count 2 leaves: 4 relus (the first build's stand-ins, 2 and 3, would give 5)
    assert [r.type for r in analyze(read_spec(spec)).rows[1:]] == ["relu"] * 4
    # nested deeper than the builds follow: five levels, each calling the next once if it is alone, else
    # twice; every one is alone, but a level learns it only in the build after the level above did
    deep = write("input: [8]\nblocks:\n" + "".join(
        f"  l{i}:\n    layers: [{{l{i + 1}: {{}}, repeat: '1 if $block.count == 1 else 2'}}]\n" for i in range(5))
        + "  l5:\n    layers: [relu]\nlayers: [{l0: {}}]\n", "deep.yaml")
    code, out, err = cli("analyze", deep)
    assert code == 2 and "did not settle in 4 builds" in err and "deep.yaml:15:" in err, err


def test_a_stand_in_count_that_fails_is_not_the_specs_error():
    # 0.4 · count is a valid rate with the real count (2: 0.8), not with the first build's stand-in for the
    # second instance (index 1 + 2 = 3: 1.2); ConvNeXt's index / (count − 1) needs a stand-in above 1
    spec = parse_spec(textwrap.dedent("""\
        input: [8]
        blocks:
          b:
            args: {rate: '0.4 * $block.count', sd: '0.1 * $block.index / ($block.count - 1)'}
            layers: [{dropout: {rate: $rate}}, {dropout: {rate: $sd}}]
        layers:
          - {name: s, b: {}, repeat: 2}
        """))
    rates = [node.layer.rate for node in spec.graph.nodes.values() if node.name != "input"]
    assert rates == [0.8, 0, 0.8, 0.1]
    with pytest.raises(SpecError) as err:      # a real error: 0.4 · 3 with three instances
        parse_spec("input: [8]\nblocks:\n  b:\n    layers: [{dropout: {rate: '0.4 * $block.count'}}]\n"
                   "layers: [{b: {}, repeat: 3}]\n")
    assert "'rate' must be in [0, 1), got 1.2" in err.value.message


def test_layer_edits_take_one_pass_whatever_their_number(write):
    import time
    n = 6_000
    write("input: [4]\nlayers:\n" + "".join(f"  - {{name: r{i}, relu: {{}}}}\n" for i in range(n)), "big.yaml")
    edits = "".join(f"    r{i}: [{{name: t{i}, tanh: {{}}}}]\n" for i in range(0, n, 2))
    child = write(f"extends: big.yaml\nlayers:\n  replace:\n{edits}", "child.yaml")
    started = time.perf_counter()
    spec = read_spec(child)
    # one pass: the edits of 3,000 names over 6,000 layers take 0.06 s here (a pass per name took 10 s)
    assert time.perf_counter() - started < 5
    types = [node.layer.type_name for node in spec.graph.nodes.values()][1:]
    assert types == ["tanh", "relu"] * (n // 2)


def test_where_a_spec_argument_is_read_as_docs_spec_md_says(cli, write):
    base = "args: {width: 4}\ninput: [3, 8, 8]\nblocks:\n  unit:\n"
    # inside a block's layers: not the spec's argument (an error naming the block's own)
    inside = write(base + "    args: {out: 8}\n    layers: [{conv: {out: $width, kernel: 1}}]\nlayers: [unit]\n")
    code, _, err = cli("analyze", inside)
    assert code == 2 and "unknown argument $width" in err and "known: $out" in err and "spec.yaml:6:" in err
    # a default of the block's args, and a value passed at the call: the spec's argument
    default = write(base + "    args: {out: '$width * 2'}\n    layers: [{conv: {out: $out, kernel: 1}}]\n"
                    "layers: [unit, {unit: {out: $width}}]\n", "default.yaml")
    rows = analyze(read_spec(default)).rows
    assert [r.output_shape[0] for r in rows[1:]] == [8, 4]         # 4 · 2, then 4 passed


def test_standard_input_and_the_api_extend_shipped_specs(cli):
    import cnncalc
    text = "extends: zoo:mobilenet_v3_large\nlayers: {replace: {classifier: [{dense: {out: 10}}]}}\n"
    # torchvision's 5,483,032 less Linear(1280, 1000) (1,281,000), plus Linear(1280, 10) (12,810)
    expected = 5_483_032 - 1_281_000 + 12_810
    code, out, err = cli("analyze", "-", "--format", "json", input=text)
    assert code == 0, err
    assert json.loads(out)["totals"]["params"] == expected
    assert cnncalc.analyze(text).totals.params == expected
    code, out, err = cli("analyze", "-", input="extends: base.yaml\n")
    assert code == 2 and "<stdin>:1:" in err and "zoo:NAME or seed:NAME" in err
