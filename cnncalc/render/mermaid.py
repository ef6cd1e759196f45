"""A network's picture as a Mermaid flowchart (GitHub renders it in a ```mermaid block)."""

from __future__ import annotations

from cnncalc.render.graph import INPUT, MERGE, Picture, nested_lines

# Mermaid's shape brackets per node kind: a stadium for the input, a hexagon for a merge, a box otherwise
_SHAPES = {INPUT: ("([", "])"), MERGE: ("{{", "}}"), "layer": ("[", "]")}
# Inside a quoted label Mermaid reads entity codes (#quot; #35;) and HTML (<br>): these characters are
# written as codes so that a name shows as written and never closes the label or adds markup
_CODES = {"#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "&": "#amp;", "`": "#96;", "%": "#37;"}
_TABLE = str.maketrans(_CODES)


def text(value: str) -> str:
    """A quoted Mermaid string showing ``value`` (control characters already escaped by the picture)."""
    return '"' + value.translate(_TABLE) + '"'


def mermaid(pic: Picture) -> str:
    lines = [f"%% {pic.title.translate(_TABLE)}: cnncalc graph", f"flowchart {pic.direction}"]
    lines += nested_lines(pic.root, lambda c: [f"subgraph {c.id}[{text(c.label)}]"], _box, "end")
    lines.extend(f"    {a} --> {b}" for a, b in pic.edges)
    return "\n".join(lines) + "\n"


def _box(box) -> str:
    left, right = _SHAPES[box.kind]
    label = "<br>".join(value.translate(_TABLE) for value in box.lines)
    return f'{box.id}{left}"{label}"{right}'
