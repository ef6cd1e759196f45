"""The exported file's classes (issue 24): one class per block definition whose constructor takes the values
its instances differ in, so no two classes of an exported zoo or seed file differ only in numbers; the
network's class builds with no arguments. Read from the text alone (no torch)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from cnncalc.export import export_pytorch
from cnncalc.spec import parse_spec, read_spec

REPO = Path(__file__).resolve().parents[2]
PATHS = sorted((REPO / "specs" / "zoo").glob("*.yaml")) + sorted((REPO / "specs" / "seed").glob("*.yaml"))


def alike_classes(text: str) -> list:
    """Pairs of classes of ``text`` that are the same code once every number is 0 and every class they use
    is replaced by its own such form (classes in the file's order: a class comes after those it uses)."""
    forms: dict = {}           # class name → its form
    seen: dict = {}            # form → the first class with it
    pairs = []
    for node in ast.parse(text).body:
        if not isinstance(node, ast.ClassDef):
            continue
        copy = ast.parse(ast.unparse(node)).body[0]
        copy.name = "C"
        for inner in ast.walk(copy):
            if isinstance(inner, ast.Constant) and type(inner.value) in (int, float):
                inner.value = 0
            if isinstance(inner, ast.Name) and inner.id in forms:
                inner.id = f"form{list(seen).index(forms[inner.id])}"
        form = ast.unparse(copy)
        if form in seen:
            pairs.append((seen[form], node.name))
        else:
            seen[form] = node.name
        forms[node.name] = form
    return pairs


def test_the_check_sees_two_classes_that_differ_only_in_numbers():
    text = ("class A(nn.Module):\n    def __init__(self):\n        self.c = nn.Conv2d(3, 8, 3)\n\n"
            "class A_2(nn.Module):\n    def __init__(self):\n        self.c = nn.Conv2d(8, 16, 3)\n\n"
            "class B(nn.Module):\n    def __init__(self):\n        self.a = A()\n\n"
            "class B_2(nn.Module):\n    def __init__(self):\n        self.a = A_2()\n")
    # A and A_2 differ in numbers only; so do B and B_2 (each uses one of them)
    assert alike_classes(text) == [("A", "A_2"), ("B", "B_2")]
    # a class using A and one using a structurally other class are not alike
    other = text.replace("nn.Conv2d(8, 16, 3)", "nn.Linear(8, 16)")
    assert alike_classes(other) == []


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_no_two_classes_differ_only_in_numbers(path):
    assert alike_classes(export_pytorch(read_spec(str(path))).text) == []


def test_a_block_class_takes_what_its_calls_differ_in():
    spec = parse_spec("""
input: [3, 32, 32]
blocks:
  unit:
    args: {out: 16, stride: 1}
    layers:
      - {name: conv, conv: {out: $out, kernel: 3, stride: $stride, padding: 1, bias: false}}
      - {name: bn, batchnorm: {}}
      - {name: wide, conv: {out: $out * 2, kernel: 1}}
layers:
  - {name: a, unit: {out: 16}}
  - {name: b, unit: {out: 32, stride: 2}}
  - {name: r, unit: {out: 64}, repeat: 3}
""")
    text = export_pytorch(spec).text
    classes = [n.name for n in ast.parse(text).body if isinstance(n, ast.ClassDef)]
    assert classes == ["Unit", "Network"]
    # the input channels, out and the stride differ between the calls; the values that are the block's own
    # arguments ($out, $stride) are named as the spec names them; out · 2 is written as the multiple; the
    # stride is left out where every call has torch's default, kept as the argument here
    assert "def __init__(self, in_channels, out, stride):" in text
    assert "self.conv = nn.Conv2d(in_channels, out, 3, stride=stride, padding=1, bias=False)" in text
    assert "self.wide = nn.Conv2d(out, out * 2, 1)" in text
    # the calls: a: 3 → 16, stride 1; b: 32 (a's wide) → 32, stride 2; r.0: 64 → 64, then r.1, r.2 alike
    assert "self.a = Unit(3, 16, 1)" in text and "self.b = Unit(32, 32, 2)" in text
    assert "self.r = nn.Sequential(Unit(64, 64, 1), *[Unit(128, 64, 1) for _ in range(2)])" in text


def _signatures(text: str) -> dict:
    """class name → its __init__'s argument names (self left out)."""
    return {node.name: [a.arg for a in item.args.args[1:]] for node in ast.parse(text).body
            if isinstance(node, ast.ClassDef) for item in node.body
            if isinstance(item, ast.FunctionDef) and item.name == "__init__"}


def test_a_constructor_argument_is_named_after_the_blocks_own():
    # zoo:convnext's cnblock declares `rate` (args: {rate: 0.1}); its instances differ in the input channels
    # and in the stochastic-depth rate $rate · k / (N − 1), which is no call's $rate but the stochastic_depth
    # layer's own `rate` argument. Before, the rate was called `size` (no torch name for StochasticDepth's p).
    signatures = _signatures(export_pytorch(read_spec("zoo:convnext")).text)
    assert signatures["Cnblock"] == ["in_channels", "rate"]
    # zoo:resnet50's bottleneck declares width, stride and skip: conv1's out is $width in every call, conv2's
    # stride $stride; skip selects the projection (a class of its own), never a number
    signatures = _signatures(export_pytorch(read_spec("zoo:resnet50")).text)
    assert signatures["Bottleneck"] == ["in_channels", "width", "stride"]
    assert signatures["Bottleneck_2"] == ["in_channels", "width"]
