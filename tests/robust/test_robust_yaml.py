"""Regression tests for issue 14's YAML findings: standard tags whose value does not parse, control
characters, merge keys, the cycle error on a huge cycle, and two messages about entries. Each bad spec must
end in exit 2 with one `cnncalc: error: FILE:LINE:COL: ...` line that says what was expected."""

from __future__ import annotations

import re

import pytest
import yaml
from click.testing import CliRunner

from cnncalc.cli import main
from cnncalc.errors import Location, SpecError
from cnncalc.graph import Graph, Node
from conftest import report_of

COMMANDS = {
    "analyze": lambda path: ["analyze", path],
    "check": lambda path: ["check", path, "--max-params", "1G"],
    "compare": lambda path: ["compare", path, path],
    "verify": lambda path: ["verify", path],
}


def located(command: str, path: str, *options: str) -> tuple[int, int, str]:
    """Run a command on a bad spec: exit 2, one line naming the file; returns (line, column, message)."""
    result = CliRunner().invoke(main, COMMANDS[command](path) + list(options))
    message = result.stderr.strip()
    assert result.exit_code == 2, (result.exit_code, message[-500:])
    assert "internal error" not in message and "Traceback" not in result.output
    assert len(message.splitlines()) == 1, message
    match = re.match(rf"cnncalc: error: {re.escape(path)}:(\d+):(\d+): (.*)", message)
    assert match, message
    return int(match.group(1)), int(match.group(2)), match.group(3)


@pytest.fixture
def spec(tmp_path):
    def make(text: str | bytes) -> str:
        path = tmp_path / "spec.yaml"
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
        return str(path)
    return make


# ----------------------------------------------------------------------------- 1. standard tags

# the bad value is written at line 3, column 29 of KERNEL (the 't' of the tag, after '{conv: {out: 2, kernel: ')
KERNEL = "input: [3, 8, 8]\nlayers:\n  - {{conv: {{out: 2, kernel: {}}}}}\n"
BAD_TAGS = [
    ("!!int 3x", "'3x' is not a valid !!int value; expected an integer"),
    ("!!int 0x", "'0x' is not a valid !!int value"),
    ("!!int 0o9", "'0o9' is not a valid !!int value"),
    ("!!int 0b2", "'0b2' is not a valid !!int value"),
    ("!!float abc", "'abc' is not a valid !!float value; expected a number"),
    ("!!float ''", "'' is not a valid !!float value; expected a number"),
    ("!!bool maybe", "'maybe' is not a valid !!bool value; expected true or false"),
    ("!!timestamp x", "'x' is not a valid !!timestamp value; expected a date or time"),
    ("!!timestamp 2001-02-30", "'2001-02-30' is not a valid !!timestamp value"),
    ("2001-13-45", "'2001-13-45' is not a valid !!timestamp value"),      # a plain value that looks like a date
    ("!!map [1]", "a !!map value must be a mapping such as {a: 1}, found a list"),
    ("!!set [1]", "a !!set value must be a mapping of members such as {a, b}, found a list"),
    ("!!seq {a: 1}", "a !!seq value must be a list such as [1, 2], found a mapping"),
    ("!!omap {a: 1}", "a !!omap value must be a list of one-key mappings"),
    ("!!pairs x", "a !!pairs value must be a list of one-key mappings"),
    ("!!str [1]", "a !!str value must be text, found a list"),
    ("!!null {}", "a !!null value must be null, ~ or nothing, found a mapping"),
    ("!!binary [1]", "a !!binary value must be base64 text, found a list"),
    ("!!int [1]", "a !!int value must be an integer"),
    ("!!merge x", "!!merge is only allowed on a mapping key (<<: *anchor merges a mapping into this one)"),
    ("!!value x", "!!value is only allowed on a mapping key, not on a value"),
]


@pytest.mark.parametrize("command", ["analyze", "check"])
@pytest.mark.parametrize("value, expected", BAD_TAGS)
def test_a_standard_tag_with_a_bad_value_is_located(spec, command, value, expected):
    line, column, message = located(command, spec(KERNEL.format(value)))
    assert (line, column) == (3, 29) and message.startswith(expected), message


@pytest.mark.parametrize("command", ["compare", "verify"])
def test_every_command_reading_specs_locates_bad_tags(spec, command):
    assert located(command, spec(KERNEL.format("!!bool maybe")))[:2] == (3, 29)


def test_a_tagged_top_level_list_that_is_a_mapping(spec):
    assert located("analyze", spec("input: [3, 8, 8]\nlayers: !!seq {a: 1}\n")) == \
        (2, 9, "a !!seq value must be a list such as [1, 2], found a mapping")


@pytest.mark.parametrize("value, meant", [("!!int 3", 3), ("!!int 0x3", 3), ("!!int 0o3", 3), ("!!int 0b11", 3),
                                          ("!!int '3'", 3)])
def test_standard_tags_with_good_values_are_read(value, meant):
    # a 3×3 kernel, whatever way the 3 is written: 2·3·3·3 weights + 2 biases
    assert report_of(KERNEL.format(value)).rows[1].params == 2 * 3 * 3 * 3 + 2 == 2 * 3 * meant * meant + 2


@pytest.mark.parametrize("value, shown", [("!!float 0.5", "0.5"), ("!!str 3", "'3'"), ("!!null x", "None"),
                                          ("!!bool true", "True"), ("!!binary aGk=", "b'hi'"),
                                          ("!!timestamp 2001-12-14", "datetime.date(2001, 12, 14)")])
def test_standard_tags_with_good_values_of_the_wrong_type_are_argument_errors(spec, value, shown):
    # the value is read as safe_load reads it, and the layer's own check refuses it at the argument
    assert located("analyze", spec(KERNEL.format(value))) == \
        (3, 21, f"layer 'conv1': 'kernel' must be a positive int, got {shown}")


# ----------------------------------------------------------------------------- 2. control characters

@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x0b", "\x0c", "\x1f", "\x7f", "\x80", "\ufffe", "\uffff"])
@pytest.mark.parametrize("before", ["", "é漢"])    # multi-byte text before it: libyaml counts bytes, we columns
def test_a_control_character_is_located(spec, char, before):
    text = f"input: [3, 8, 8]\r\nlayers:\n  - relu\n  - \"{before}a{char}\"\n"
    line, column, message = located("analyze", spec(text))
    assert (line, column) == (4, 5 + len(before) + 2)           # after '  - "' (5 characters), before and a
    assert message == (f"the character U+{ord(char):04X} is not allowed in YAML text (control characters can be "
                       f"written only as escapes such as \\x1b inside double quotes)")
    assert "position" not in message and "unicode string" not in message


def test_a_control_character_after_other_line_breaks_is_located(spec):
    # \r alone, NEL and LS are YAML line breaks; \r\n is one
    assert located("check", spec("input: [3, 8, 8]\rlayers:\u2028  - relu\x85  - relu\r\n  - r\x00elu\n"))[:2] == \
        (5, 6)


def test_an_escaped_control_character_is_fine():
    report = report_of('name: "a\\x1bb"\ninput: [3, 8, 8]\nlayers: [relu]\n')
    assert report.name == "a\x1bb"


# ----------------------------------------------------------------------------- 3. merge keys

MERGED = """
input: [3, 8, 8]
blocks:
  unit:
    args: {k: 3, o: 4}
    layers:
      - conv: {out: $o, kernel: $k}
layers:
  - {name: a, conv: &c {out: 4, kernel: 3}}
  - {name: b, conv: {<<: *c, kernel: 5, padding: 2}}
  - {name: u, unit: {<<: [{k: 1, o: 2}, {k: 7, o: 9}], k: 5}}
"""


def test_merge_keys_follow_safe_load_with_the_explicit_key_winning():
    plain = yaml.safe_load(MERGED)["layers"]
    assert plain[1]["conv"] == {"out": 4, "kernel": 5, "padding": 2}
    assert plain[2]["unit"] == {"k": 5, "o": 2}           # the first merged mapping wins over the second
    rows = {row.name: row for row in report_of(MERGED).rows}
    # a: 3×3 valid, 8 → 6. b: 4 → 4 channels, 5×5 with padding 2 keeps 6×6: 4·4·25 weights + 4 biases
    assert (rows["b"].params, rows["b"].output_shape) == (4 * 4 * 25 + 4, (4, 6, 6))
    # u: the block with k = 5 (written) and o = 2 (merged): 4 → 2 channels, 5×5 valid: 6 → 2
    assert (rows["u.conv1"].params, rows["u.conv1"].output_shape) == (2 * 4 * 25 + 2, (2, 2, 2))


def test_a_key_written_twice_beside_a_merge_is_still_refused(spec):
    text = "input: [3, 8, 8]\nlayers:\n  - {conv: &c {out: 4, kernel: 3}}\n  - {conv: {<<: *c, out: 2, out: 3}}\n"
    assert located("analyze", spec(text)) == (4, 29, "duplicate key 'out'")


def test_a_merged_key_keeps_its_own_location_for_errors(spec):
    text = ("input: [3, 8, 8]\nblocks:\n  spare: {args: &c {out: 0, kernel: 3}, layers: [relu]}\n"
            "layers:\n  - {name: b, conv: {<<: *c}}\n")
    # layer b's bad 'out' was written in the anchored mapping, line 3 column 21: the error points there
    assert located("analyze", spec(text)) == (3, 21, "layer 'b': 'out' must be a positive int, got 0")


def test_merge_keys_in_block_arguments_and_defaults():
    text = ("input: [3, 8, 8]\ndefaults: {<<: {bias: false}}\nblocks:\n  unit:\n    args: {<<: {o: 4}}\n"
            "    layers: [{conv: {out: $o, kernel: 1}}]\nlayers: [unit]\n")
    assert yaml.safe_load(text)["blocks"]["unit"]["args"] == {"o": 4}
    # 1×1 conv 3 → 4 channels without bias (merged into defaults): 4·3 weights
    assert report_of(text).rows[1].params == 4 * 3


# ----------------------------------------------------------------------------- 5. the cycle error

def test_a_200k_layer_cycle_is_named_from_the_layer_written_first():
    n = 200_000
    # written order l0 .. l(n-1); l(i) reads l(i-1) and l0 reads the last one; a tail t reads into the cycle
    nodes = {f"l{i}": Node(f"l{i}", None, (f"l{(i - 1) % n}",), Location("big.yaml", i + 3, 5)) for i in range(n)}
    nodes["t"] = Node("t", None, ("l7",), Location("big.yaml", 1, 1))
    with pytest.raises(SpecError) as info:
        Graph(nodes=nodes, output="t").topological_order()
    # l0 → l1 → ... → l(n-1) → l0: the first and last four, and the n − 8 left out between them
    assert info.value.message == ("the layers form a cycle of 200,000 layers: l0 → l1 → l2 → l3 → "
                                  "… (199,992 more) → l199996 → l199997 → l199998 → l199999 → l0")
    assert (info.value.location, info.value.layer) == (Location("big.yaml", 3, 5), "l0")


@pytest.mark.parametrize("n, shown", [(12, "a0 → a1 → a2 → a3 → a4 → a5 → a6 → a7 → a8 → a9 → a10 → a11 → a0"),
                                      (13, "a0 → a1 → a2 → a3 → … (5 more) → a9 → a10 → a11 → a12 → a0")])
def test_a_cycle_of_more_than_twelve_layers_shows_its_ends(n, shown):
    nodes = {f"a{i}": Node(f"a{i}", None, (f"a{(i - 1) % n}",), Location("c.yaml", i + 1, 1)) for i in range(n)}
    with pytest.raises(SpecError) as info:
        Graph(nodes=nodes, output=f"a{n - 1}").topological_order()
    of = "" if n <= 12 else f" of {n} layers"
    assert info.value.message == f"the layers form a cycle{of}: {shown}"


def test_a_cycle_behind_a_tail_starts_at_its_earliest_layer():
    # data flow c → d → e → c is the cycle; a reads b and b reads c, so both are stuck behind it but not on it
    inputs = {"a": ("b",), "b": ("c",), "c": ("e",), "d": ("c",), "e": ("d",)}
    nodes = {name: Node(name, None, inputs[name], Location("x.yaml", i + 1, 1)) for i, name in enumerate(inputs)}
    with pytest.raises(SpecError, match=r"form a cycle: c → d → e → c$") as info:
        Graph(nodes=nodes, output="a").topological_order()
    assert info.value.location == Location("x.yaml", 3, 1)


# ----------------------------------------------------------------------------- 4. limits while streaming

@pytest.fixture
def no_construction(monkeypatch):
    """Count the parse events the spec's outline check sees, and fail if PyYAML composes the document: a
    refusal must come from the event stream, long before its end (each test's document has thousands of
    events; the counter is read after the run)."""
    from cnncalc.spec import yamlsource

    def refuse(self):
        raise AssertionError("the document was composed")
    monkeypatch.setattr(yamlsource._Loader, "get_single_data", refuse)
    seen = []
    see = yamlsource._SpecShape.see

    def counting(self, kind, event, depth):
        seen.append(kind)
        return see(self, kind, event, depth)
    monkeypatch.setattr(yamlsource._SpecShape, "see", counting)
    return seen


@pytest.mark.parametrize("key", ["name", "description"])
@pytest.mark.parametrize("value", ["\n" + "- 1\n" * 300_000, " {" + "a: 1, " * 10 + "}\n"])
def test_a_name_or_description_that_is_no_text_is_refused_while_streaming(spec, no_construction, key, value):
    text = f"input: [3, 8, 8]\n{key}:{value}layers: [relu]\n"
    assert located("analyze", spec(text)) == (2, 1, f"'{key}' must be text")
    assert 0 < len(no_construction) < 20        # refused at the value's first event, not after its items


@pytest.mark.parametrize("style", ["block", "flow"])
def test_more_layers_than_the_limit_are_refused_while_streaming(spec, no_construction, style):
    entries = ["relu", "{conv: {out: 2, kernel: 1}}", "[not, an, entry]"] * 4        # 12 entries
    if style == "block":
        text = "input: [3, 8, 8]\nlayers:\n" + "".join(f"  - {e}\n" for e in entries)
        where = (3 + 10, 5)                  # the 11th entry, on line 13 after '  - '
    else:
        text = "input: [3, 8, 8]\nlayers: [" + ", ".join(entries) + "]\n"
        where = (2, 10 + sum(len(e) + 2 for e in entries[:10]))
    result = CliRunner().invoke(main, ["analyze", spec(text), "--max-layers", "10"])
    assert result.exit_code == 2, result.stderr
    assert result.stderr.strip().endswith(f"spec.yaml:{where[0]}:{where[1]}: the spec expands to more than 10 layers "
                                          f"(raise the limit with --max-layers)")
    events = sum(1 for _ in yaml.parse(text))
    assert 0 < len(no_construction) < events - 10     # stopped inside the list, before its last entries


def test_exactly_the_limit_of_layers_is_read(spec):
    text = "input: [3, 8, 8]\nlayers:\n" + "  - relu\n" * 10
    assert CliRunner().invoke(main, ["analyze", spec(text), "--max-layers", "10"]).exit_code == 0


LIST_LIMIT = ("a list of more than 10 items: no list in a spec holds more items than the layer limit (raise it "
              "with --max-layers)")


@pytest.mark.parametrize("anchored", [False, True])
@pytest.mark.parametrize("item", ["3", "[3]"])
def test_a_list_longer_than_the_layer_limit_is_refused_at_the_item_that_passes_it(spec, anchored, item):
    # a list inside a layer's arguments (where the outline check does not look) is refused while streaming,
    # not built for the conv to refuse; with an anchor in the file, on the path that leaves it to PyYAML
    head = "args: {a: &a 1}\n" if anchored else ""
    entry = "  - {conv: {out: 2, kernel: [" + ", ".join([item] * 30) + "]}}"
    text = f"{head}input: [3, 8, 8]\nlayers:\n{entry}\n"
    column = entry.index("[") + 2 + 10 * (len(item) + 2)          # the 11th item, after 10 items and ', '
    assert located("analyze", spec(text), "--max-layers", "10") == (3 + anchored, column, LIST_LIMIT)


def test_a_list_of_the_limit_is_read_and_the_layer_judges_it(spec):
    text = "input: [3, 8, 8]\nlayers:\n  - {conv: {out: 2, kernel: [" + ", ".join(["3"] * 10) + "]}}\n"
    line, column, message = located("analyze", spec(text), "--max-layers", "10")
    assert "'kernel' has 10 values" in message


def test_the_top_level_layers_list_keeps_the_layer_limit_message(spec):
    text = "input: [3, 8, 8]\nlayers: [" + ", ".join(["relu"] * 11) + "]\n"
    assert located("analyze", spec(text), "--max-layers", "10")[2].startswith("the spec expands to more than 10 layers")


def test_a_block_list_longer_than_the_limit_is_refused_while_streaming(spec):
    body = "".join("      - relu\n" for _ in range(11))
    text = f"input: [3, 8, 8]\nblocks:\n  b:\n    layers:\n{body}layers: [b]\n"
    # the 11th '      - relu' of the block: on line 5 + 10, its item after '      - ' at column 9
    assert located("analyze", spec(text), "--max-layers", "10") == (5 + 10, 9, LIST_LIMIT)


NUMBERS_LIMIT = ("a list of more than 10,000 numbers: no spec argument takes so many (a kernel, a stride or a "
                 "padding has one per spatial axis)")


def test_a_list_of_too_many_numbers_is_refused_at_the_number_that_passes_it(spec):
    # issue 25: 24 conv kernels of 200,000 numbers each (14 MB, within the layer limit per list) were read whole
    # before the conv refused them; now the 10,001st number of the first is refused while streaming
    entry = "  - {conv: {out: 2, kernel: [" + ", ".join(["3"] * 200_000) + "]}}\n"
    text = "input: [3, 8, 8]\nlayers:\n" + entry * 24
    column = entry.index("[") + 2 + 10_000 * 3                   # after 10,000 items of '3, '
    assert located("analyze", spec(text)) == (3, column, NUMBERS_LIMIT)


def test_ten_thousand_numbers_are_read_and_names_are_not_numbers(spec):
    numbers = "input: [3, 8, 8]\nlayers:\n  - {conv: {out: 2, kernel: [" + ", ".join(["3"] * 10_000) + "]}}\n"
    assert "'kernel' has 10000 values" in located("analyze", spec(numbers))[2]
    # a list of more than 10,000 names is held to the layer limit only (a chain of bare layer names)
    chain = "input: [3, 8, 8]\nlayers: [" + ", ".join(["relu"] * 10_001) + "]\n"
    assert CliRunner().invoke(main, ["analyze", spec(chain), "--format", "json"]).exit_code == 0
