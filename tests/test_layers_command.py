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
    # the issue's arguments: stride, padding, output_padding, dilation, groups
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


def test_every_layer_module_is_discovered_and_defines_its_own_types():
    """No table says which module defines which type: every module of cnncalc/layers is imported, and each
    type is registered from the module it was written in."""
    import pkgutil
    import sys

    import cnncalc.layers
    modules = {f"cnncalc.layers.{m.name}" for m in pkgutil.iter_modules(cnncalc.layers.__path__)}
    assert modules <= set(sys.modules)
    for name, cls in REGISTRY.items():
        assert cls.type_name == name and cls.__module__ in modules, name


def test_the_analyze_path_does_not_read_entry_points():
    """Plug-ins are read only for a name that is not built in: a spec of built-in types never scans the
    installed distributions (milliseconds of start-up)."""
    import subprocess
    import sys
    code = ("import importlib.metadata as m\n"
            "def scanned(**kwargs): raise SystemExit('entry points were scanned')\n"
            "m.entry_points = scanned\n"
            "from cnncalc.cli import main\n"
            "main(['analyze', 'specs/zoo/resnet50.yaml', '--format', 'json'])\n")   # blocks, no plug-in type
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert '"params": 25557032' in done.stdout
    flat_defaults = code.replace("specs/zoo/resnet50.yaml", "specs/seed/inception_bottleneck.yaml")
    done = subprocess.run([sys.executable, "-c", flat_defaults], cwd=root, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


ISSUE_10_TYPES = {"mul": [], "scale": [], "silu": [], "hardswish": [], "hardsigmoid": [], "mish": [],
                  "prelu": ["per_channel"], "identity": [], "stochastic_depth": ["rate", "mode"],
                  "channel_shuffle": ["groups"]}


def test_issue_10_element_wise_and_routing_types_are_listed_with_their_arguments(cli, cli_json):
    data = {entry["type"]: entry for entry in cli_json("layers")["layers"]}
    for name, args in ISSUE_10_TYPES.items():
        assert [a["name"] for a in data[name]["args"]] == args, name
    code, out, err = cli("layers", "swish")          # the alias finds silu
    assert code == 0 and "x·sigmoid(x)" in out, err
