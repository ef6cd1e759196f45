"""`cnncalc schema`: a valid draft 2020-12 schema that accepts every shipped spec and rejects broken ones
(each also refused by cnncalc itself); `--budget` for budget files."""

from __future__ import annotations

import glob
import json
import os
import textwrap

import jsonschema
import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHIPPED = sorted(glob.glob(os.path.join(ROOT, "specs", "*", "*.yaml")))


@pytest.fixture(scope="module")
def validator():
    from click.testing import CliRunner

    from cnncalc.cli import main

    result = CliRunner().invoke(main, ["schema"], catch_exceptions=False)
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_every_shipped_spec_validates(validator):
    assert len(SHIPPED) == 21 + 21           # specs/zoo and specs/seed, counted by hand (issue 22: + 3 + 6)
    for path in SHIPPED:
        with open(path) as handle:
            errors = list(validator.iter_errors(yaml.safe_load(handle)))
        assert not errors, (path, errors[0].message[:300])


GOOD = {
    "plain": """
        input: [3, 32, 32]
        defaults: {bias: false, conv: {padding: same}}
        budget: {params: 25.6M, activation_memory: 100MiB, macs: 4100000}
        layers:
          - {name: c1, conv: {out: 8, kernel: [3, 3], stride: 2, padding: [[0, 1], [1, 0]]}}
          - relu
          - {upsample: {scale: 2, mode: bilinear}}
          - {name: m, from: [upsample1, upsample1], add: {}}
          - {local: {out: 2, kernel: 1, bias: false}, trainable: false}
          - flatten
          - {dense: {out: 10}, repeat: 2}
    """,
    "tied weights": """
        input: [3, 32, 32]
        layers:
          - {name: a, conv: {out: 3, kernel: 3, padding: 1}}
          - {name: b, share: a}
          - {conv: {out: 3, kernel: 3, padding: 1}, share: a, repeat: 2}
    """,
    "templates inside a block": """
        input: [3, 32, 32]
        blocks:
          unit:
            args: {width: 8, k: 3, shortcut: []}
            layers:
              - add:
                  main: [{conv: {out: $width * 4, kernel: $k, padding: ($k - 1) // 2}}]
                  shortcut: $shortcut
        layers:
          - {conv: {out: 32, kernel: 1}}
          - {name: u, unit: {width: 8}, repeat: 2}
          - unit
    """,
}

GOOD["the family language"] = """
    args: {width: 1.0, resolution: 32, se: true}
    input: [3, $resolution, $resolution]
    defaults: {bias: '$width > 2'}
    blocks:
      b:
        args: {out: 8, mid: '$out // 2'}
        layers:
          - {conv: {out: '$input.channels * 2', kernel: 1}}
          - {conv: {out: $mid, kernel: 1}, if: '$out > 4'}
    layers:
      - {conv: {out: 'make_divisible(32 * $width, 8)', kernel: 3}, repeat: 0}
      - {if: $se, relu: {}}
      - {b: {out: 16}, repeat: '1 if $se else 0'}
      - {dropout: {rate: '$width / 5'}}
    """

GOOD["composition (issue 23)"] = """
    extends: zoo:mobilenet_v3_large
    imports: [{from: zoo:mobilenet_v3_large, blocks: [se]}]
    args: {dilated: true}
    blocks:
      unit:
        args: {act: relu}
        layers: [{name: act, $act: {}}, {conv: {out: '8 + $repeat.index', kernel: 1}}]
    layers:
      until: head
      replace: {bneck15: []}
      insert_after: {bneck14: [{se: {squeeze: 8}}]}
      append: [{unit: {act: hardswish}, repeat: 2}]
    """

GOOD["a tabulated family"] = """
    args: {variant: small, c: 8}
    variants: {small: {c: 8}, large: {c: 16}}
    input: [3, 8, 8]
    layers:
      - {conv: {out: 'quantize($c * 2 ** 0.5, 8)', kernel: 1}}
    """

BAD = {
    "unknown type": "input: [3, 8, 8]\nlayers:\n  - {convv: {out: 8, kernel: 3}}\n",
    "unknown bare type": "input: [3, 8, 8]\nlayers:\n  - rellu\n",
    "unknown argument": "input: [3, 8, 8]\nlayers:\n  - {conv: {out: 8, kernel: 3, strides: 2}}\n",
    "wrong type": "input: [3, 8, 8]\nlayers:\n  - {conv: {out: eight, kernel: 3}}\n",
    "a negative size": "input: [3, 8, 8]\nlayers:\n  - {conv: {out: 8, kernel: -3}}\n",
    "a bad enum": "input: [3, 8, 8]\nlayers:\n  - {conv: {out: 8, kernel: 3, padding: middle}}\n",
    "two type keys": "input: [3, 8, 8]\nlayers:\n  - {conv: {out: 8, kernel: 3}, relu: {}}\n",
    "an argument beside the type": "input: [3, 8, 8]\nlayers:\n  - {conv: {out: 8}, kernel: 3}\n",
    "a share that names no layer by a word": ("input: [3, 8, 8]\nlayers:\n  - {name: a, conv: {out: 3, kernel: 1}}\n"
                                              "  - {name: b, share: [a]}\n"),
    "repeat below 0": "input: [3, 8, 8]\nlayers:\n  - {relu: {}, repeat: -1}\n",
    "an if that is a number": "input: [3, 8, 8]\nlayers:\n  - {relu: {}, if: 1}\n",
    "unknown top-level key": "input: [3, 8, 8]\nlayer:\n  - relu\n",
    "no layers": "input: [3, 8, 8]\n",
    "an input of five axes": "input: [1, 2, 3, 4, 5]\nlayers: [relu]\n",
    "an unknown default": "input: [3, 8, 8]\ndefaults: {biass: false}\nlayers: [relu]\n",
    "an unknown budget key": "input: [3, 8, 8]\nbudget: {parms: 3M}\nlayers: [relu]\n",
    "a bad budget unit": "input: [3, 8, 8]\nbudget: {params: 3MiB}\nlayers: [relu]\n",
    "extends that is not one name": "extends: [zoo:resnet18]\n",
    "an unknown layer edit": "extends: zoo:resnet18\nlayers: {swap: {fc: []}}\n",
    "an import without from": "imports: [{blocks: [a]}]\ninput: [3, 8, 8]\nlayers: [relu]\n",
    "variants as a list": "args: {variant: a}\nvariants: [a]\ninput: [3, 8, 8]\nlayers: [relu]\n",
    "a variant that is not a mapping": "args: {variant: a}\nvariants: {a: 1}\ninput: [3, 8, 8]\nlayers: [relu]\n",
    "a wrong argument inside a block": ("input: [3, 8, 8]\nblocks:\n  b: {layers: [{conv: {out: 8, kernl: 3}}]}\n"
                                        "layers: [b]\n"),
}
# a block may have a layer type's name (issue 23): the spec's own block is meant
GOOD["a block named as a type"] = "input: [3, 8, 8]\nblocks:\n  conv: {layers: [relu]}\nlayers: [relu]\n"


@pytest.mark.parametrize("case", sorted(GOOD))
def test_good_specs_validate_and_analyse(validator, cli, tmp_path, case):
    text = textwrap.dedent(GOOD[case])
    assert not list(validator.iter_errors(yaml.safe_load(text)))
    spec = tmp_path / "good.yaml"
    spec.write_text(text)
    assert cli("analyze", str(spec), "--format", "json")[0] == 0


@pytest.mark.parametrize("case", sorted(BAD))
def test_broken_specs_fail_the_schema_and_cnncalc(validator, cli, tmp_path, case):
    assert list(validator.iter_errors(yaml.safe_load(BAD[case]))), case
    spec = tmp_path / "bad.yaml"
    spec.write_text(BAD[case])
    assert cli("analyze", str(spec))[0] == 2


def test_types_and_arguments_come_from_the_registry(validator):
    from cnncalc.layers import registry

    schema = validator.schema
    for name, cls in registry().items():
        if cls.arity == 0:
            continue
        args = schema["$defs"][f"args.{name}.strict"]
        assert args["description"]
        mapping = next(form for form in args["anyOf"] if form.get("type") == "object")
        assert sorted(mapping["properties"]) == sorted(f.name for f in cls.arg_fields())
    conv = next(f for f in schema["$defs"]["args.conv.strict"]["anyOf"] if f.get("type") == "object")
    assert conv["properties"]["stride"]["default"] == 1
    assert conv["properties"]["bias"]["anyOf"][0]["type"] == "boolean"       # or an expression (anyOf[1])
    gelu = next(f for f in schema["$defs"]["args.gelu.strict"]["anyOf"] if f.get("type") == "object")
    assert gelu["properties"]["approximate"]["anyOf"][0]["enum"] == ["none", "tanh"]


def test_budget_schema_validates_the_budget_file(cli):
    code, out, _ = cli("schema", "--budget")
    assert code == 0
    schema = json.loads(out)
    jsonschema.Draft202012Validator.check_schema(schema)
    check = jsonschema.Draft202012Validator(schema)
    with open(os.path.join(ROOT, "specs", "budgets.yaml")) as handle:
        assert not list(check.iter_errors(yaml.safe_load(handle)))
    for bad in ({"specs": {"a.yaml": {"parms": 3}}}, {"spec": {"a.yaml": {"params": 3}}},
                {"specs": {"a.yaml": {"params": "3 apples"}}}, {"specs": {}}):
        assert list(check.iter_errors(bad)), bad
