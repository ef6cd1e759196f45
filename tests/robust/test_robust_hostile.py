"""Hostile specs: non-safe tags, alias bombs, huge repeats, deep nesting, recursion, huge files, bad bytes,
odd paths, standard input; --traceback and the internal-error message. Each must end with a one-line
`cnncalc: error:` naming the file (exit 2), or, for a bug of ours, with the report-me message (exit 3).
"""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

import cnncalc.analysis
from cnncalc.cli import main
from cnncalc.errors import SpecError

SMALL = b"input: [3, 8, 8]\nlayers: [relu]\n"


def invoke(*args, input=None, env=None):
    return CliRunner().invoke(main, list(args), input=input, env=env)


def refused(path_or_dash, *options, input=None, source=None):
    """Run analyze; assert exit 2 with one `cnncalc: error: SOURCE` line and no traceback; return the line."""
    result = invoke("analyze", str(path_or_dash), *options, input=input)
    message = result.stderr.strip()
    assert result.exit_code == 2, (result.exit_code, message[-500:])
    assert "Traceback" not in result.output
    assert len(message.splitlines()) == 1, message[:500]
    assert message.startswith(f"cnncalc: error: {source or path_or_dash}"), message[:500]
    return message


def at_line(message: str, source: str) -> int:
    match = re.match(rf"cnncalc: error: {re.escape(source)}:(\d+):\d+: ", message)
    assert match, message
    return int(match.group(1))


@pytest.fixture
def spec(tmp_path):
    def make(text, name="spec.yaml"):
        path = tmp_path / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
        return str(path)
    return make


# ----------------------------------------------------------------------------- YAML tags

@pytest.mark.parametrize("tagged", [
    "!!python/object/apply:os.system ['echo pwned']",
    "!!python/object:collections.OrderedDict {}",
    "!!python/name:os.system",
    "!!python/tuple [3, 8, 8]",
    "!custom [3, 8, 8]",
])
def test_non_safe_tags_are_refused(spec, tagged):
    path = spec(f"input: {tagged}\nlayers: [relu]\n")
    message = refused(path)
    assert at_line(message, path) == 1
    assert "tag" in message


# ----------------------------------------------------------------------------- expansion bombs

def laughs(levels: int, width: int = 9, indent: str = "") -> list[str]:
    """The 'billion laughs' alias bomb: level i is a list of `width` aliases of level i−1, so the last
    level expands to width**levels leaves while the text stays a few hundred bytes."""
    lines = [f"{indent}l0: &l0 [" + ", ".join(['"lol"'] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"{indent}l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]")
    return lines


def test_billion_laughs_is_refused_with_the_limit(spec):
    # 9 levels of 9: 9**9 = 387,420,489 leaves, far past the 5,000,000-node default
    path = spec("input: [3, 8, 8]\nlayers:\n  - relu:\n" + "\n".join(laughs(9, indent="      ")) + "\n")
    message = refused(path)
    assert "5,000,000 nodes" in message and "--max-yaml-nodes" in message
    assert at_line(message, path) > 3


def test_alias_bomb_inside_a_block_is_refused_before_substitution(spec):
    # the same bomb of "$w" strings in a block body: substituting $w would walk every expanded leaf
    bomb = "\n".join(laughs(9, indent="            ")).replace('"lol"', '"$w"')
    path = spec("input: [3, 8, 8]\nblocks:\n  b:\n    args: {w: 4}\n    layers:\n      - relu:\n"
                f"{bomb}\nlayers: [b]\n")
    assert "--max-yaml-nodes" in refused(path)


def test_yaml_node_limit_is_adjustable(spec):
    # under x: l0 is a list of 10 scalars (11 nodes), l1 ten aliases of l0 (1 + 10·11 = 111), l2 ten of l1
    # (1 + 10·111 = 1,111): well over 1,000 nodes once expanded, far under the default 5,000,000
    path = spec("input: [3, 8, 8]\nlayers: [relu]\nx:\n" + "\n".join("  " + line for line in laughs(3, width=10))
                + "\n")
    # the default limit lets the YAML through, to the error that 'x' is no part of the spec language
    assert "unknown top-level key 'x'" in refused(path)
    assert "--max-yaml-nodes" in refused(path, "--max-yaml-nodes", "1000")


def test_recursive_alias_is_refused(spec):
    path = spec("input: [3, 8, 8]\nlayers: &a [relu, *a]\n")
    message = refused(path)
    assert "recursive" in message and at_line(message, path) == 2


def test_repeat_of_a_billion_is_refused(spec):
    path = spec("input: [3, 8, 8]\nlayers:\n  - {relu: {}, repeat: 1000000000}\n")
    message = refused(path)
    assert "--max-layers" in message and at_line(message, path) == 3


def test_nested_repeats_are_refused_after_one_copy(spec):
    # 1,000 copies of a block of 1,000 layers: 10**6 layers, over the default 200,000
    path = spec("input: [3, 8, 8]\nblocks:\n  b: {layers: [{relu: {}, repeat: 1000}]}\n"
                "layers:\n  - {b: {}, repeat: 1000}\n")
    message = refused(path)
    assert "--max-layers" in message and "1,000 layers each" in message


def test_max_layers_is_adjustable(spec):
    # input + 5 relus: 5 layers (the input does not count)
    path = spec("input: [3, 8, 8]\nlayers:\n  - {relu: {}, repeat: 5}\n")
    assert invoke("analyze", path, "--max-layers", "5", "-f", "json").exit_code == 0
    assert "--max-layers" in refused(path, "--max-layers", "4")


def test_exponential_block_doubling_stops_at_the_layer_limit(spec):
    # b0 uses b1 twice, b1 uses b2 twice, ...: 2**30 layers; stops at --max-layers
    blocks = "".join(f"  b{i}: {{layers: [b{i + 1}, b{i + 1}]}}\n" for i in range(30))
    path = spec(f"input: [3, 8, 8]\nblocks:\n{blocks}  b30: {{layers: [relu]}}\nlayers: [b0]\n")
    assert "--max-layers" in refused(path, "--max-layers", "2000")


# ----------------------------------------------------------------------------- nesting and recursion

def test_deep_flow_nesting(spec):
    path = spec("input: [3, 8, 8]\nlayers: " + "[" * 20000 + "]" * 20000 + "\n")
    message = refused(path)
    assert at_line(message, path) == 2 and "nest" in message


def test_deep_block_nesting(spec):
    # 150 levels of block-style lists, each on its own line
    lines = ["input: [3, 8, 8]", "layers:"] + [" " * (2 * i) + "-" for i in range(1, 150)] + [" " * 300 + "- relu"]
    path = spec("\n".join(lines) + "\n")
    message = refused(path)
    assert "more than 100 levels" in message and at_line(message, path) > 2


def test_deeply_nested_branches(spec):
    # 40 concats nested in one another's branches: about 120 levels of YAML
    entry = "relu"
    for _ in range(40):
        entry = f"{{concat: [[{entry}], []]}}"
    path = spec(f"input: [3, 8, 8]\nlayers: [{entry}]\n")
    assert "levels deep" in refused(path)


def test_shallow_nested_branches_are_fine(spec):
    entry = "relu"
    for _ in range(10):
        entry = f"{{concat: [[{entry}], []]}}"
    path = spec(f"input: [3, 8, 8]\nlayers: [{entry}]\n")
    result = invoke("analyze", path, "-f", "json")
    assert result.exit_code == 0, result.stderr
    # every concat starts both branches from the network input (3 channels): the innermost gives
    # relu (3) + identity (3) = 6, and each level outside joins the level inside with the identity (+3):
    # 3 + 3·10 = 33 channels
    assert json.loads(result.stdout)["output"] == [3 + 3 * 10, 8, 8]


def test_block_chain_deeper_than_64(spec):
    blocks = "".join(f"  b{i}: {{layers: [b{i + 1}]}}\n" for i in range(70))
    path = spec(f"input: [3, 8, 8]\nblocks:\n{blocks}  b70: {{layers: [relu]}}\nlayers: [b0]\n")
    assert "nested more than 64 deep" in refused(path)


@pytest.mark.parametrize("blocks, chain", [
    ("  a: {layers: [a]}\n", "a → a"),
    ("  a: {layers: [b]}\n  b: {layers: [relu, a]}\n", "a → b → a"),
    ("  a: {layers: [{concat: [[b], []]}]}\n  b: {layers: [c]}\n  c: {layers: [a]}\n", "a → b → c → a"),
])
def test_recursive_blocks(spec, blocks, chain):
    path = spec(f"input: [3, 8, 8]\nblocks:\n{blocks}layers: [a]\n")
    message = refused(path)
    assert chain in message and "layer '" in message


# ----------------------------------------------------------------------------- size, bytes, paths

def test_a_50_mb_file_is_refused_before_reading(spec):
    text = SMALL + b"#" * (50 * 1000 * 1000) + b"\n"
    path = spec(text)
    message = refused(path)
    assert f"{len(text):,} bytes" in message and "--max-spec-bytes" in message


def test_a_50_mb_file_is_analysed_when_allowed(spec):
    # the same file under a raised limit: 50 MB of comment parse quickly and change nothing
    text = SMALL + (b"# " + b"x" * 98 + b"\n") * 500_000
    path = spec(text)
    result = invoke("analyze", path, "--max-spec-bytes", "60000000", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["output"] == [3, 8, 8]


def test_a_50_mb_stdin_is_refused():
    message = refused("-", input=SMALL + b"#" * (50 * 1000 * 1000), source="<stdin>")
    assert "--max-spec-bytes" in message


@pytest.mark.parametrize("data, words", [
    (b"input: [3, 8, 8]\nname: caf\xe9\nlayers: [relu]\n", "not UTF-8"),
    (b"\xff\xfei\x00n\x00", "not UTF-8"),
    (b"\x00\x01\x02\x03", "YAML"),
    (b"input: [3, 8, 8]\nlayers: [relu]\x00\n", "YAML"),
])
def test_bad_bytes(spec, data, words):
    assert words in refused(spec(data))


def test_utf8_with_a_byte_order_mark_is_fine(spec):
    assert invoke("analyze", spec(b"\xef\xbb\xbf" + SMALL)).exit_code == 0


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n", "null\n", "~\n"])
def test_empty_specs(spec, text):
    assert "empty" in refused(spec(text))


@pytest.mark.parametrize("text", ["42\n", "[relu]\n", "just words\n", "'input'\n"])
def test_not_a_mapping(spec, text):
    assert "a spec is a mapping" in refused(spec(text))


def test_a_directory(tmp_path):
    assert "is a directory" in refused(tmp_path)


def test_a_missing_file(tmp_path):
    assert "no such file" in refused(tmp_path / "nope.yaml")


def test_stdin_dash_reads_the_spec():
    result = invoke("analyze", "-", "-f", "json", input=b"input: [3, 4, 4]\nlayers: [{conv: {out: 2, kernel: 3}}]\n")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    # 3×3 conv, 3 → 2 channels, 4×4 → 2×2: weights 2·3·9 = 54, bias 2; MACs 2·2·2 outputs × 27 taps = 216
    assert data["source"] == "<stdin>" and data["totals"]["params"] == 56 and data["totals"]["macs"] == 216


def test_stdin_errors_name_stdin():
    message = refused("-", input=b"input: [3, 4, 4]\nlayers: [{conv: {out: 2}}]\n", source="<stdin>")
    assert at_line(message, "<stdin>") == 2 and "layer 'conv1'" in message and "kernel" in message


# ----------------------------------------------------------------------------- values out of range

@pytest.mark.parametrize("text, words, line", [
    ("input: [3, 1" + "0" * 5000 + ", 8]\nlayers: [relu]\n", "5,001 characters", 1),
    ("input: [3, 8, 8]\nlayers: [{conv: {out: 8, kernel: 1000000000000000000000}}]\n", "at most 10^18", 2),
    ("input: [3, 8, 8]\nlayers: [{relu: {}, repeat: 0x10000000000000000}]\n", "at most 10^18", 2),
    ("input: [3, 8, 8]\nlayers: [{conv: {out: 8, kernel: 3.0}}]\n", "positive int, got 3.0", 2),
    ("input: [3.5, 8, 8]\nlayers: [relu]\n", "positive ints, got 3.5", 1),
    ("input: [3, 8, 8]\nlayers: [{dropout: {rate: .nan}}]\n", "rate", 2),
    ("input: [3, 8, 8]\nlayers: [{leaky_relu: {negative_slope: .inf}}]\n", "finite number, got inf", 2),
    ("input: [3, 8, 8]\nlayers: [{batchnorm: {eps: -.inf}}]\n", "finite number, got -inf", 2),
    ("input: [3, 8, 8]\nlayers: [{relu: {}, repeat: 2.0}]\n", "an int ≥ 0, got 2.0", 2),
    ("input: [3, 8, 8]\nlayers: [{1: {}}]\n", "must be a word", 2),
    ("input: [3, 8, 8]\nlayers: [{conv: {1: 2}}]\n", "unknown argument '1'", 2),
    ("input: [3, 8, 8]\nlayers: [{? [a, b] : {}}]\n", "plain value", 2),
    ("input: [3, 8, 8]\n7: x\nlayers: [relu]\n", "unknown top-level key '7'", 2),
    ("input: [3, 8, 8]\nlayers: [relu, {add: {}, from: [1, 2]}]\n", "'from' must be", 2),
    ("input: [3, 8, 8]\nlayers: [relu, {relu: {}, from: {a: 1}}]\n", "'from' must be", 2),
    ("input: [3, 8, 8]\nlayers: [{relu: {}, name: [1, 2]}]\n", "'name' must be", 2),
    ("input: [3, 8, 8]\nblocks: {b: {args: {x: 1000000000}, layers: [{conv: {out: '$x * $x * $x', kernel: 1}}]}}\n"
     "layers: [b]\n", "spec integers are at most 10^18", 2),
])
def test_values_out_of_range(spec, text, words, line):
    path = spec(text)
    message = refused(path)
    assert words in message and at_line(message, path) == line


def test_an_output_size_above_10_18_is_refused(spec):
    # padding 10**18 on each side of an axis of 8: the output axis has 8 + 2·10**18 − 1 + 1 > 10**18 positions
    path = spec("input: [1, 8]\nlayers: [{conv: {out: 1, kernel: 1, padding: 1000000000000000000}}]\n")
    assert "above 10^18" in refused(path)


def test_a_receptive_field_beyond_10_100_is_refused(spec):
    # kernel 1, stride 2, padding 250,000 keeps the axis near 500,000 positions, while after n layers the
    # jump is 2**n and unit 0's field starts at −250,000·(1 + 2 + … + 2**(n−1)) = −250,000·(2**n − 1)
    path = spec("input: [1, 1000000]\nlayers:\n"
                "  - {conv: {out: 1, kernel: 1, stride: 2, padding: 250000}, repeat: 400}\n")
    first = next(n for n in range(1, 401) if 250_000 * (2**n - 1) > 10**100 or 2**n > 10**100)
    message = refused(path)
    assert "10^100" in message and f"layer 'conv{first}'" in message


def test_long_values_are_cut_short_in_messages(spec):
    # a 100,000-item list where a number is expected: the message stays short
    path = spec("input: [3, 8, 8]\nlayers: [{conv: {out: [" + ", ".join(["[1]"] * 100000) + "], kernel: 1}}]\n")
    message = refused(path)
    assert len(message) < 400 and "more" in message


def test_a_very_long_name(spec):
    name = "n" * 1_000_000
    path = spec(f"input: [3, 8, 8]\nlayers: [{{relu: {{}}, name: {name}}}]\n")
    result = invoke("analyze", path, "-f", "json")
    assert result.exit_code == 0 and json.loads(result.stdout)["layers"][1]["name"] == name
    path = spec(f"input: [3, 8, 8]\nlayers: [{{conv: {{out: 1}}, name: {name}}}]\n")
    message = refused(path)
    assert len(message) < 600 and "…" in message


def test_control_characters_stay_escaped(spec):
    path = spec('input: [3, 8, 8]\nlayers: [{relu: {}, name: "a\\e[31mred\\nline"}, {relu: {}, name: "a\\e[31mred\\nline"}]\n')
    message = refused(path)
    assert "\x1b" not in message and "\\x1b[31m" in message


def test_input_option_out_of_range(spec):
    path = spec(SMALL)
    for value in ("3,1" + "0" * 40, "3,0", "3,-1", "1,2,3,4,5", "a,b"):
        result = invoke("analyze", path, "--input", value)
        assert result.exit_code == 2 and "Traceback" not in result.output
        assert "--input" in result.stderr


# ----------------------------------------------------------------------------- tracebacks and bugs

def test_traceback_option_shows_the_original_error(spec):
    path = spec("input: [3, 8, 8]\nlayers: [{conv: {out: 1}}]\n")
    result = invoke("--traceback", "analyze", path)
    assert isinstance(result.exception, SpecError) and "kernel" in str(result.exception)
    result = invoke("analyze", path, env={"CNNCALC_TRACEBACK": "1"})
    assert isinstance(result.exception, SpecError)


def test_an_internal_error_says_so(spec, monkeypatch):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug")
    monkeypatch.setattr(cnncalc.analysis, "analyze", broken)
    result = invoke("analyze", spec(SMALL))
    assert result.exit_code == 3
    assert "internal error: ZeroDivisionError: a bug" in result.stderr
    assert "bug in cnncalc" in result.stderr and "report" in result.stderr and "--traceback" in result.stderr
    assert "cnncalc: error:" not in result.stderr and "Traceback" not in result.output
    result = invoke("--traceback", "analyze", spec(SMALL))
    assert isinstance(result.exception, ZeroDivisionError)
