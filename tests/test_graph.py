"""`cnncalc graph`: Mermaid checked by a grammar of the flowchart subset it writes, DOT through Graphviz's
own parser (dot -Tsvg), and names with quotes, brackets and control characters shown as written."""

from __future__ import annotations

import os
import re
import subprocess
import xml.etree.ElementTree as ET

import pytest
from extras import require_dot

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INCEPTION = os.path.join(ROOT, "specs", "seed", "inception_bottleneck.yaml")
GOOGLENET = os.path.join(ROOT, "specs", "zoo", "googlenet.yaml")

# ---------------------------------------------------------------- a grammar of Mermaid's flowchart subset

_ID = r"[A-Za-z][A-Za-z0-9_]*"
_STRING = r'"(?P<label>[^"\x00-\x1f\x7f]*)"'
_SHAPES = [(r"\(\[", r"\]\)"), (r"\{\{", r"\}\}"), (r"\[", r"\]")]
_NODE = re.compile(rf"(?P<id>{_ID})(?:" + "|".join(f"{a}{_STRING.replace('label', f'label{i}')}{b}"
                                                   for i, (a, b) in enumerate(_SHAPES)) + r")")
_SUBGRAPH = re.compile(rf"subgraph (?P<id>{_ID})\[{_STRING}\]")
_EDGE = re.compile(rf"(?P<a>{_ID}) --> (?P<b>{_ID})")
_ENTITY = re.compile(r"#(?:[a-z]+|[0-9]+);")
_NAMED = {"quot": '"', "lt": "<", "gt": ">", "amp": "&"}
RESERVED = {"end", "subgraph", "graph", "flowchart", "style", "class", "classDef", "click", "linkStyle",
            "direction", "default"}


def _decode(label: str) -> list[str]:
    """A label's lines as Mermaid shows them: <br> breaks lines; entity codes become their characters. A
    '#' that starts no code, or any other markup, breaks the grammar."""
    lines = []
    for line in label.split("<br>"):
        assert "<" not in line and ">" not in line, f"raw markup in a label: {line!r}"
        assert _ENTITY.sub("", line).count("#") == 0, f"a bare '#' in a label: {line!r}"

        def code(match: re.Match) -> str:
            body = match.group(0)[1:-1]
            return chr(int(body)) if body.isdigit() else _NAMED[body]
        lines.append(_ENTITY.sub(code, line))
    return lines


def parse_mermaid(text: str):
    """(nodes {id: (shape index, lines)}, clusters {id: (title, parent id)}, edges, node's cluster). Fails on
    anything outside the grammar: unbalanced subgraphs, unknown or repeated ids, reserved words as ids."""
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("%%")]
    assert lines[0] in ("flowchart TB", "flowchart LR")
    nodes, clusters, edges, where = {}, {}, [], {}
    stack = [None]
    for line in lines[1:]:
        if line == "end":
            assert len(stack) > 1, "'end' without a subgraph"
            stack.pop()
        elif m := _SUBGRAPH.fullmatch(line):
            assert m["id"] not in clusters and m["id"] not in nodes and m["id"] not in RESERVED
            clusters[m["id"]] = (_decode(m["label"])[0], stack[-1])
            stack.append(m["id"])
        elif m := _EDGE.fullmatch(line):
            edges.append((m["a"], m["b"]))
        elif m := _NODE.fullmatch(line):
            assert m["id"] not in nodes and m["id"] not in clusters and m["id"] not in RESERVED
            shape = next(i for i in range(len(_SHAPES)) if m[f"label{i}"] is not None)
            nodes[m["id"]] = (shape, _decode(m[f"label{shape}"]))
            where[m["id"]] = stack[-1]
        else:
            raise AssertionError(f"not Mermaid flowchart syntax: {line!r}")
    assert stack == [None], "a subgraph is not closed"
    for a, b in edges:
        assert a in nodes and b in nodes, f"an edge to an undefined node: {a} --> {b}"
    return nodes, clusters, edges, where


def _by_name(nodes):
    return {lines[0]: node for node, (_, lines) in nodes.items()}


def full_names(nodes, clusters, where) -> dict:
    """{full layer name: node id}: a box shows its name within its cluster, a cluster its path within the
    enclosing one; a box shown as its cluster's last part is the layer named as the cluster (a concat)."""
    def path(cid):
        title, parent = clusters[cid]
        return title if parent is None else f"{path(parent)}.{title}"
    result = {}
    for node, (_, lines) in nodes.items():
        cid = where[node]
        if cid is None:
            result[lines[0]] = node
        elif lines[0] == path(cid).rsplit(".", 1)[-1]:
            result[path(cid)] = node
        else:
            result[f"{path(cid)}.{lines[0]}"] = node
    return result


def test_inception_module_as_mermaid(cli):
    code, out, _ = cli("graph", INCEPTION)
    assert code == 0
    nodes, clusters, edges, where = parse_mermaid(out)
    ids = full_names(nodes, clusters, where)
    # the spec (specs/seed/inception_bottleneck.yaml), read by hand: four branches from the input into the concat
    conv1 = "mixed.conv1x1.conv1"
    r3, c3 = "mixed.conv3x3.reduce_then1.reduce", "mixed.conv3x3.reduce_then1.conv"
    r5, c5 = "mixed.conv5x5.reduce_then1.reduce", "mixed.conv5x5.reduce_then1.conv"
    pool, proj = "mixed.pool.maxpool1", "mixed.pool.proj"
    expected = {("input", conv1), ("input", r3), (r3, c3), ("input", r5), (r5, c5), ("input", pool),
                (pool, proj), (conv1, "mixed"), (c3, "mixed"), (c5, "mixed"), (proj, "mixed")}
    names = {node: name for name, node in ids.items()}
    assert {(names[a], names[b]) for a, b in edges} == expected
    assert len(edges) == len(expected)
    # shapes: the input a stadium, the concat (a merge) a hexagon, the rest boxes; the name within its cluster,
    # type and output shape shown
    assert nodes[ids["input"]] == (0, ["input", "16×28×28"])
    assert nodes[ids["mixed"]] == (1, ["mixed", "concat", "64×28×28"])      # 4 branches × 16 channels
    assert nodes[ids[c5]] == (2, ["conv", "conv 5×5", "16×28×28"])
    assert nodes[ids[r3]] == (2, ["reduce", "conv 1×1", "8×28×28"])
    assert nodes[ids[conv1]] == (2, ["conv1x1.conv1", "conv 1×1", "16×28×28"])   # a one-layer branch: no frame
    # clusters: 'mixed' holds the concat and three two-layer blocks, each titled within 'mixed'
    title = {cid: t for cid, (t, _) in clusters.items()}
    assert sorted(title.values()) == ["conv3x3.reduce_then1", "conv5x5.reduce_then1", "mixed", "pool"]
    mixed = next(cid for cid, t in title.items() if t == "mixed")
    assert all(parent == mixed for t, parent in clusters.values() if t != "mixed")
    assert where[ids["mixed"]] == mixed and where[ids[conv1]] == mixed and where[ids["input"]] is None
    assert title[where[ids[proj]]] == "pool"


def test_googlenet_mermaid_and_dot_agree(cli):
    code, mermaid, _ = cli("graph", GOOGLENET, "--format", "mermaid")
    assert code == 0
    nodes, clusters, edges, _ = parse_mermaid(mermaid)
    code, dot, _ = cli("graph", GOOGLENET, "--format", "dot")
    assert code == 0
    svg = _svg(dot)
    titles = [g.find("{http://www.w3.org/2000/svg}title").text
              for g in svg.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "node"]
    assert len(titles) == len(nodes)
    dot_edges = [g for g in svg.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "edge"]
    assert len(dot_edges) == len(edges)
    clusters_svg = [g for g in svg.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "cluster"]
    assert len(clusters_svg) == len(clusters) > 9          # the nine inception modules at least
    # every inception module is a merge of four branches: a hexagon with four edges in
    merges = [node for node, (shape, _) in nodes.items() if shape == 1]
    assert len(merges) == 9
    assert all(sum(1 for _, b in edges if b == node) == 4 for node in merges)


def _svg(dot_source: str) -> ET.Element:
    dot = require_dot()                 # skips the calling test, saying how to install Graphviz
    done = subprocess.run([dot, "-Tsvg"], input=dot_source.encode(), capture_output=True, check=True)
    return ET.fromstring(done.stdout)


ODD_NAMES = ['a"b', "c[1]{2}", "x<br>y", "#quot;", "back\\slash\\n", "%%x", "e\\x1b]0;t", "amp&lt;", "end",
             "tick`s", "semi;colon", "p|q"]


def _odd_spec(tmp_path):
    # YAML double quotes: a backslash is escaped as \\ and \e is the escape character (ESC, 0x1b)
    layers = []
    for index, name in enumerate(ODD_NAMES):
        quoted = name.replace("\\x1b", "\x00").replace("\\", "\\\\").replace('"', '\\"').replace("\x00", "\\e")
        layers.append(f'  - {{name: "{quoted}", conv: {{out: {index + 1}, kernel: 1}}}}')
    spec = tmp_path / "odd.yaml"
    spec.write_text("name: 'odd \"net\" <b>'\ninput: [1, 4, 4]\nlayers:\n" + "\n".join(layers) + "\n")
    return str(spec)


def test_names_are_escaped_in_both_languages(cli, tmp_path):
    spec = _odd_spec(tmp_path)
    shown = [name.replace("\\x1b", "\\x1b") for name in ODD_NAMES]     # ESC is shown as the text \x1b
    code, out, _ = cli("graph", spec)
    assert code == 0
    assert "\x1b" not in out
    nodes, _, _, _ = parse_mermaid(out)
    assert [lines[0] for _, lines in nodes.values()] == ["input", *shown]
    code, dot, _ = cli("graph", spec, "--format", "dot")
    assert code == 0 and "\x1b" not in dot
    texts = [t.text for t in _svg(dot).iter("{http://www.w3.org/2000/svg}text")]
    for name in shown:
        assert name in texts, name
    assert "conv 1×1" in texts


def test_svg_and_png_through_graphviz(cli, tmp_path):
    require_dot()
    code, out, _ = cli("graph", INCEPTION, "--format", "svg")
    assert code == 0 and "<svg" in out
    target = tmp_path / "g.png"
    code, _, _ = cli("graph", INCEPTION, "--format", "png", "-o", str(target))
    assert code == 0
    assert target.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_missing_graphviz_is_a_clear_usage_error(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))           # a folder without dot
    code, out, err = cli("graph", INCEPTION, "--format", "svg")
    assert code == 2 and out == ""
    assert "Graphviz" in err and "apt-get install graphviz" in err and "brew install graphviz" in err
    assert "Traceback" not in err
    code, out, _ = cli("graph", INCEPTION, "--format", "dot")      # DOT text needs no Graphviz
    assert code == 0 and out.startswith("digraph")


@pytest.mark.parametrize("fmt", ["mermaid", "dot"])
def test_a_bad_spec_is_exit_2(cli, tmp_path, fmt):
    spec = tmp_path / "bad.yaml"
    spec.write_text("input: [3, 8, 8]\nlayers:\n  - {conv: {out: 4, kernel: 9}}\n")
    code, out, err = cli("graph", str(spec), "--format", fmt)
    assert code == 2 and out == "" and err.startswith("cnncalc: error: ")


# ---------------------------------------------------------------- pictures a person reads

FUSIBLE = """
input: [3, 8, 8]
layers:
  - {name: a, conv: {out: 4, kernel: 3, padding: 1}}
  - {name: a_bn, batchnorm: {}}
  - {name: a_act, relu: {}}
  - {name: pool, maxpool: {kernel: 2}}
  - {name: pool_bn, batchnorm: {}}
  - {name: b, conv: {out: 4, kernel: 1}}
  - {name: b_act, relu6: {}}
  - {name: c, from: b, conv: {out: 4, kernel: 1}}
  - {name: sum, from: [b_act, c], add: {}}
  - {name: sum_act, relu: {}}
  - {name: probs, softmax: {}}
"""


def test_batch_norm_and_activations_are_drawn_in_the_box_they_fuse_into(cli, write):
    """By hand, for FUSIBLE: a's batch norm folds into conv a and its relu runs in a's epilogue (one box);
    a batch norm after a max pool has no weights to fold into (its own box); b is read by b_act and by c, so
    b_act is not fused (b's output is needed unactivated); the relu after the add is the add's epilogue;
    softmax is a reduction, never fused. --no-fuse draws every layer."""
    code, out, _ = cli("graph", write(FUSIBLE))
    assert code == 0
    nodes, _, edges, _ = parse_mermaid(out)
    boxes = {lines[0]: lines[1] for _, lines in nodes.values() if len(lines) == 3}
    assert boxes == {"a": "conv 3×3 + batchnorm + relu", "pool": "maxpool 2×2/2", "pool_bn": "batchnorm",
                     "b": "conv 1×1", "b_act": "relu6", "c": "conv 1×1", "sum": "add + relu", "probs": "softmax"}
    ids = {lines[0]: node for node, (_, lines) in nodes.items()}
    assert (ids["a"], ids["pool"]) in edges and (ids["sum"], ids["probs"]) in edges
    code, out, _ = cli("graph", write(FUSIBLE), "--no-fuse")
    nodes, _, edges, _ = parse_mermaid(out)
    assert len(nodes) == 12 and len(edges) == 12          # the input and 11 layers; 11 inputs plus the add's second


def test_depth_folds_blocks_and_resnet50_fits_a_screen(cli, tmp_path):
    """zoo:resnet50's top-level names (specs/zoo/resnet50.yaml): input, conv1, bn1, relu, maxpool, layer1 to
    layer4, avgpool, fc; at depth 1 each layerN is one box and conv1's batch norm and relu fuse into it:
    9 boxes in a chain."""
    code, out, _ = cli("graph", os.path.join(ROOT, "specs", "zoo", "resnet50.yaml"), "--depth", "1")
    assert code == 0
    nodes, clusters, edges, _ = parse_mermaid(out)
    labels = [lines for _, lines in nodes.values()]
    assert [lines[0] for lines in labels] == ["input", "conv1", "maxpool", "layer1", "layer2", "layer3", "layer4",
                                              "avgpool", "fc"]
    assert labels[1][1] == "conv 7×7/2 + batchnorm + relu" and labels[3][1] == "block (32 layers)"
    assert clusters == {} and len(edges) == 8
    target = tmp_path / "r50.png"
    code, _, err = cli("graph", os.path.join(ROOT, "specs", "zoo", "resnet50.yaml"), "--depth", "1", "--format",
                       "png", "-o", str(target))
    if code == 2 and "Graphviz" in err:
        require_dot()
    assert code == 0, err
    data = target.read_bytes()
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert max(width, height) <= 4000 and height > width          # one screen tall, top to bottom


def test_left_to_right(cli):
    code, out, _ = cli("graph", INCEPTION, "--direction", "LR")
    assert code == 0 and "flowchart LR" in out
    code, out, _ = cli("graph", INCEPTION, "--direction", "lr", "--format", "dot")
    assert code == 0 and "rankdir=LR;" in out


def _plain_positions(dot_source: str) -> dict:
    dot = require_dot()
    done = subprocess.run([dot, "-Tplain"], input=dot_source.encode(), capture_output=True, check=True)
    return {line.split()[1]: (float(line.split()[2]), float(line.split()[3]))
            for line in done.stdout.decode().splitlines() if line.startswith("node ")}


@pytest.mark.parametrize("spec, splits", [(GOOGLENET, 9 * 3), (INCEPTION, 3),
                                           (os.path.join(ROOT, "specs", "seed", "inception_naive.yaml"), 3),
                                           (os.path.join(ROOT, "specs", "zoo", "shufflenet_v2.yaml"), 16),
                                           (os.path.join(ROOT, "specs", "zoo", "vit_b_16.yaml"), 12 * 2)])
def test_branches_are_drawn_in_spec_order(cli, spec, splits):
    """The branches of a split (the layers that read only that one layer) are drawn left to right in the
    spec's order: GoogLeNet's came out 1, 4, 3, 2 (Graphviz lays sibling clusters right to left). The count
    of neighbouring branches, by hand: GoogLeNet's nine inception modules of four branches, 3 pairs each; one
    module of four in each inception seed spec; shufflenet_v2: the first unit of each of its 3 stages reads
    its input in two branches, and the 13 other units (3 + 7 + 3) split it in two parts: 16 pairs (a split's
    two parts came out turned round once each unit's branch2 was drawn as a cluster); vit_b_16: each of its
    12 encoder layers splits the in_proj output in three parts (q, k, v), 2 pairs each."""
    code, source, _ = cli("graph", spec, "--format", "dot")
    assert code == 0
    where = _plain_positions(source)
    outs: dict = {}
    ins: dict = {}
    for a, b in re.findall(r"(n\d+) -> (n\d+);", source):
        outs.setdefault(a, []).append(b)
        ins.setdefault(b, []).append(a)
    heads = {a: [b for b in targets if ins[b] == [a]] for a, targets in outs.items()}
    pairs = [(x, y) for targets in heads.values() for x, y in zip(targets, targets[1:])]
    assert len(pairs) == splits
    assert all(where[x][0] < where[y][0] for x, y in pairs)


def test_the_readme_picture_is_what_the_command_draws(cli):
    """README.md shows `cnncalc graph seed:inception_bottleneck`'s Mermaid output in a ```mermaid block."""
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    start = readme.index("```mermaid\n%% inception-bottleneck") + len("```mermaid\n")
    code, out, _ = cli("graph", INCEPTION)
    assert code == 0 and readme[start:readme.index("```", start)] == out
