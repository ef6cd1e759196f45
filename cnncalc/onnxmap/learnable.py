"""A Concat of a constant before a sequence → ``class_token``; an Add of a constant of the activation's whole
shape → ``position_embedding`` (cnncalc/layers/learnable.py). Called by the Concat and Add handlers
(cnncalc/onnxmap/structure.py, arith.py)."""

from __future__ import annotations

from cnncalc.layers.learnable import ClassToken, PositionEmbedding
from cnncalc.onnximport.mapping import attrs, differing
from cnncalc.onnximport.translate import Translator


def class_token(t: Translator, node) -> bool:
    """The Concat ``node`` of a constant and then a sequence [N, C, L] (in any layout) along the length, the
    constant [1, C, tokens] in the same layout (ViT's [class] token, its Expand to the batch folded): one
    ``class_token``; False otherwise."""
    if len(node.input) != 2 or node.input[0] not in t.model.consts or node.input[1] not in t.acts:
        return False
    x = t.acts[node.input[1]]
    shape = t.shape(node.input[1])
    value = t.model.consts[node.input[0]]
    axis = int(attrs(node)["axis"]) % len(shape)
    if len(shape) != 3 or x.perm[axis] != 2 or len(value.shape) != 3 or value.shape[0] != 1:
        return False
    channel = x.perm.index(1)
    if value.shape[channel] != shape[channel]:
        return False
    tokens = int(value.shape[axis])
    t.emit(node, ClassToken, differing(ClassToken, tokens=tokens), [x], perm=x.perm)
    return True


def position_embedding(t: Translator, node, i: int) -> bool:
    """The Add ``node`` of the activation input ``i`` and a constant of its whole shape but the batch axis:
    one ``position_embedding``; False otherwise."""
    value = t.model.consts[node.input[1 - i]]
    shape = t.shape(node.input[i])
    sizes = list(value.shape)
    if len(sizes) == len(shape):
        if sizes[0] != 1:
            return False
        sizes = sizes[1:]
    x = t.act(node, i, any_layout=True)
    if node.op_type != "Add" or sizes != list(shape[1:]) or x.perm[0] != 0:     # the batch axis first
        return False
    t.emit(node, PositionEmbedding, {}, [x], perm=x.perm)
    return True
