"""`cnncalc export --to pytorch` without PyTorch: for every shipped spec (specs/zoo, specs/seed) the written
file is Python that compiles, imports nothing but torch and math, defines the network class as an nn.Module
with __init__ and forward, names no global it does not define (a helper module such as SPP or Unshared
left out of the file would be one), holds every module Export.modules promises, and names every layer of
the spec by a variable of some forward() (Export.variables, read by cnncalc.export.tracing). tests/export
runs the files under torch where the parity extra is installed; these checks read the text alone, so they
run in every install."""

from __future__ import annotations

import ast
import builtins
import symtable
from pathlib import Path

import pytest

from cnncalc.analysis import analyze
from cnncalc.errors import SpecError
from cnncalc.export import export_pytorch
from cnncalc.spec import parse_spec, read_spec

REPO = Path(__file__).resolve().parents[1]
PATHS = sorted((REPO / "specs" / "zoo").glob("*.yaml")) + sorted((REPO / "specs" / "seed").glob("*.yaml"))


def _classes(tree: ast.Module) -> dict[str, ast.ClassDef]:
    return {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}


def _method(cls: ast.ClassDef, name: str) -> ast.FunctionDef:
    found = [f for f in cls.body if isinstance(f, ast.FunctionDef) and f.name == name]
    assert found, f"class {cls.name} has no {name}()"
    return found[0]


def _attributes(cls: ast.ClassDef) -> dict[str, ast.expr]:
    """self.NAME = VALUE in __init__: NAME → VALUE."""
    found = {}
    for stmt in ast.walk(_method(cls, "__init__")):
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) \
                        and target.value.id == "self":
                    found[target.attr] = stmt.value
    return found


def traced_names(exported) -> set[str]:
    """Every layer name cnncalc.export.tracing.trace_outputs can read: each block instance's (and the
    network's) forward variables that Export.variables names, under the instance's prefix, the layers it
    hooks, and the input."""
    names = {"input", *exported.hooked}       # a layer inside an nn.Sequential: by a forward hook
    for path, prefix in exported.prefixes.items():
        for local in exported.variables[exported.classes[path]].values():
            names.add(f"{prefix}.{local}" if prefix else local)
    return names


def forward_variables(cls: ast.ClassDef) -> set[str]:
    """The local variables forward() assigns."""
    found = set()
    for node in ast.walk(_method(cls, "forward")):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            found.add(node.id)
    return found


def undefined_globals(text: str, filename: str) -> set[str]:
    """Names some function or class of the file reads as globals that the module never binds (nor builtins)."""
    table = symtable.symtable(text, filename, "exec")
    bound = {s.get_name() for s in table.get_symbols() if s.is_assigned() or s.is_imported()}
    missing = set()

    def visit(scope):
        for child in scope.get_children():
            for symbol in child.get_symbols():
                if symbol.is_referenced() and symbol.is_global() and not symbol.is_assigned():
                    name = symbol.get_name()
                    if name not in bound and not hasattr(builtins, name):
                        missing.add(f"{child.get_name()}: {name}")
            visit(child)
    visit(table)
    return missing


def module_path_exists(classes: dict, exported, path: str) -> bool:
    """Whether attribute path a.b.c is a block instance's (Export.classes) attribute assigned in its class's
    __init__, or a member of an nn.Sequential so assigned."""
    owner = max((p for p in exported.classes if p == "" or path.startswith(p + ".")), key=len)
    rest = path[len(owner) + 1:] if owner else path
    attributes = _attributes(classes[exported.classes[owner]])
    if "." not in rest:
        return rest in attributes
    # a layer inside an nn.Sequential attribute (attr.0, attr.2.1): the attribute is one (named_sequential
    # builds one whose members keep the spec's names, ConvNeXt's block.0, block.2)
    first = rest.split(".")[0]
    return first in attributes and ast.unparse(attributes[first]).startswith(("nn.Sequential(", "named_sequential("))


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_exported_source_compiles_and_holds_every_layer(path):
    spec = read_spec(str(path))
    exported = export_pytorch(spec)
    filename = f"{path.stem}_export.py"
    compile(exported.text, filename, "exec")                          # a SyntaxError fails the test
    tree = ast.parse(exported.text, filename)
    imported = {alias.name.split(".")[0] for node in tree.body if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in tree.body if isinstance(node, ast.ImportFrom) and node.module}
    assert imported <= {"torch", "math"}, imported
    assert "torch" in imported

    classes = _classes(tree)
    assert exported.class_name in classes
    network = classes[exported.class_name]
    assert [ast.unparse(base) for base in network.bases] == ["nn.Module"]
    init, forward = _method(network, "__init__"), _method(network, "forward")
    assert [a.arg for a in init.args.args] == ["self"]                 # the network is built with no arguments
    assert [a.arg for a in forward.args.args][:2] == ["self", "x"]
    assert undefined_globals(exported.text, filename) == set()

    # every layer of the spec, and nothing else, named by a variable forward() assigns; every module it runs
    # in __init__
    assert traced_names(exported) == set(spec.graph.nodes)
    for class_name, variables in exported.variables.items():
        assert set(variables) <= forward_variables(classes[class_name]), class_name
    assert set(exported.modules) <= set(spec.graph.nodes)
    for node, paths in exported.modules.items():
        for attribute in paths:
            assert module_path_exists(classes, exported, attribute), (node, attribute)
    # every layer with parameters (by cnncalc's own count) is computed by some module
    with_params = {row.name for row in analyze(spec).rows if row.params}
    shared = {name for name, node in spec.graph.nodes.items() if getattr(node, "shares", "")}
    assert with_params - shared <= {name for name, paths in exported.modules.items() if paths}


def test_the_checks_see_a_missing_layer_and_a_missing_helper():
    # the structural checks above can fail: a variable's name and a helper class removed from a real export
    spec = read_spec(str(REPO / "specs" / "seed" / "spp.yaml"))
    exported = export_pytorch(spec)
    classes = _classes(ast.parse(exported.text))
    assert "SPP" in classes
    assert len(traced_names(exported)) == 3    # input, the pyramid, the dense layer
    variables = exported.variables[exported.class_name]
    del variables[next(iter(variables))]
    assert len(traced_names(exported)) == 2 < len(spec.graph.nodes)
    assert not module_path_exists(classes, exported, "nothing")
    tree = ast.parse(exported.text)
    tree.body = [n for n in tree.body if not (isinstance(n, ast.ClassDef) and n.name == "SPP")]
    without_helper = ast.unparse(tree)
    assert any(item.endswith(": SPP") for item in undefined_globals(without_helper, "x.py"))


def test_a_refused_layer_names_it_and_says_why():
    # torch's average pooling has no dilation, so export refuses it, naming the layer, without torch
    spec = parse_spec("input: [3, 9, 9]\nlayers:\n  - {name: pool9, avgpool: {kernel: 3, dilation: 2}}\n", "t.yaml")
    with pytest.raises(SpecError) as caught:
        export_pytorch(spec)
    assert "layer 'pool9'" in str(caught.value)
    assert "torch's average pooling has no dilation" in str(caught.value)
