"""ONNX Gemm → ``dense`` (cnncalc/layers/dense.py). A MatMul on a flat input is mapped with ``linear``
(cnncalc/onnxmap/linear.py), where the product over the channels is."""

from __future__ import annotations

from cnncalc.layers.dense import Dense
from cnncalc.onnximport.mapping import Unmapped, attrs, differing, float32, maps
from cnncalc.onnximport.translate import Translator
from cnncalc.onnxmap.linear import product_input


@maps("Gemm")
def gemm(t: Translator, node) -> None:
    """`dense`: `transB`; bias from input 3, one value per output; `transA`, and `alpha` or `beta` ≠ 1, are
    refused; in a model of batch 1, of tokens [L, C] (batch merged away), `linear` over C"""
    x = t.act(node, any_layout=True)
    a = attrs(node)
    if a.get("transA", 0):
        raise Unmapped("transA")
    if float32(a.get("alpha", 1.0)) != 1.0 or float32(a.get("beta", 1.0)) != 1.0:
        raise Unmapped("alpha or beta other than 1 (a scaled product)")
    weight = t.const(node, 1)
    if weight is None or weight.ndim != 2:
        raise t.fail(node, "the weight must be a constant matrix")
    features, out = (weight.shape[1], weight.shape[0]) if a.get("transB", 0) else weight.shape
    shape = t.shape(node.input[0])
    if len(shape) != 2 or shape[1] != features:
        raise t.fail(node, f"the weight {list(weight.shape)} does not fit the input {list(shape)}")
    bias = t.const(node, 2, "bias")
    if bias is not None and bias.size != out:
        raise Unmapped(f"a bias of shape {list(bias.shape)} (not one value per output)")
    x, cls = product_input(t, node, x, shape)
    t.emit(node, cls, {"out": int(out), **differing(cls, bias=bias is not None)}, [x], perm=x.perm)
