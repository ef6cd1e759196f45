"""Hostile YAML over the shipped specs (specs/**): every standard tag with good and bad values, control
characters, anchors, aliases and merge keys, written into the real files at the places their YAML nodes
start. Every run of `cnncalc analyze` (and some of `check`) must end with exit 0, 1 or 2, never an internal
error or a traceback; a refusal is one `cnncalc: error: FILE` line.

Every fifth file is also read on its own: what cnncalc's loader accepts, yaml.safe_load must read to the same
value (docs/spec.md promises safe_load semantics; the loader only refuses more: a key written twice,
integers beyond 10^18, the limits).

In-process and seeded (the same cases in every run): 23 specs × 230 cases = 5,290 files.
"""

from __future__ import annotations

import re

import glob
import os
import random

import pytest
import yaml
from click.testing import CliRunner

from cnncalc.cli import main
from cnncalc.errors import SpecError
from cnncalc.spec import yamlsource

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPECS = sorted(glob.glob(os.path.join(ROOT, "specs", "**", "*.yaml"), recursive=True))
CASES = 230

SCALAR_TAGS = ("int", "float", "bool", "null", "str", "timestamp", "binary")
COLLECTION_TAGS = ("map", "set", "omap", "pairs", "seq")
KEY_TAGS = ("merge", "value")
# flow values written in place of a scalar: good and bad for their tag
TAGGED = (
    "!!int 3", "!!int -2", "!!int 0x1f", "!!int 0o17", "!!int 0b101", "!!int 1_000", "!!int 3x", "!!int 0x",
    "!!int 0o9", "!!int 0b2", "!!int ''", "!!int 99999999999999999999999", "!!int [1]",
    "!!float 0.5", "!!float .inf", "!!float -.nan", "!!float 1e400", "!!float abc", "!!float ''", "!!float {}",
    "!!bool true", "!!bool off", "!!bool maybe", "!!bool ''",
    "!!null", "!!null ~", "!!null 3", "!!null [1]",
    "!!str 3", "!!str relu", "!!str [1]",
    "!!timestamp 2001-12-14", "!!timestamp 2001-12-14t21:59:43.10-05:00", "!!timestamp x",
    "!!timestamp 2001-13-45", "!!timestamp 2001-02-30", "!!timestamp '2001-12-14 25:00:00'", "2001-13-45",
    "!!binary aGk=", "!!binary '@@@'", "!!binary é", "!!binary [1]",
    "!!map {}", "!!map {a: 1}", "!!map [1]", "!!map x",
    "!!set {a, b}", "!!set [1]", "!!seq [1, 2]", "!!seq {a: 1}", "!!seq x",
    "!!omap [a: 1, b: 2]", "!!omap [1]", "!!omap {a: 1}", "!!pairs [a: 1, a: 2]", "!!pairs [1]", "!!pairs x",
    "!!merge x", "!!value x", "!!yaml x", "!!foo x", "!<tag:yaml.org,2002:int> 3x", "!local x",
)
CONTROL = ("\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x0e", "\x1b", "\x1f", "\x7f", "\x80", "\x9f",
           "\ud7ff", "\ufffe", "\uffff", "\t", "\r", "\x85", "\u2028", "\ufeff")


def _nodes(text: str) -> list:
    """Every node of the document with its character span (the pure-Python loader's marks count characters)."""
    found, stack, seen = [], [yaml.compose(text, Loader=yaml.SafeLoader)], set()
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        found.append(node)
        if isinstance(node, yaml.MappingNode):
            stack.extend(part for pair in node.value for part in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return sorted(found, key=lambda n: n.start_mark.index)


def _anchor_at(node, name: str) -> tuple:
    """An edit that puts the anchor &name on the node: inline for a flow or scalar node, on a line of its own
    (at the node's column) for a block collection."""
    start = node.start_mark.index
    if isinstance(node, yaml.ScalarNode) or node.flow_style:
        return start, start, f"&{name} "
    return start, start, f"&{name}\n" + " " * node.start_mark.column


def _merge_into(node, name: str) -> tuple:
    start = node.start_mark.index
    if node.flow_style:
        return start + 1, start + 1, f"<<: *{name}, "
    return start, start, f"<<: *{name}\n" + " " * node.start_mark.column


def mutate(text: str, nodes: list, rng: random.Random) -> str:
    edits = []                                 # (start, end, replacement), applied from the end backwards
    scalars = [n for n in nodes if isinstance(n, yaml.ScalarNode)]
    mappings = [n for n in nodes if isinstance(n, yaml.MappingNode)]
    for _ in range(rng.choice((1, 1, 2, 3))):
        kind = rng.choice(("tag", "tag", "replace", "replace", "control", "merge", "merge", "alias"))
        if kind == "tag":                      # a tag in front of an existing node, fitting it or not
            node = rng.choice(nodes)
            fits = SCALAR_TAGS if isinstance(node, yaml.ScalarNode) else COLLECTION_TAGS
            tag = rng.choice(fits if rng.random() < 0.7 else SCALAR_TAGS + COLLECTION_TAGS + KEY_TAGS)
            start = node.start_mark.index
            edits.append((start, start, f"!!{tag} "))
        elif kind == "replace":                # a scalar replaced by a tagged value
            node = rng.choice(scalars)
            edits.append((node.start_mark.index, node.end_mark.index, rng.choice(TAGGED)))
        elif kind == "control":
            at = rng.randrange(len(text) + 1)
            edits.append((at, at, rng.choice(CONTROL) * rng.choice((1, 1, 3))))
        elif kind == "merge" and len(mappings) >= 2:   # anchor one mapping, merge it into a later one
            first, second = sorted(rng.sample(mappings, 2), key=lambda n: n.start_mark.index)
            after = [n for n in mappings if n.start_mark.index >= first.end_mark.index]
            if after and rng.random() < 0.8:   # mostly not into itself (that is a recursive alias)
                second = rng.choice(after)
            name = f"m{len(edits)}"
            edits.append(_anchor_at(first, name))
            edits.append(_merge_into(second, name))
        elif kind == "alias" and len(scalars) >= 2:    # anchor a scalar, use it in place of a later one
            first, second = sorted(rng.sample(scalars, 2), key=lambda n: n.start_mark.index)
            name = f"s{len(edits)}"
            edits.append(_anchor_at(first, name))
            edits.append((second.start_mark.index, second.end_mark.index, f"*{name}"))
    edits.sort(key=lambda e: (e[0], e[1]), reverse=True)
    end_limit = len(text) + 1
    for start, end, replacement in edits:
        if end > end_limit:                    # overlaps an edit already made: skip it
            continue
        text = text[:start] + replacement + text[end:]
        end_limit = start
    return text


def assert_safe_load_semantics(text: str, context: str) -> None:
    try:
        ours = yamlsource.load(text, "fuzzed.yaml")
    except SpecError:
        return
    # repr compares NaN with NaN, and keeps the order of keys
    assert repr(ours) == repr(yaml.load(text, Loader=yamlsource._Base)), context


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: os.path.relpath(p, ROOT))
def test_hostile_yaml_over_a_shipped_spec(tmp_path, spec):
    with open(spec, encoding="utf-8") as handle:
        original = handle.read()
    nodes = _nodes(original)
    rng = random.Random(f"{os.path.basename(spec)}:14")
    runner = CliRunner()
    path = str(tmp_path / os.path.basename(spec))
    codes = []
    for case in range(CASES):
        text = mutate(original, nodes, rng)
        with open(path, "w", encoding="utf-8", errors="surrogatepass", newline="") as handle:
            handle.write(text)
        args = ["check", path, "--max-params", "10M"] if case % 10 == 0 else ["analyze", path, "--format", "json"]
        result = runner.invoke(main, args)
        message = result.stderr.strip()
        context = f"case {case} of {spec}: exit {result.exit_code}: {message[-300:]}\n--- text:\n{text[:3000]}"
        assert result.exit_code in (0, 1, 2), context
        assert "internal error" not in message and "Traceback" not in result.output, context
        if result.exit_code == 2:
            # located in the file, or, for a spec that extends a shipped one, maybe in that base (an argument the
            # file gives the base, used on the base's line)
            bases = re.findall(r"^extends: (zoo:\w+|seed:\w+)", text, re.M)
            assert len(message.splitlines()) == 1 and message.startswith(
                tuple(f"cnncalc: error: {where}" for where in (path, *bases))), context
        codes.append(result.exit_code)
        if case % 5 == 0:
            assert_safe_load_semantics(text, context)
    assert 2 in codes                          # the mutations do reach the error paths
    assert len(codes) == CASES
