"""No module outside cnncalc/layers/ chooses by a layer type's name (docs/design.md; docs/adding-a-layer.md):
what a capability needs to know about a type is declared on the type (a trait such as ``multi_output``, a
method such as ``worked``) or lives in its companion module. This test reads the syntax tree of every module
under cnncalc/ outside cnncalc/layers/ and fails on a comparison (``==``, ``!=``, ``in``, ``not in``, or a
``match``) of a ``type_name`` (a variable, an attribute, ``node.layer.type_name``) with a string or a
literal tuple, list or set of strings."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "cnncalc"

# Modules allowed to compare a type's name: none.
ALLOWED: dict[str, str] = {}
# Known and being removed on another branch of issue 19 (ONNX import restructured): merged together, the
# entry goes (a pending entry that no longer matches anything fails below, so it cannot linger).
PENDING: dict = {}           # module → why it still compares a type's name (none: every case is a trait now)


def _is_type_name(node: ast.AST) -> bool:
    return (isinstance(node, ast.Name) and node.id == "type_name") or \
        (isinstance(node, ast.Attribute) and node.attr == "type_name")


def _is_literal_names(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return bool(node.elts) and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts)
    return False


def _is_literal_pattern(pattern: ast.AST) -> bool:
    if isinstance(pattern, ast.MatchValue):
        return _is_literal_names(pattern.value)
    if isinstance(pattern, ast.MatchOr):
        return any(_is_literal_pattern(p) for p in pattern.patterns)
    return False


def name_tests(source: str) -> list[int]:
    """The lines of ``source`` that compare a type_name with literal names."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            for op, (left, right) in zip(node.ops, zip(operands, operands[1:])):
                if not isinstance(op, (ast.Eq, ast.NotEq, ast.In, ast.NotIn)):
                    continue
                if (_is_type_name(left) and _is_literal_names(right)) or \
                        (_is_type_name(right) and _is_literal_names(left)):
                    lines.append(node.lineno)
        elif isinstance(node, ast.Match) and _is_type_name(node.subject):
            if any(_is_literal_pattern(case.pattern) for case in node.cases):
                lines.append(node.lineno)
    return sorted(lines)


def test_the_detector_finds_each_form_and_only_those():
    found = name_tests(
        "if layer.type_name == 'split': pass\n"                             # 1
        "if node.layer.type_name in ('add', 'mul'): pass\n"                 # 2
        "if 'mul' != type_name: pass\n"                                     # 3
        "if cls.type_name not in {'concat'}: pass\n"                        # 4
        "match layer.type_name:\n    case 'split' | 'x': pass\n"            # 5
        "if cls.type_name == name: pass\n"                                  # a variable: a lookup, fine
        "if layer.type_name in REGISTRY: pass\n"                            # a table, not a literal
        "if layer.kind == 'split': pass\n")                                 # not a type's name
    assert found == [1, 2, 3, 4, 5]


def test_no_module_outside_layers_tests_a_type_name():
    found, pending_hit = [], set()
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).as_posix()
        if relative.startswith("cnncalc/layers/") or relative in ALLOWED:
            continue
        lines = name_tests(path.read_text(encoding="utf-8"))
        if relative in PENDING and lines:
            pending_hit.add(relative)
            continue
        found += [f"{relative}:{line}" for line in lines]
    assert found == [], "declare a trait or a method on the layer type, or move the code to its companion module"
    assert pending_hit == set(PENDING), f"no longer compares a type's name: remove from PENDING {set(PENDING) - pending_hit}"
