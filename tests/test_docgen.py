"""The generated reference docs (cnncalc/docgen.py): docs/spec.md's per-type tables and docs/conventions.md's
FLOPs table come from the layer types themselves, docs/onnx.md's table of what is mapped from the ONNX
handlers' and patterns' docstrings, and the committed files are up to date."""

from __future__ import annotations

import inspect
from pathlib import Path

from cnncalc import docgen
from cnncalc.layers import REGISTRY

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_the_committed_docs_are_generated_from_the_layer_types():
    for name in docgen.FILES:
        text = (DOCS / name).read_text(encoding="utf-8")
        assert docgen.render(text, docgen._ordered()) == text, \
            f"docs/{name} is stale: run `{docgen.COMMAND}` and commit the result"


def test_every_type_writes_its_flops_rule_and_appears_once_in_each_table():
    spec_md = (DOCS / "spec.md").read_text(encoding="utf-8")
    conventions = (DOCS / "conventions.md").read_text(encoding="utf-8")
    flops = conventions.split("<!-- docgen: flops -->", 1)[1].split("<!-- /docgen -->", 1)[0]
    for name, cls in REGISTRY.items():
        if cls.arity == 0:
            continue
        assert cls.flops_rule, f"{name} declares no flops_rule"
        assert spec_md.count(f"\n| `{name}`") == 1, name
        assert f"`{name}`" in flops and cls.flops_rule.replace("|", "\\|") in flops, name


def test_every_onnx_handler_and_pattern_has_its_row_in_docs_onnx_md():
    # the row is the first paragraph of the docstring: a handler without one would be an empty row
    from cnncalc.onnximport.graph import fold
    from cnncalc.onnximport.mapping import HANDLERS, handler_for
    from cnncalc.onnximport.patterns import PATTERNS

    assert handler_for("Conv") is not None          # imports the ONNX mapping of every built-in layer type
    undocumented = sorted({f"{h.__module__}.{h.__qualname__}" for h in HANDLERS.values() if not inspect.getdoc(h)})
    assert not undocumented, f"ONNX handlers without a docstring: {', '.join(undocumented)}"
    assert PATTERNS and all(inspect.getdoc(p.match) for p in PATTERNS) and inspect.getdoc(fold)
    onnx_md = (DOCS / "onnx.md").read_text(encoding="utf-8")
    table = onnx_md.split("<!-- docgen: onnx -->", 1)[1].split("<!-- /docgen -->", 1)[0]
    first_cells = {op for line in table.splitlines()[2:] for op in line.split(" | ", 1)[0][2:].split(", ")}
    assert set(HANDLERS) <= first_cells, sorted(set(HANDLERS) - first_cells)
    assert "(no docstring" not in table and all(f"| {p.nodes} |" in table for p in PATTERNS)


def test_render_replaces_only_the_marked_text():
    from cnncalc.layers.dense import Dense
    text = "intro\n<!-- docgen: types dense -->\nold\n<!-- /docgen -->\noutro\n"
    out = docgen.render(text, [Dense])
    assert out.startswith("intro\n<!-- docgen: types dense -->\n| type | arguments | what it is |")
    assert "| `dense` (also `fc`) | `out` (required), `bias: true` | Fully connected" in out
    assert out.endswith("<!-- /docgen -->\noutro\n") and "old" not in out


def test_check_mode_names_the_command(tmp_path, capsys):
    for name in docgen.FILES:
        (tmp_path / name).write_text((DOCS / name).read_text(encoding="utf-8"), encoding="utf-8")
    assert docgen.main(["--docs", str(tmp_path), "--check"]) == 0
    stale = (tmp_path / "conventions.md").read_text(encoding="utf-8").replace("| `relu` |", "| `relu` (old) |")
    (tmp_path / "conventions.md").write_text(stale, encoding="utf-8")
    assert docgen.main(["--docs", str(tmp_path), "--check"]) == 1
    assert docgen.COMMAND in capsys.readouterr().err
