"""The spec package's parts on their own: entries, scopes and forward references, templates, the
"is this YAML a spec?" sniffing, and the public names other modules import from `cnncalc.spec`."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from cnncalc.errors import Location, SpecError
from cnncalc.spec import MAX_INT, ReadLimits, LocDict, LocList, Spec, is_spec, parse_spec, read_spec
from cnncalc.spec.document import _stem
from cnncalc.spec.entries import read_entry
from cnncalc.spec.scopes import Scope, resolve, resolve_later
from cnncalc.spec.templates import evaluate
from cnncalc.spec.yamlsource import load

HERE = Location("t.yaml", 1, 1)


def test_public_names():
    assert MAX_INT == 10**18
    assert ReadLimits().max_layers == 200_000
    spec = parse_spec("input: [3, 8, 8]\nlayers: [relu]\n")
    assert isinstance(spec, Spec) and list(spec.graph.nodes) == ["input", "relu1"]
    assert callable(read_spec)
    assert isinstance(load("a: [1]"), LocDict) and isinstance(load("a: [1]")["a"], LocList)


def entry(text: str, scope: Scope | None = None):
    doc = load(f"e: {text}", "t.yaml")
    known = {"conv": frozenset({"out", "kernel"}), "relu": frozenset()}
    return read_entry(doc["e"], doc.where("e"), scope or Scope(prefix="", input="input", env={}), 100, known.get)


def test_an_entry_is_one_record():
    e = entry("{conv: {out: 4, kernel: 3}, name: c, repeat: 2, trainable: false, from: x}")
    assert (e.type, dict(e.arguments), e.name, e.repeat, e.trainable, e.source) == \
        ("conv", {"out": 4, "kernel": 3}, "c", 2, False, "x")
    assert e.label(Scope(prefix="b", input="input", env={})) == "b.c"
    assert (e.location.line, e.location.column) == (1, 4)        # the mapping after 'e: '
    assert (e.arguments_location.line, e.arguments_location.column) == (1, 5)   # the key 'conv'


def test_a_bare_word_entry_gets_its_automatic_label_inside_a_scope():
    scope = Scope(prefix="block1", input="input", env={})
    scope.names["relu1"] = "block1.relu1"
    e = entry("relu", scope)
    # relu1 is taken in this scope, so the next automatic name is relu2; peeking does not use it up
    assert (e.type, e.arguments, e.name, e.label(scope), e.repeat, e.trainable) == \
        ("relu", None, None, "block1.relu2", 1, True)
    assert scope.auto_name("relu") == "relu2"


def test_a_frozen_scope_freezes_its_entries():
    scope = Scope(prefix="", input="input", env={}, trainable=False)
    assert entry("{conv: {out: 4, kernel: 3}, trainable: true}", scope).trainable is False


@pytest.mark.parametrize("text, fragment", [
    ("{conv: {}, repeat: -1}", "'repeat' must be an int ≥ 0, got -1"),
    ("{conv: {}, if: 1}", "'if' must be true or false"),
    ("{conv: {}, repeat: 101}", "over the limit of 100 layers"),
    ("{conv: {}, trainable: 1}", "'trainable' must be true or false, got 1"),
    ("{conv: {}, name: input}", "'input' is reserved"),
    ("{name: a}", "this layer has no type"),
    ("3", "a layer must be a type name"),
])
def test_entry_errors(text, fragment):
    with pytest.raises(SpecError, match=fragment):
        entry(text)


def test_resolve_prefers_earlier_outer_names_then_full_paths_then_later_ones():
    top = Scope(prefix="", input="input", env={})
    inner = Scope(prefix="b", input="x", env={}, parent=top)
    top.names.update(x="x", y="y")
    inner.names.update(x="b.x", z="b.z")
    position = {"input": 0, "x": 1, "b.x": 2, "b.z": 4, "y": 5, "other.w": 6}
    at = Location("t.yaml", 9, 1)
    assert resolve(inner, "x", position, at, "b.q") == "b.x"         # b.q is not built yet: b.x is earlier
    position["b.q"] = 3
    assert resolve(inner, "z", position, at, "b.q") == "b.z"         # only later in its own scope: forward
    assert resolve(inner, "other.w", position, at, "b.q") == "other.w"   # a full path
    with pytest.raises(SpecError, match="no layer defined before this one has that name"):
        resolve(inner, "nowhere", position, at, "b.q")
    with pytest.raises(SpecError, match="'from' names 'nowhere', but no layer has that name"):
        resolve_later(inner, "nowhere", position, at, "b.q")


@pytest.mark.parametrize("expression, value", [("2 + 3 * 4", 14), ("-(7 // 2)", -3), ("17 % 5", 2)])
def test_evaluate(expression, value):
    assert evaluate(expression, HERE) == value


@pytest.mark.parametrize("path", ["a/b.yaml", "b.tar.gz", ".hidden", "x.", "dir/", "plain", "a.b/c", "/x/y.z"])
def test_stem_is_pathlibs(path):
    assert _stem(path) == PurePosixPath(path).stem


@pytest.mark.parametrize("text, answer", [
    ("input: [3]\nlayers: [relu]\n", True),
    ("kind: Deployment\nspec: {layers: 3}\n", False),         # 'layers' not at the top
    ("---\na: 1\n---\nlayers: []\n", True),                   # in the second document
    ("{% if x %}\nlayers:\n  - relu\n", True),                # not YAML: the line decides
    ("key: !Ref Thing\n", False),
    ("- layers\n", False),
])
def test_is_spec(tmp_path, text, answer):
    path = tmp_path / "f.yaml"
    path.write_text(text)
    assert is_spec(str(path)) is answer


def test_is_spec_leaves_unreadable_files_to_the_reader(tmp_path):
    assert is_spec(str(tmp_path)) is True
    assert is_spec(str(tmp_path / "missing.yaml")) is True
    big = tmp_path / "big.yaml"
    big.write_text("a: 1\n" * 10)
    assert is_spec(str(big), max_bytes=10) is True


def test_every_shipped_spec_reads_as_safe_load_reads_it():
    import glob
    import os

    import yaml
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    paths = sorted(glob.glob(os.path.join(root, "specs", "**", "*.yaml"), recursive=True))
    assert len(paths) > 20
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        assert load(text, path) == yaml.safe_load(text), path


def test_a_node_completed_later_is_a_new_record_with_its_other_fields_kept():
    # references._with_inputs names Node's fields one by one (it is on the path of every forward
    # reference of a 100,000-layer spec): it must build what replace() builds, for every field
    from cnncalc.graph import Node
    from cnncalc.record import fields, replace
    from cnncalc.spec.references import _with_inputs
    node = Node("b", object(), (), HERE, False, {"kernel": HERE}, "a")
    assert [f.name for f in fields(Node)] == ["name", "layer", "inputs", "location", "trainable",
                                              "arg_locations", "shares"]
    done = _with_inputs(node, ("x",))
    assert done is not node and node.inputs == ()
    for f in fields(Node):
        assert getattr(done, f.name) == getattr(replace(node, inputs=("x",)), f.name), f.name


def test_forward_from_like_and_share_resolve_to_the_written_graph():
    # a forward 'from:', a 'like:' shape reference (an extra input after the data input) and a tie
    spec = parse_spec("""
input: [4, 8, 8]
layers:
  - {name: a, conv: {out: 4, kernel: 3, padding: 1}, from: input}
  - {name: b, share: a, from: late}
  - {name: up, upsample: {like: input}, from: b}
  - {name: late, maxpool: {kernel: 2}, from: a}
""")
    nodes = spec.graph.nodes
    assert nodes["b"].inputs == ("late",) and nodes["b"].shares == "a"
    assert nodes["up"].inputs == ("b", "input") and nodes["a"].shares == ""


def test_no_module_of_the_spec_package_changes_a_frozen_record():
    from pathlib import Path

    import cnncalc.spec
    for path in Path(cnncalc.spec.__file__).parent.glob("*.py"):
        assert "__setattr__" not in path.read_text(encoding="utf-8"), path.name
