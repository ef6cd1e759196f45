"""The suite runs without the optional extras: a test module that needs PyTorch skips before it imports it
(directly or through a helper module that imports it), so `pip install -e '.[test]' && pytest` collects
every module. Read from the sources with ast, so the check runs where torch is installed too (as in CI,
which installs the parity extra and would never see a module-level import fail)."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def _imports(stmt: ast.stmt) -> set[str]:
    """The top-level module names a statement imports (a relative import by its own module's name)."""
    if isinstance(stmt, ast.Import):
        return {alias.name.split(".")[0] for alias in stmt.names}
    if isinstance(stmt, ast.ImportFrom):
        if stmt.level:
            return {stmt.module.split(".")[-1]} if stmt.module else {alias.name for alias in stmt.names}
        return {stmt.module.split(".")[0], stmt.module.split(".")[-1]} if stmt.module else set()
    return set()


def _skips_without_torch(stmt: ast.stmt) -> bool:
    """require_torch() or pytest.importorskip("torch", ...) as a statement of its own or assigned."""
    value = stmt.value if isinstance(stmt, (ast.Assign, ast.Expr)) else None
    if not isinstance(value, ast.Call):
        return False
    name = ast.unparse(value.func)
    if name == "require_torch":
        return True
    first = value.args[0] if value.args else None
    return name == "pytest.importorskip" and isinstance(first, ast.Constant) and first.value == "torch"


def torch_at_import(paths) -> dict[str, int]:
    """path → line of its first unguarded top-level import of torch or of a module that imports it
    (transitively, over the given modules, known by their names)."""
    trees = {str(path): (path.stem, ast.parse(path.read_text(), str(path))) for path in paths}
    needs: dict[str, int] = {}
    names: set[str] = {"torch"}             # torch, and the modules that import it unguarded
    changed = True
    while changed:
        changed = False
        for key, (stem, tree) in trees.items():
            if key in needs:
                continue
            for stmt in tree.body:
                if _skips_without_torch(stmt):
                    break
                if _imports(stmt) & names:
                    needs[key] = stmt.lineno
                    names.add(stem)
                    changed = True
                    break
    return needs


def test_every_test_module_skips_before_it_imports_torch():
    paths = sorted(TESTS.rglob("*.py"))
    unguarded = torch_at_import(paths)
    collected = {str(p) for p in paths if p.name.startswith("test_")}
    assert {str(Path(key).relative_to(TESTS)): line for key, line in unguarded.items() if key in collected} == {}


def test_the_check_sees_an_unguarded_import(tmp_path):
    (tmp_path / "helper.py").write_text("import torch\n")
    (tmp_path / "test_a.py").write_text("import pytest\nfrom helper import x\n")
    (tmp_path / "test_b.py").write_text("from extras import require_torch\ntorch = require_torch()\nimport torch\n")
    (tmp_path / "test_c.py").write_text('import pytest\ntorch = pytest.importorskip("torch", reason="r")\n'
                                        "from helper import x\n")
    (tmp_path / "test_d.py").write_text("import os\nimport torch.nn as nn\n")
    found = torch_at_import(sorted(tmp_path.glob("*.py")))
    assert {Path(key).name: line for key, line in found.items()} == {"helper.py": 1, "test_a.py": 2, "test_d.py": 2}


def test_ci_runs_the_readmes_test_command_and_every_test():
    # README's second set-up command (every test, on every core: pytest-xdist) is what .ci/run runs, pip quiet;
    # no marker filter, and
    # pytest's exit 5 (nothing collected) counted as a failure
    repo = TESTS.parent
    (command,) = [line.strip() for line in (repo / "README.md").read_text().splitlines()
                  if line.startswith("    ") and "-m pytest" in line]
    ci = (repo / ".ci" / "run").read_text()
    assert command.endswith("-m pytest -n auto") and "[test,parity]" in command
    assert command.replace("pip install -e", "pip install -q -e") + "\n" in ci
    assert ci.count("-m pytest") == 1 and '"$rc" -eq 5' in ci


def test_every_slow_entry_names_a_test():
    # tests/slow_tests.py marks tests by name: a test renamed or removed would silently join the fast tier
    from slow_tests import STALE
    assert STALE == [], "tests/slow_tests.py names tests that no longer exist"
