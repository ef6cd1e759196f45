"""Hypothesis strategies for the robustness suite: specs that are valid, nearly valid, or garbage.

A spec is generated as a Python structure from a small grammar of the spec language (docs/spec.md),
then either written out as YAML as it is (mostly valid), mutated as a structure (one value replaced by
junk, a key dropped or added: nearly valid), or mutated as text (characters inserted, deleted, replaced:
often not YAML at all). Every run of the CLI on them must end with exit 0, 1 or 2 and never a traceback.
"""

from __future__ import annotations

import json
import re

import yaml
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Fixed and derandomized, so that CI runs the same cases every time; no example database on disk.
FUZZ = settings(deadline=None, derandomize=True, database=None, print_blob=False,
                suppress_health_check=list(HealthCheck))

WINDOW_TYPES = ("conv", "maxpool", "avgpool", "sumpool")
PLAIN_TYPES = ("relu", "tanh", "sigmoid", "softmax", "leaky_relu", "elu", "gelu", "batchnorm", "dropout",
               "flatten", "global_avgpool", "global_maxpool")

small = st.integers(min_value=1, max_value=6)


def junk_values():
    """Values that no argument expects, and some that nearly fit."""
    scalars = st.one_of(
        st.none(), st.booleans(), st.integers(-3, 3),
        st.sampled_from([0, -1, 10**18, 10**18 + 1, 10**30, 2**63, 3.0, 0.5, float("nan"), float("inf"),
                         -float("inf"), "", "same", "valid", "full", "$x", "$x * 2", "$", "$$", "$(", "1e400",
                         "input", "relu", "conv", "x" * 300, "\u00e9\u6f22\u0000", "~", "!!python/name:os.system"]),
        st.text(max_size=8),
    )
    return st.recursive(scalars, lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.one_of(st.text(max_size=5), st.integers(-2, 2)),
                                                     inner, max_size=3)), max_leaves=6)


@st.composite
def window_args(draw, type_name):
    args = {"kernel": draw(st.one_of(small, st.lists(small, min_size=1, max_size=3)))}
    if type_name == "conv":
        args["out"] = draw(st.integers(1, 8))
        if draw(st.booleans()):
            args["groups"] = draw(st.sampled_from([1, 2]))
        if draw(st.booleans()):
            args["bias"] = draw(st.booleans())
    else:
        if draw(st.booleans()):
            args["ceil_mode"] = draw(st.booleans())
    if draw(st.booleans()):
        args["stride"] = draw(st.one_of(st.integers(1, 3), st.lists(st.integers(1, 3), min_size=1, max_size=3)))
    if draw(st.booleans()):
        args["padding"] = draw(st.one_of(st.sampled_from(["valid", "same", "full"]), st.integers(0, 2),
                                         st.lists(st.integers(0, 2), min_size=1, max_size=3),
                                         st.lists(st.lists(st.integers(0, 2), min_size=2, max_size=2),
                                                  min_size=1, max_size=3)))
    if draw(st.booleans()):
        args["dilation"] = draw(st.integers(1, 2))
    return args


small_ints = st.one_of(small, st.lists(small, min_size=1, max_size=3))

# The CNN chapter's layer types, with arguments that often (not always) fit.
CHAPTER_ARGS = {
    "conv_transpose": st.fixed_dictionaries({"out": st.integers(1, 6), "kernel": small_ints},
                                            optional={"stride": st.integers(1, 3), "padding": st.integers(0, 2),
                                                      "output_padding": st.integers(0, 2),
                                                      "dilation": st.integers(1, 2), "groups": st.integers(1, 2)}),
    "depthwise_conv": st.fixed_dictionaries({"kernel": small_ints},
                                            optional={"multiplier": st.integers(1, 3), "stride": st.integers(1, 3),
                                                      "padding": st.sampled_from([0, 1, "same", "valid"])}),
    "separable_conv": st.fixed_dictionaries({"out": st.integers(1, 6), "kernel": small_ints},
                                            optional={"multiplier": st.integers(1, 2), "stride": st.integers(1, 2),
                                                      "padding": st.sampled_from([0, 1, "same"])}),
    "local": st.fixed_dictionaries({"out": st.integers(1, 4), "kernel": small_ints},
                                   optional={"stride": st.integers(1, 2),
                                             "bias": st.sampled_from(["position", "channel", "none", True])}),
    "tiled_conv": st.fixed_dictionaries({"out": st.integers(1, 4), "kernel": small_ints, "tile": small_ints}),
    "spp": st.fixed_dictionaries({"levels": st.lists(st.integers(1, 4), min_size=1, max_size=3)}),
    "adaptive_avgpool": st.fixed_dictionaries({"size": small_ints}),
    "adaptive_maxpool": st.fixed_dictionaries({"size": small_ints}),
    "upsample": st.fixed_dictionaries({}, optional={"scale": st.integers(1, 3),
                                                    "mode": st.sampled_from(["nearest", "bilinear"])}),
    "netvlad": st.fixed_dictionaries({"clusters": st.integers(1, 8)}),
    "lrn": st.fixed_dictionaries({}, optional={"size": st.integers(1, 5)}),
    "pad": st.fixed_dictionaries({"padding": small_ints}),
    "reshape": st.fixed_dictionaries({"shape": st.lists(st.sampled_from([-1, 1, 2, 3, 4]), min_size=1,
                                                         max_size=3)}),
    "embedding": st.fixed_dictionaries({"vocab": st.integers(1, 50), "dim": st.integers(1, 8)}),
}


@st.composite
def layer_entry(draw, depth=0, names=(), block_names=()):
    kind = draw(st.sampled_from(["window", "window", "plain", "plain", "dense", "chapter", "merge", "block"]
                                if depth < 2 else ["window", "plain", "dense", "chapter"]))
    if kind == "chapter":
        type_name = draw(st.sampled_from(sorted(CHAPTER_ARGS)))
        return {type_name: draw(CHAPTER_ARGS[type_name])}
    if kind == "window":
        type_name = draw(st.sampled_from(WINDOW_TYPES))
        entry = {type_name: draw(window_args(type_name))}
    elif kind == "plain":
        type_name = draw(st.sampled_from(PLAIN_TYPES))
        if draw(st.booleans()):
            return type_name                       # a bare word
        entry = {type_name: {}}
    elif kind == "dense":
        entry = {"dense": {"out": draw(st.integers(1, 16))}}
    elif kind == "merge":
        merge = draw(st.sampled_from(["concat", "add"]))
        if names and draw(st.booleans()):
            entry = {merge: {}, "from": draw(st.lists(st.sampled_from(list(names)), min_size=2, max_size=3))}
        else:
            branches = draw(st.lists(st.lists(layer_entry(depth + 1), max_size=2), min_size=2, max_size=3))
            entry = {merge: branches}
    else:
        if not block_names:
            return "relu"
        entry = {draw(st.sampled_from(list(block_names))): {}}
    if draw(st.integers(0, 4)) == 0:
        entry["repeat"] = draw(st.integers(1, 3))
    if draw(st.integers(0, 5)) == 0:
        entry["trainable"] = False
    if names and draw(st.integers(0, 5)) == 0:
        entry["from"] = draw(st.sampled_from(list(names)))
    return entry


@st.composite
def spec_doc(draw):
    """A spec as a Python structure, valid in form (its shapes may still not fit)."""
    rank = draw(st.integers(1, 4))
    doc = {"input": [draw(st.integers(1, 8))] + [draw(st.integers(1, 12)) for _ in range(rank - 1)]}
    if draw(st.booleans()):
        doc["name"] = draw(st.text(min_size=1, max_size=10))
    block_names = ()
    if draw(st.integers(0, 3)) == 0:
        doc["blocks"] = {"blk": {"args": {"w": 4, "k": 3},
                                 "layers": [{"conv": {"out": "$w", "kernel": "$k", "padding": "same"}},
                                            {"conv": {"out": "$w * 2 // 2", "kernel": 1}}, "relu"]}}
        block_names = ("blk",)
    if draw(st.integers(0, 3)) == 0:
        doc["defaults"] = draw(st.sampled_from([{"bias": False}, {"conv": {"bias": False}}, {"ceil_mode": True}]))
    layers, names = [], []
    for index in range(draw(st.integers(1, 6))):
        entry = draw(layer_entry(0, tuple(names), block_names))
        if isinstance(entry, dict) and draw(st.booleans()):
            entry["name"] = f"l{index}"
            names.append(entry["name"])
        layers.append(entry)
    doc["layers"] = layers
    return doc


def _paths(value, path=()):
    """Every (path, value) inside a structure, the root included."""
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, path + (index,))


def _replace(value, path, new):
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {k: (_replace(v, rest, new) if k == head else v) for k, v in value.items()}
    return [(_replace(v, rest, new) if i == head else v) for i, v in enumerate(value)]


@st.composite
def mutated_doc(draw):
    """A valid-in-form spec with one to three structural mutations."""
    doc = draw(spec_doc())
    for _ in range(draw(st.integers(1, 3))):
        paths = list(_paths(doc))
        path, value = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["replace", "replace", "drop", "add", "wrap"]))
        if action == "replace":
            doc = _replace(doc, path, draw(junk_values()))
        elif action == "drop" and path and isinstance(value, (dict, list)) and value:
            if isinstance(value, dict):
                key = draw(st.sampled_from(list(value)))
                doc = _replace(doc, path, {k: v for k, v in value.items() if k != key})
            else:
                doc = _replace(doc, path, value[1:])
        elif action == "add" and isinstance(value, dict):
            key = draw(st.sampled_from(["name", "from", "repeat", "trainable", "out", "kernel", "stride",
                                        "padding", "args", "layers", "input", "relu", "bias", "zz"]))
            doc = _replace(doc, path, {**value, key: draw(junk_values())})
        elif action == "wrap":
            doc = _replace(doc, path, [value])
    return doc


def dump(doc, flow: bool | None = None) -> bytes:
    return yaml.safe_dump(doc, default_flow_style=flow, allow_unicode=True, sort_keys=False).encode(
        "utf-8", "surrogatepass")


YAML_BITS = ["\n", "  ", "- ", ": ", "[", "]", "{", "}", ",", "&a ", "*a", "&b ", "*b", "!!python/object:os.system",
             "!!binary ", "!!set ", "!!omap ", "!foo ", "? ", "|\n", ">\n", "'", '"', "#", "---\n", "...\n", "%YAML 1.1\n",
             "<<: ", "input", "layers", "conv", "out", "kernel", "relu", "concat", "add", "from", "repeat", "blocks",
             "args", "$x", "0x1F", "1_000", "1e9", ".nan", "~", "\t", "\ufeff", "\x00", "\x85", "\u2028"]


@st.composite
def garbage_text(draw) -> bytes:
    """YAML-ish token soup, random text, or random bytes."""
    form = draw(st.sampled_from(["soup", "soup", "text", "bytes"]))
    if form == "soup":
        return "".join(draw(st.lists(st.sampled_from(YAML_BITS), max_size=40))).encode("utf-8", "surrogatepass")
    if form == "text":
        return draw(st.text(max_size=200)).encode("utf-8", "surrogatepass")
    return draw(st.binary(max_size=200))


@st.composite
def text_mutation(draw) -> bytes:
    """A valid spec's YAML with characters inserted, deleted or replaced."""
    text = yaml.safe_dump(draw(spec_doc()), sort_keys=False, allow_unicode=True)
    for _ in range(draw(st.integers(1, 4))):
        if not text:
            break
        at = draw(st.integers(0, len(text) - 1))
        action = draw(st.sampled_from(["insert", "delete", "replace"]))
        bit = draw(st.sampled_from(YAML_BITS + ["0", "9", "-", ".", "x"]))
        if action == "insert":
            text = text[:at] + bit + text[at:]
        elif action == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 5)):]
        else:
            text = text[:at] + bit + text[at + 1:]
    return text.encode("utf-8", "surrogatepass")


ERROR_LINE = re.compile(r"^cnncalc: error: (?P<where>.*?): ")


def check_run(result, source: str, text: bytes) -> None:
    """The contract of every run: exit 0, 1 or 2; no traceback; an exit-2 message that names the file
    (and the line, when the spec was a readable YAML mapping); figures that add up when it succeeds."""
    output = result.stdout + result.stderr
    assert result.exit_code in (0, 1, 2), (result.exit_code, result.stderr[-2000:], text[:500])
    assert "Traceback" not in output, output[-2000:]
    if result.exception is not None:
        assert isinstance(result.exception, SystemExit), repr(result.exception)
    if result.exit_code == 2:
        message = result.stderr.strip()
        assert message.startswith(f"cnncalc: error: {source}"), (message, text[:500])
        assert len(message.splitlines()) == 1, message
        if _readable_mapping(text):
            assert re.match(rf"^cnncalc: error: {re.escape(source)}:\d+:\d+: ", message), (message, text[:500])


def _readable_mapping(text: bytes) -> bool:
    try:
        doc = yaml.safe_load(text.decode("utf-8"))
    except Exception:    # noqa: BLE001 — any failure to read means no line is owed
        return False
    return isinstance(doc, dict)


def check_json_totals(stdout: str) -> None:
    """The totals are the sums of the per-layer figures (an independent consistency check)."""
    data = json.loads(stdout)
    layers, totals = data["layers"], data["totals"]
    for key in ("params", "trainable_params", "state", "macs", "flops"):
        assert totals[key] == sum(layer[key] for layer in layers), key
    assert totals["activation_elements"] == sum(layer["activation_elements"] for layer in layers
                                                if layer["type"] != "input")
    assert totals["non_trainable_params"] == totals["params"] - totals["trainable_params"]
