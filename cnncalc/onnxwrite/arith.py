"""ONNX writers of arith, sqrt, rsqrt, sub and div (cnncalc/layers/arith.py): the operator with a one-value
constant (first for `reverse`), Sqrt, Sqrt then Div(1, ·), Sub and Div, each read back as the same layer."""

from __future__ import annotations

from cnncalc.onnxexport import writes

OPERATORS = {"add": "Add", "sub": "Sub", "mul": "Mul", "div": "Div", "pow": "Pow"}


@writes("arith")
def arith(b, node, in_shapes, out_shape, weights):
    layer = node.layer
    (x,) = b.inputs(node)
    c = b.constant(f"{node.name}.value", float(layer.value))
    b.op(OPERATORS[layer.op], [c, x] if layer.reverse else [x, c], node.name)


@writes("sqrt")
def sqrt(b, node, in_shapes, out_shape, weights):
    b.op("Sqrt", b.inputs(node), node.name)


@writes("rsqrt")
def rsqrt(b, node, in_shapes, out_shape, weights):
    """Sqrt, then 1 divided by it: the pattern the importer reads as one rsqrt (torch.rsqrt as exported)."""
    root = b.op("Sqrt", b.inputs(node), f"{node.name}.sqrt")
    b.op("Div", [b.constant(f"{node.name}.one", 1.0), root], node.name)


@writes("sub", "div")
def binary(b, node, in_shapes, out_shape, weights):
    b.op(OPERATORS[node.layer.type_name], b.inputs(node), node.name)
