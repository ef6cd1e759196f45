"""ONNX operators that are no layer: Identity and Cast of an activation (its output is its input), Transpose
(it changes the layout that the next operators follow: cnncalc/onnximport/translate.py). They are mapped here,
beside cnncalc's own ``identity`` (cnncalc/layers/routing.py)."""

from __future__ import annotations

from cnncalc.onnximport.mapping import Unmapped, attrs, maps
from cnncalc.onnximport.translate import Translator
from cnncalc.onnxmap.tensor import batch_one, eager_permute


@maps("Identity", "Cast")
def passthrough(t: Translator, node) -> None:
    """no layer (of an activation: a Cast of constants is folded)"""
    t.alias(node, t.act(node, any_layout=True))


@maps("Transpose")
def transpose(t: Translator, node) -> None:
    """no layer: it changes the layout that the next operators follow (channels-last blocks); a `permute`
    when every reader needs the tensor's own axes (Reshape, Expand, the reductions, a MatMul of activations);
    moving the batch axis is refused, unless the batch is 1 (nn.MultiheadAttention's export: the layout
    then holds the batch axis where the Transpose puts it)"""
    x = t.act(node, any_layout=True)
    rank = len(x.perm)
    perm = [int(p) for p in attrs(node).get("perm", list(reversed(range(rank))))]
    if x.perm[perm[0]] != x.perm[0] and not batch_one(t):
        raise Unmapped(f"moves the batch axis (perm {perm})")
    layout = tuple(x.perm[p] for p in perm)
    if not eager_permute(t, node, x, layout):
        t.alias(node, x, layout)
