"""A network's picture in Graphviz's DOT language, and its rendering through the `dot` program."""

from __future__ import annotations

from cnncalc.errors import CnncalcError
from cnncalc.render.graph import INPUT, MERGE, Cluster, Picture

_SHAPES = {INPUT: "ellipse", MERGE: "hexagon", "layer": "box"}
INSTALL = "apt-get install graphviz, brew install graphviz, or https://graphviz.org/download"


def text(value: str) -> str:
    """A quoted DOT string showing ``value``: a backslash would start an escape (\\n, \\l), a quote ends it,
    and Graphviz reads HTML entities (&lt;) in labels, so '&' is written as one."""
    return '"' + value.replace("&", "&amp;").replace("\\", "\\\\").replace('"', '\\"') + '"'


def dot(pic: Picture) -> str:
    lines = [f"digraph {text(pic.title)} {{", "    rankdir=TB;", '    node [shape=box, fontname="Helvetica"];',
             '    graph [fontname="Helvetica"];']
    _cluster(pic.root, lines, "    ")
    lines.extend(f"    {a} -> {b};" for a, b in pic.edges)
    lines.append("}")
    return "\n".join(lines) + "\n"


def _cluster(cluster: Cluster, lines: list, indent: str) -> None:
    inner = indent
    if cluster.path:
        lines.append(f"{indent}subgraph cluster_{cluster.id} {{")
        inner = indent + "    "
        lines.append(f"{inner}label={text(cluster.path)};")
    for box in cluster.boxes:
        label = "\\n".join(text(value)[1:-1] for value in box.lines)
        lines.append(f'{inner}{box.id} [label="{label}", shape={_SHAPES[box.kind]}];')
    for child in cluster.clusters:
        _cluster(child, lines, inner)
    if cluster.path:
        lines.append(f"{indent}}}")


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
