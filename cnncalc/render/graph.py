"""The picture of a network, as data the Mermaid and DOT writers share: one box per layer (its name, type
and output shape), an edge per input, and the blocks as nested clusters.

Clusters come from the dotted layer paths (``layer1.0.conv1`` lies in ``layer1`` and ``layer1.0``): every
path prefix that holds two or more members (layers or smaller clusters) is drawn as a cluster; a prefix
with one member is not (a branch of one layer would only add a frame). A layer whose name is a cluster's
path (a ``concat`` named ``mixed`` closing the branches ``mixed.*``) is drawn inside that cluster. Node and
cluster identifiers are generated (``n0``, ``c0``), so no name needs to be a valid identifier; names and
labels are escaped by each writer for its language.
"""

from __future__ import annotations

from cnncalc.errors import printable
from cnncalc.record import field, record
from cnncalc.render.fmt import dims

INPUT, LAYER, MERGE = "input", "layer", "merge"     # node kinds: each writer gives each its own shape


@record
class Box:
    id: str
    name: str
    lines: tuple          # label lines: name, type, output shape (control characters escaped)
    kind: str             # INPUT | LAYER | MERGE (two or more inputs)


@record
class Cluster:
    id: str
    path: str             # the dotted prefix, '' for the whole network
    boxes: list = field(default_factory=list)
    clusters: list = field(default_factory=list)


@record
class Picture:
    title: str
    root: Cluster
    edges: tuple          # (from id, to id), each once, in the order of the layers


def picture(report) -> Picture:
    """The picture of an analysed network (a cnncalc.analysis.Analysis)."""
    ids = {row.name: f"n{index}" for index, row in enumerate(report.rows)}
    boxes = []
    edges: list[tuple[str, str]] = []
    seen = set()
    for row in report.rows:
        kind = INPUT if row.is_network_input else MERGE if len(set(row.inputs)) > 1 else LAYER
        lines = (row.name, dims(row.output_shape)) if kind == INPUT else (row.name, row.label, dims(row.output_shape))
        boxes.append(Box(ids[row.name], row.name, tuple(printable(t) for t in lines), kind))
        for source in row.inputs:
            edge = (ids[source], ids[row.name])
            if edge not in seen:
                seen.add(edge)
                edges.append(edge)
    return Picture(printable(report.name), _clusters(boxes), tuple(edges))


def _prefixes(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:k]) for k in range(1, len(parts))]


def _clusters(boxes: list) -> Cluster:
    """Nest the boxes in the clusters of their path prefixes (linear in the total length of the names)."""
    members: dict[str, set] = {}            # prefix → its direct members (a box's name, or a smaller prefix)
    for box in boxes:
        chain = _prefixes(box.name)
        parent = ""
        for prefix in chain:
            members.setdefault(parent, set()).add(prefix)
            parent = prefix
        members.setdefault(parent, set()).add(box.name)
    for box in boxes:                          # a layer named as a cluster sits inside it
        if box.name in members:
            members[box.name].add(box.name)
    drawn = {prefix for prefix, inside in members.items() if len(inside) >= 2 or prefix == ""}
    root = Cluster("c0", "")
    clusters = {"": root}

    def home(name: str) -> Cluster:
        """The innermost drawn cluster of a layer or cluster path (created on first use, outer ones first)."""
        for prefix in reversed(_prefixes(name)):
            if prefix in drawn:
                return cluster(prefix)
        return root

    def cluster(prefix: str) -> Cluster:
        if prefix not in clusters:
            parent = home(prefix)
            clusters[prefix] = Cluster(f"c{len(clusters)}", prefix)
            parent.clusters.append(clusters[prefix])
        return clusters[prefix]

    for box in boxes:
        (cluster(box.name) if box.name in drawn else home(box.name)).boxes.append(box)
    return root


def nested_lines(cluster: Cluster, opening, box_line, closing: str, indent: str = "    ") -> list[str]:
    """The lines of a cluster tree in a graph language: ``opening(cluster)`` (a list of lines) and
    ``closing`` around each named cluster, ``box_line(box)`` for each box, nested clusters indented once more."""
    lines: list[str] = []

    def walk(node: Cluster, depth: int) -> None:
        inner = depth + 1 if node.path else depth
        if node.path:
            lines.extend(f"{indent * depth}{line}" if i == 0 else f"{indent * inner}{line}"
                         for i, line in enumerate(opening(node)))
        lines.extend(f"{indent * inner}{box_line(box)}" for box in node.boxes)
        for child in node.clusters:
            walk(child, inner)
        if node.path:
            lines.append(f"{indent * depth}{closing}")

    walk(cluster, 1)
    return lines
