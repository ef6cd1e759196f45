"""A network's picture in Graphviz's DOT language, and its rendering through the `dot` program."""

from __future__ import annotations

from cnncalc.errors import CnncalcError
from cnncalc.render.graph import INPUT, MERGE, Picture, nested_lines, siblings

_SHAPES = {INPUT: "ellipse", MERGE: "hexagon", "layer": "box"}
INSTALL = "apt-get install graphviz, brew install graphviz, or https://graphviz.org/download"


def text(value: str) -> str:
    """A quoted DOT string showing ``value``: a backslash would start an escape (\\n, \\l), a quote ends it,
    and Graphviz reads HTML entities (&lt;) in labels, so '&' is written as one."""
    return '"' + value.replace("&", "&amp;").replace("\\", "\\\\").replace('"', '\\"') + '"'


def dot(pic: Picture) -> str:
    """The DOT text. Branches keep the spec's order, left to right (top to bottom with LR): the branches of a
    split drawn in one cluster are chained by invisible edges on one rank, which dot keeps in order; a
    cluster's members are written in the order dot lays out as the spec's (graph.nested_lines); ordering=out
    for the rest."""
    groups = siblings(pic)

    def chains(cluster) -> list[str]:
        return [f"{{rank=same; {' -> '.join(ids)} [style=invis];}}" for ids in groups.get(cluster.id, ())]

    lines = [f"digraph {text(pic.title)} {{", f"    rankdir={pic.direction};", "    ordering=out;",
             '    node [shape=box, fontname="Helvetica"];', '    graph [fontname="Helvetica"];']
    lines += nested_lines(pic.root, lambda c: [f"subgraph cluster_{c.id} {{", f"label={text(c.label)};"], _box, "}",
                          for_dot=True, trailer=chains)
    lines.extend(f"    {a} -> {b};" for a, b in pic.edges)
    lines.append("}")
    return "\n".join(lines) + "\n"


def _box(box) -> str:
    label = "\\n".join(text(value)[1:-1] for value in box.lines)
    return f'{box.id} [label="{label}", shape={_SHAPES[box.kind]}];'


class GraphvizMissing(CnncalcError):
    """`--format svg|png` without Graphviz installed (exit 2: the user's set-up, not a bug)."""


def render(source: str, image_format: str) -> bytes:
    """``source`` (DOT) rendered by Graphviz's ``dot`` as ``image_format`` (svg, png)."""
    import shutil
    import subprocess

    program = shutil.which("dot")
    if program is None:
        raise GraphvizMissing(f"--format {image_format} needs Graphviz's 'dot' program, which is not on PATH; "
                              f"install Graphviz ({INSTALL}), or write --format dot and render it elsewhere")
    done = subprocess.run([program, f"-T{image_format}"], input=source.encode("utf-8"), capture_output=True)
    if done.returncode != 0:       # cnncalc wrote DOT that Graphviz refuses: a bug of ours
        raise RuntimeError(f"dot -T{image_format} failed (status {done.returncode}): "
                           f"{done.stderr.decode('utf-8', 'replace').strip()}")
    return done.stdout
