"""ONNX Sub, Div, Pow and Sqrt, and Add and Mul of one-value constants (cnncalc/onnxmap/structure.py calls
:func:`with_constant`) → ``arith``, ``sqrt``, ``rsqrt``, ``sub``, ``div`` (cnncalc/layers/arith.py)."""

from __future__ import annotations

from cnncalc.layers.arith import Arith, Div, Sqrt, Sub
from cnncalc.onnxmap.attention import relative_bias, window_mask
from cnncalc.onnxmap.learnable import position_embedding
from cnncalc.onnximport.mapping import Unmapped, differing, float32, maps
from cnncalc.onnximport.patterns import erf_gelu, reciprocal_sqrt
from cnncalc.onnximport.translate import Translator

# ONNX's operators → arith's op
OPS = {"Add": "add", "Sub": "sub", "Mul": "mul", "Div": "div", "Pow": "pow"}


def with_constant(t: Translator, node) -> None:
    """The ``node`` (Add, Sub, Mul, Div, Pow) of an activation and a constant of one value: one ``arith``,
    ``reverse`` when the constant comes first of a Sub, Div or Pow; an Add of a constant of the activation's
    whole shape is a ``position_embedding``."""
    if len(node.input) != 2 or all(name in t.model.consts for name in node.input):
        raise Unmapped("it needs one activation and one constant")
    i = 0 if node.input[0] not in t.model.consts else 1
    x = t.act(node, i, any_layout=True)
    value = t.const(node, 1 - i, "constant")
    if value.size != 1 and (relative_bias(t, node, i) or window_mask(t, node, i)):
        return
    if value.size != 1 and position_embedding(t, node, i):
        return
    if value.size != 1:
        raise Unmapped(f"its constant has shape {list(value.shape)}; cnncalc maps a constant of one value "
                       f"(arith), and a Mul by one value per channel (scale)")
    if t.shape(node.output[0]) != t.shape(node.input[i]):
        raise Unmapped(f"the constant {list(value.shape)} changes the shape of {list(t.shape(node.input[i]))}")
    number = value.reshape(-1)[0]
    number = float32(number) if str(value.dtype) == "float32" else float(number)
    op = OPS[node.op_type]
    reverse = i == 1 and op in ("sub", "div", "pow")
    t.emit(node, Arith, {"op": op, "value": number, **differing(Arith, reverse=reverse)}, [x], perm=x.perm)


@maps("Sub", "Div", "Pow")
def arith(t: Translator, node) -> None:
    """`arith` with a constant of one value (`reverse` when it comes first: c − x, c / x, c^x); Sub and Div
    of two activations of one rank and layout, `sub` and `div`; a Div that begins GELU's erf form is one
    `gelu`; a Pow of two activations, or a constant of more values: refused

    The erf form is :func:`cnncalc.onnximport.patterns.erf_gelu`."""
    if node.op_type == "Div" and erf_gelu(t, node):
        return
    if not any(name in t.model.consts for name in node.input):
        if node.op_type == "Pow":
            raise Unmapped("Pow of two activations (cnncalc maps Pow with a constant)")
        from cnncalc.onnxmap.structure import merge           # structure.py imports this module
        return merge(t, node, Sub if node.op_type == "Sub" else Div)
    with_constant(t, node)


@maps("Sqrt")
def sqrt(t: Translator, node) -> None:
    """`sqrt`; 1 / √x is one `rsqrt` (:func:`cnncalc.onnximport.patterns.reciprocal_sqrt`)"""
    if reciprocal_sqrt(t, node):
        return
    x = t.act(node, any_layout=True)
    t.emit(node, Sqrt, {}, [x], perm=x.perm)
