"""ONNX MatMul of a constant matrix (+ the Add of its bias) → ``linear`` over the channels of a channels-last
tensor (cnncalc/layers/linear.py), or ``dense`` on a flat input; of two activations, ``matmul``
(cnncalc/onnxmap/tensor.py)."""

from __future__ import annotations

from cnncalc.layers.dense import Dense
from cnncalc.layers.linear import Linear
from cnncalc.onnximport.mapping import Unmapped, differing, maps
from cnncalc.onnximport.patterns import bias_add
from cnncalc.onnximport.translate import Translator
from cnncalc.onnxmap.tensor import activation_product, batch_one, channels_last


def product_input(t: Translator, node, x, shape: tuple) -> tuple:
    """(the input, ``dense`` or ``linear``) of a product of ``x`` (of tensor shape ``shape``) by a constant
    matrix over its last axis: `dense` on [N, F]; `linear` when the last axis is the node's channel axis (a
    channels-last layout), and in a model of batch 1 over any other axis but the batch, after a ``permute``
    that makes it the channel axis (a transformer's tokens [L, C], MaxViT's windows [N, G, P, C])."""
    if len(shape) == 2 and x.perm == (0, 1):
        return x, Dense
    if x.perm[-1] != 1 and (x.perm[-1] == 0 or not batch_one(t)):
        raise Unmapped(f"a product over the last axis of {list(shape)}, which is not the channel axis")
    x = channels_last(t, node)
    if len(x.perm) - (0 in x.perm) < 2:
        raise Unmapped(f"a product over the last axis of {list(shape)}, which is not the channel axis")
    return x, Linear        # over the channel axis at every position


@maps("MatMul")
def matmul(t: Translator, node) -> None:
    """by a constant matrix: `dense` on a flat input, `linear` over the channels after a Transpose to
    channels-last (over another axis, in a model of batch 1, after a `permute` making it the channels; else
    refused); of two activations of one rank, `matmul`

    The Add of a constant bias after it is the layer's bias (:func:`cnncalc.onnximport.patterns.bias_add`)."""
    if node.input[1] not in t.model.consts:
        return activation_product(t, node)
    x = t.act(node, any_layout=True)
    weight = t.const(node, 1)
    if weight is None or weight.ndim != 2:
        raise Unmapped("a product with a second input that is not a constant matrix")
    shape = t.shape(node.input[0])
    if shape[-1] != weight.shape[0]:
        raise t.fail(node, f"the weight {list(weight.shape)} does not fit the input {list(shape)}")
    out = int(weight.shape[1])
    x, cls = product_input(t, node, x, shape)
    outputs = bias_add(t, node, out)
    t.emit(node, cls, {"out": out, **differing(cls, bias=outputs is not None)}, [x], perm=x.perm, outputs=outputs)
