"""Generate the per-type reference of docs/spec.md, the FLOPs and training tables of docs/conventions.md,
the PyTorch writers' table of docs/export.md, the executors' table of docs/verify.md and the ONNX operators'
table of docs/onnx.md from the layer types themselves (their arguments' metadata, as ``cnncalc layers`` shows
it, their docstrings, their ``flops_rule``, ``saves_rule``, ``in_place`` and ``view``, their PyTorch writers,
executors and ONNX mappings), and the per-layer columns' table of docs/conventions.md from
cnncalc/render/columns.py. Run ``python -m cnncalc.docgen`` after changing a layer type; it rewrites, in
place, only the text between the markers

    <!-- docgen: types MODULE -->  ...  <!-- /docgen -->     the types of cnncalc/layers/MODULE.py
    <!-- docgen: types others -->  ...  <!-- /docgen -->     every type no other marker shows (plug-ins)
    <!-- docgen: flops -->  ...  <!-- /docgen -->            one row per FLOPs rule, every type
    <!-- docgen: training -->  ...  <!-- /docgen -->         what each type keeps for backward, and in place
    <!-- docgen: pytorch -->  ...  <!-- /docgen -->          each type's PyTorch writer and what it writes out
    <!-- docgen: execute -->  ...  <!-- /docgen -->          what each type's executor computes (its docstring)
    <!-- docgen: columns -->  ...  <!-- /docgen -->          the per-layer columns of every output format
    <!-- docgen: onnx -->  ...  <!-- /docgen -->             what each ONNX handler and pattern maps (docstrings)

and leaves the hand-written text around them alone. ``--check`` rewrites nothing and exits 1 when a file is
stale (tests/test_docgen.py runs it); ``--docs DIR`` works on another copy of the docs.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Optional, Sequence

from cnncalc.catalog import TypeDoc, describe
from cnncalc.layers import registry
from cnncalc.layers.base import Layer

DOCS = Path(__file__).resolve().parent.parent / "docs"
FILES = ("spec.md", "conventions.md", "export.md", "verify.md", "onnx.md")
COMMAND = "python -m cnncalc.docgen"
MARKER = re.compile(r"(<!-- docgen: (types \S+|flops|training|pytorch|execute|columns|onnx) -->\n)(.*?)(<!-- /docgen -->)", re.S)
_BUILTIN = "cnncalc.layers."


def module_key(cls: type[Layer]) -> str:
    """'conv' for a built-in type of cnncalc/layers/conv.py, the full module name for a plug-in's."""
    module = cls.__module__
    return module[len(_BUILTIN):] if module.startswith(_BUILTIN) else module


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def summary(func) -> str:
    """The first paragraph of ``func``'s docstring on one line (what a generated row says of it), or a
    visible "(no docstring: MODULE.NAME)"."""
    import inspect

    doc = inspect.cleandoc(func.__doc__ or "").split("\n\n", 1)[0]
    return " ".join(doc.split()) or f"(no docstring: {func.__module__}.{func.__qualname__})"


def _type_name(entry: TypeDoc) -> str:
    aliases = f" (also {', '.join(f'`{a}`' for a in entry.aliases)})" if entry.aliases else ""
    return f"`{entry.name}`{aliases}"


def type_table(classes: Sequence[type[Layer]]) -> str:
    """A Markdown table: each type, its arguments with their defaults, and its description."""
    lines = ["| type | arguments | what it is |", "|---|---|---|"]
    for cls in classes:
        entry = describe(cls)
        args = ", ".join(f"`{a.name}` (required)" if a.required else f"`{a.name}: {a.shown}`" for a in entry.args)
        lines.append(f"| {_type_name(entry)} | {_cell(args or 'none')} | {_cell(entry.summary)} |")
    return "\n".join(lines) + "\n"


def flops_table(classes: Sequence[type[Layer]]) -> str:
    """A Markdown table, one row per FLOPs rule (types sharing a rule share the row), in the order given."""
    rows: dict[str, list[str]] = {}
    for cls in classes:
        if not cls.flops_rule:
            raise ValueError(f"layer type '{cls.type_name}' ({cls.__module__}) declares no flops_rule")
        rows.setdefault(cls.flops_rule, []).append(f"`{cls.type_name}`")
    lines = ["| layer | FLOPs |", "|---|---|"]
    lines += [f"| {', '.join(names)} | {_cell(rule)} |" for rule, names in rows.items()]
    return "\n".join(lines) + "\n"


def _in_place(cls: type[Layer]) -> str:
    return "yes (a view: shares its input)" if cls.view else ("yes" if cls.in_place else "no")


def training_table(classes: Sequence[type[Layer]]) -> str:
    """A Markdown table, one row per (what a type keeps for backward, whether it runs in place)."""
    rows: dict[tuple, list[str]] = {}
    for cls in classes:
        rows.setdefault((cls.saves_text(), _in_place(cls)), []).append(f"`{cls.type_name}`")
    lines = ["| layer | keeps for backward (training memory) | in place (`--in-place`) |", "|---|---|---|"]
    lines += [f"| {', '.join(names)} | {_cell(rule)} | {in_place} |" for (rule, in_place), names in rows.items()]
    return "\n".join(lines) + "\n"


def pytorch_table(classes: Sequence[type[Layer]]) -> str:
    """A Markdown table, one row per PyTorch writer module: its types, and the helpers (module source torch
    lacks) it writes into the file when a layer uses them; the types without a writer last."""
    from cnncalc.export.code import writer_for

    rows: dict[str, tuple[list[str], list[str]]] = {}
    for cls in classes:
        writer = writer_for(cls)
        module = f"`{writer.__module__}`" if writer is not None else "none: `cnncalc export` refuses it"
        names, helpers = rows.setdefault(module, ([], []))
        names.append(f"`{cls.type_name}`")
        helpers += [f"`{name}`" for name in (writer.helpers if writer is not None else ()) if f"`{name}`" not in helpers]
    lines = ["| writer module | layer types | written into the file when used |", "|---|---|---|"]
    lines += [f"| {module} | {', '.join(names)} | {', '.join(helpers)} |" for module, (names, helpers) in
              sorted(rows.items(), key=lambda item: item[0].startswith("none"))]
    return "\n".join(lines) + "\n"


def execute_table(classes: Sequence[type[Layer]]) -> str:
    """A Markdown table of what each type's numpy executor computes: the first paragraph of its docstring
    (types whose executors say the same share the row); the types without an executor last."""
    from cnncalc.execute import executor_for

    rows: dict[str, list[str]] = {}
    for cls in classes:
        executor = executor_for(cls.type_name)
        if executor is None:
            text = "none: `cnncalc verify` names the layer it cannot run"
        else:
            text = summary(executor)
        rows.setdefault(text, []).append(f"`{cls.type_name}`")
    lines = ["| type | execution |", "|---|---|"]
    lines += [f"| {', '.join(names)} | {_cell(text)} |" for text, names in
              sorted(rows.items(), key=lambda item: item[0].startswith("none:"))]
    return "\n".join(lines) + "\n"


def onnx_table(classes: Sequence[type[Layer]]) -> str:
    """A Markdown table of what the ONNX importer maps: one row per handler (its operators, and the first
    paragraph of its docstring), the handlers of the ``onnxmap`` companion of each layer module in the order
    of ``classes``, each in the order its module registers it; each multi-node pattern of
    cnncalc/onnximport/patterns.py (its nodes, its docstring) right after the handlers of its first node; the
    folded constant subgraphs (cnncalc/onnximport/graph.py) last."""
    from cnncalc.layers import load_companion
    from cnncalc.onnximport.graph import FOLDED, fold
    from cnncalc.onnximport.mapping import HANDLERS
    from cnncalc.onnximport.patterns import PATTERNS

    modules: list[str] = []
    for cls in classes:
        module = load_companion(cls, "onnxmap")
        if module is not None and module.__name__ not in modules:
            modules.append(module.__name__)
    operators: dict = {}
    for op, handler in HANDLERS.items():
        if handler.__module__ in modules:
            operators.setdefault(handler, []).append(op)
    rows, mapped, pending = [], set(), list(PATTERNS)
    for handler in sorted(operators, key=lambda h: modules.index(h.__module__)):
        rows.append((", ".join(operators[handler]), summary(handler)))
        mapped.update(operators[handler])
        for pattern in [p for p in pending if mapped.issuperset(p.first)]:
            rows.append((pattern.nodes, summary(pattern.match)))
            pending.remove(pattern)
    rows += [(pattern.nodes, summary(pattern.match)) for pattern in pending]
    rows.append((FOLDED, summary(fold)))
    lines = ["| ONNX | cnncalc |", "|---|---|"]
    lines += [f"| {_cell(nodes)} | {_cell(text)} |" for nodes, text in rows]
    return "\n".join(lines) + "\n"


def columns_table() -> str:
    """A Markdown table of the per-layer columns (cnncalc/render/columns.py): name, heading, unit, meaning and
    the formats that show it when --columns is not given."""
    from cnncalc.render.columns import COLUMNS, DEFAULTS

    lines = ["| column | heading | unit | what it is | shown by default in |", "|---|---|---|---|---|"]
    for column in COLUMNS:
        formats = [name for name, chosen in DEFAULTS.items() if column.name in chosen]
        shown = ", ".join(formats) or "only when chosen"
        if column.needs:
            shown += f" (with --{column.needs})"
        lines.append(f"| `{column.name}` | {column.title} | {column.unit} | {_cell(column.doc)} | {shown} |")
    return "\n".join(lines) + "\n"


def _ordered() -> list[type[Layer]]:
    """Every type the catalogue lists (not ``input``), by module then name: built-ins first."""
    classes = [cls for cls in registry().values() if cls.arity != 0]
    return sorted(classes, key=lambda c: (not c.__module__.startswith(_BUILTIN), module_key(c), c.type_name))


def render(text: str, classes: Sequence[type[Layer]]) -> str:
    """``text`` with every marked section regenerated."""
    shown = {key[len("types "):] for _, key, _, _ in MARKER.findall(text) if key.startswith("types ")}

    def section(match: re.Match) -> str:
        key = match.group(2)
        if key == "flops":
            body = flops_table(classes)
        elif key == "training":
            body = training_table(classes)
        elif key == "pytorch":
            body = pytorch_table(classes)
        elif key == "execute":
            body = execute_table(classes)
        elif key == "columns":
            body = columns_table()
        elif key == "onnx":
            body = onnx_table(classes)
        else:
            module = key[len("types "):]
            chosen = [c for c in classes
                      if (module_key(c) not in shown if module == "others" else module_key(c) == module)]
            if module == "others":
                body = ("### Other layer types (plug-ins)\n" + type_table(chosen)) if chosen else ""
            else:
                body = type_table(chosen)
        return match.group(1) + body + match.group(4)

    return MARKER.sub(section, text)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=Path, default=DOCS, help=f"the folder holding the generated docs ({', '.join(FILES)})")
    parser.add_argument("--check", action="store_true", help="rewrite nothing; exit 1 when a file is stale")
    options = parser.parse_args(argv)
    classes = _ordered()
    stale = []
    for name in FILES:
        path = options.docs / name
        text = path.read_text(encoding="utf-8")
        new = render(text, classes)
        if new != text:
            stale.append(str(path))
            if not options.check:
                path.write_text(new, encoding="utf-8")
    if options.check and stale:
        print(f"stale generated docs: {', '.join(stale)}; run `{COMMAND}`", file=sys.stderr)
        return 1
    for path in stale:
        print(f"rewrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
