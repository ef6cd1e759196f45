"""The picture of a network, as data the Mermaid and DOT writers share: one box per layer (its name, type
and output shape), an edge per input, and the blocks as nested clusters.

* **Fused chains** (by default): a layer that a runtime fuses into the layer before it (``Layer.fuses``: a
  batch norm folded into the preceding convolution or dense layer, an element-wise activation run in its
  producer's epilogue) is drawn inside its producer's box, when it is that producer's only reader:
  ``conv 3×3/2 + batchnorm + relu``, as TensorRT's or ONNX Runtime's fused graph runs it.
* **Depth**: with ``depth`` every block deeper than ``depth`` parts of the layer names is one box (as
  ``analyze --depth`` folds it: cnncalc/render/fold.py).
* **Clusters** come from the dotted layer paths (``layer1.0.conv1`` lies in ``layer1`` and ``layer1.0``):
  every path prefix that holds two or more members (layers or smaller clusters) is drawn as a cluster; a
  prefix with one member is not (a branch of one layer would only add a frame). A layer whose name is a
  cluster's path (a ``concat`` named ``mixed`` closing the branches ``mixed.*``) is drawn inside that
  cluster. A box shows its name relative to its cluster (``conv1`` inside ``layer1.0``), the cluster its
  own path.
* **Order**: boxes, clusters and edges in the order of the spec's layers, so that the writers can keep
  branches in spec order (DOT's ``ordering=out``).

Node and cluster identifiers are generated (``n0``, ``c0``), so no name needs to be a valid identifier; names
and labels are escaped by each writer for its language.
"""

from __future__ import annotations

from typing import Optional

from cnncalc.errors import printable
from cnncalc.layers import lookup
from cnncalc.layers.base import EPILOGUE, FOLDS
from cnncalc.record import field, record
from cnncalc.render.fmt import dims

INPUT, LAYER, MERGE = "input", "layer", "merge"     # node kinds: each writer gives each its own shape
DIRECTIONS = ("TB", "LR")                          # top to bottom, left to right


@record
class Box:
    id: str
    name: str             # the full layer name (the first of a fused chain)
    lines: tuple          # label lines: name within its cluster, type(s), output shape (control characters escaped)
    kind: str             # INPUT | LAYER | MERGE (two or more inputs)


@record
class Cluster:
    id: str
    path: str             # the dotted prefix, '' for the whole network
    label: str = ""       # its title: the path within the enclosing cluster's
    boxes: list = field(default_factory=list)
    clusters: list = field(default_factory=list)


@record
class Picture:
    title: str
    root: Cluster
    edges: tuple          # (from id, to id), each once, in the order of the layers
    direction: str = "TB"


@record(frozen=False)
class _Node:
    """One box before it is placed: the rows it draws (several for a fused chain)."""
    id: str
    name: str
    kind: str
    labels: list
    shape: tuple
    fold_open: bool       # the chain so far is one layer that takes a fold (a batch norm may still fold in)


def picture(report, depth: Optional[int] = None, fuse: bool = True, direction: str = "TB") -> Picture:
    """The picture of an analysed network (a cnncalc.analysis.Analysis): ``depth`` folds blocks deeper than it,
    ``fuse`` draws fused chains as one box, ``direction`` is TB or LR."""
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}, got {direction!r}")
    if depth is not None:
        from cnncalc.render.fold import fold
        report = fold(report, depth)
    readers: dict[str, int] = {}
    for row in report.rows:
        for source in set(row.inputs):
            readers[source] = readers.get(source, 0) + 1
    nodes: list[_Node] = []
    node_of: dict[str, _Node] = {}          # layer name → the node drawing it
    edges: list[tuple[str, str]] = []
    seen = set()
    for row in report.rows:
        host = _host(row, node_of, readers) if fuse else None
        if host is not None:
            host.labels.append(row.type)
            host.shape = row.output_shape
            host.fold_open = False
            node_of[row.name] = host
            continue
        kind = INPUT if row.is_network_input else MERGE if len(set(row.inputs)) > 1 else LAYER
        cls = lookup(row.type)
        node = _Node(f"n{len(nodes)}", row.name, kind, [row.label] if kind != INPUT else [], row.output_shape,
                     cls is not None and cls.takes_fold)
        nodes.append(node)
        node_of[row.name] = node
        for source in row.inputs:
            edge = (node_of[source].id, node.id)
            if edge not in seen:
                seen.add(edge)
                edges.append(edge)
    return Picture(printable(report.name), _clusters(nodes), tuple(edges), direction)


def _host(row, node_of: dict, readers: dict) -> Optional[_Node]:
    """The node a row is drawn in when a runtime fuses it into the layer before it, else None."""
    cls = lookup(row.type)
    if cls is None or not cls.fuses or len(row.inputs) != 1:
        return None
    source = row.inputs[0]
    host = node_of.get(source)
    if host is None or host.kind == INPUT or readers.get(source) != 1:
        return None
    if cls.fuses == FOLDS:
        return host if host.fold_open else None
    return host if cls.fuses == EPILOGUE else None


def _prefixes(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:k]) for k in range(1, len(parts))]


def _clusters(nodes: list) -> Cluster:
    """Nest the boxes in the clusters of their path prefixes (linear in the total length of the names)."""
    members: dict[str, set] = {}            # prefix → its direct members (a box's name, or a smaller prefix)
    for node in nodes:
        parent = ""
        for prefix in _prefixes(node.name):
            members.setdefault(parent, set()).add(prefix)
            parent = prefix
        members.setdefault(parent, set()).add(node.name)
    for node in nodes:                         # a layer named as a cluster sits inside it
        if node.name in members:
            members[node.name].add(node.name)
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
            label = prefix[len(parent.path) + 1:] if parent.path else prefix
            clusters[prefix] = Cluster(f"c{len(clusters)}", prefix, printable(label))
            parent.clusters.append(clusters[prefix])
        return clusters[prefix]

    for node in nodes:
        place = cluster(node.name) if node.name in drawn else home(node.name)
        place.boxes.append(_box(node, place.path))
    return root


def _box(node: _Node, path: str) -> Box:
    """A node's box, its name shown relative to the cluster it is drawn in."""
    shown = node.name
    if path and shown.startswith(path + "."):
        shown = shown[len(path) + 1:]
    elif path and shown == path:
        shown = path.rsplit(".", 1)[-1]
    label = " + ".join(node.labels)
    lines = (shown, dims(node.shape)) if node.kind == INPUT else (shown, label, dims(node.shape))
    return Box(node.id, node.name, tuple(printable(t) for t in lines), node.kind)


def nested_lines(cluster: Cluster, opening, box_line, closing: str, indent: str = "    ",
                 for_dot: bool = False, trailer=None) -> list[str]:
    """The lines of a cluster tree in a graph language: ``opening(cluster)`` (a list of lines) and
    ``closing`` around each named cluster, ``box_line(box)`` for each box, nested clusters indented once more.
    Boxes and clusters come in the order of their first layer. ``for_dot``: in the order that makes Graphviz's
    dot draw them left to right in the spec's order: dot lays out the members of a cluster whose first member
    is a box and that holds clusters too right to left, so those are written boxes then clusters, each last to
    first; a cluster of boxes only (a split's parts, chained by the trailer's invisible edges) is written in
    order, else a branch drawn as a cluster beside it (ShuffleNet's branch2 reading split.1) turns the parts
    round (found on the shipped specs, and held by tests/test_graph.py's branch-order test). ``trailer(cluster)``: more lines at the end
    of each cluster, the whole network's included."""
    lines: list[str] = []

    def first(item) -> int:
        box = item if isinstance(item, Box) else _first_box(item)
        return int(box.id[1:]) if box is not None else 0

    def walk(node: Cluster, depth: int) -> None:
        inner = depth + 1 if node.path else depth
        if node.path:
            lines.extend(f"{indent * depth}{line}" if i == 0 else f"{indent * inner}{line}"
                         for i, line in enumerate(opening(node)))
        items = sorted([*node.boxes, *node.clusters], key=first)
        if for_dot and items and isinstance(items[0], Box) and node.clusters:
            items = node.boxes[::-1] + node.clusters[::-1]
        for item in items:
            if isinstance(item, Box):
                lines.append(f"{indent * inner}{box_line(item)}")
            else:
                walk(item, inner)
        if trailer is not None:
            lines.extend(f"{indent * inner}{line}" for line in trailer(node))
        if node.path:
            lines.append(f"{indent * depth}{closing}")

    walk(cluster, 1)
    return lines


def siblings(pic: Picture) -> dict[str, list[list[str]]]:
    """{cluster id: groups of box ids}: the boxes that read only one and the same box, drawn in one cluster,
    in the order of their layers: the branches of a split, which a writer may keep side by side in order."""
    inputs: dict[str, list[str]] = {}
    for a, b in pic.edges:
        inputs.setdefault(b, []).append(a)
    home: dict[str, str] = {}

    def walk(cluster: Cluster) -> None:
        home.update((box.id, cluster.id) for box in cluster.boxes)
        for child in cluster.clusters:
            walk(child)
    walk(pic.root)
    groups: dict[tuple, list[str]] = {}
    for a, b in pic.edges:
        if inputs[b] == [a]:
            groups.setdefault((a, home[b]), []).append(b)
    result: dict[str, list[list[str]]] = {}
    for (_, cluster_id), members in groups.items():
        if len(members) > 1:
            result.setdefault(cluster_id, []).append(members)
    return result


def _first_box(cluster: Cluster) -> Optional[Box]:
    candidates = [b for b in cluster.boxes] + [b for c in cluster.clusters if (b := _first_box(c)) is not None]
    return min(candidates, key=lambda b: int(b.id[1:]), default=None)
