"""`cnncalc layers`: generated from the registry, so every type and every argument appears with its default."""

from __future__ import annotations

import re
from pathlib import Path

from cnncalc.layers import REGISTRY

CHAPTER_TYPES = ["conv_transpose", "depthwise_conv", "separable_conv", "local", "tiled_conv", "spp",
                 "adaptive_avgpool", "adaptive_maxpool", "netvlad", "lrn", "upsample", "pad", "reshape",
                 "embedding"]


def test_every_type_is_listed(cli):
    code, out, err = cli("layers")
    assert code == 0, err
    listed = {line.split()[0] for line in out.splitlines() if line.strip() and line.startswith(" ")
              and re.match(r" [a-z_]+ ", line)}
    for name in [*CHAPTER_TYPES, "conv", "maxpool", "dense"]:
        assert name in listed, name
    assert "input" not in listed


def test_json_gives_arguments_and_defaults(cli_json):
    data = {entry["type"]: entry for entry in cli_json("layers")["layers"]}
    assert set(CHAPTER_TYPES) <= set(data)
    args = {a["name"]: a for a in data["conv_transpose"]["args"]}
    # the arguments: stride, padding, output_padding, dilation, groups
    assert {"out", "kernel", "stride", "padding", "output_padding", "dilation", "groups", "bias"} == set(args)
    assert args["out"]["required"] and args["kernel"]["required"]
    assert (args["stride"]["default"], args["output_padding"]["default"], args["bias"]["default"]) == (1, 0, True)
    assert data["conv_transpose"]["aliases"] == ["deconv"]
    spp = {a["name"]: a for a in data["spp"]["args"]}
    assert spp["levels"]["required"] and spp["mode"]["default"] == "max"
    local = {a["name"]: a for a in data["local"]["args"]}
    assert local["bias"]["default"] == "position"


def test_one_type_in_detail(cli):
    code, out, err = cli("layers", "separable_conv")
    assert code == 0, err
    assert "multiplier" in out and "pointwise" in out
    code, out, err = cli("layers", "separabel_conv")
    assert code == 2 and "did you mean" in err.lower()


def test_every_type_is_documented_in_spec_md():
    spec_md = (Path(__file__).resolve().parent.parent / "docs" / "spec.md").read_text()
    for name, cls in REGISTRY.items():
        if cls.arity == 0:
            continue
        assert f"`{name}`" in spec_md, name
        for field in cls.arg_fields():
            assert f"`{field.name}" in spec_md, (name, field.name)


def test_every_chapter_type_has_a_flops_row():
    conventions = (Path(__file__).resolve().parent.parent / "docs" / "conventions.md").read_text()
    flops_table = conventions.split("## FLOPs", 1)[1].split("\n## ", 1)[0]
    for name in CHAPTER_TYPES:
        assert f"`{name}`" in flops_table, name


def test_families_table_matches_what_the_modules_register():
    import importlib

    from cnncalc.layers import FAMILIES, base
    for module, names in FAMILIES.items():
        importlib.import_module(module)
        for name in names:
            cls = base.lookup(name)
            assert cls is not None and cls.__module__ == module, (module, name)
    registered = {*base.REGISTRY, *base.ALIASES}
    listed = {name for names in FAMILIES.values() for name in names}
    assert registered == listed
