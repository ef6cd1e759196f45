"""ONNX operators that are no layer: Identity and Cast of an activation (its output is its input), Transpose
(it changes the layout that the next operators follow: cnncalc/onnximport/translate.py). They are mapped here,
beside cnncalc's own ``identity`` (cnncalc/layers/routing.py)."""

from __future__ import annotations

from cnncalc.onnximport.mapping import Unmapped, attrs, maps
from cnncalc.onnximport.translate import Translator
from cnncalc.onnxmap.tensor import eager_permute


@maps("Identity", "Cast")
def passthrough(t: Translator, node) -> None:
    """no layer (of an activation: a Cast of constants is folded)"""
    t.alias(node, t.act(node, any_layout=True))


@maps("Transpose")
def transpose(t: Translator, node) -> None:
    """no layer: it changes the layout that the next operators follow (channels-last blocks); a `permute`
    when every reader needs the tensor's own axes (Reshape, Expand, the reductions, a MatMul of activations);
    moving the batch axis is refused"""
    x = t.act(node, any_layout=True)
    rank = len(x.perm)
    perm = [int(p) for p in attrs(node).get("perm", list(reversed(range(rank))))]
    if perm[0] != 0:
        raise Unmapped(f"moves the batch axis (perm {perm})")
    layout = tuple(x.perm[p] for p in perm)
    if not eager_permute(t, node, x, layout):
        t.alias(node, x, layout)
