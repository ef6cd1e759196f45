"""PyTorch writers of arith, sqrt, rsqrt, sub and div (cnncalc/layers/arith.py): expressions, no modules."""

from __future__ import annotations

from cnncalc.export.code import Code, writes

_SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**"}


@writes("arith")
def arith(layer, shapes, out):
    c, symbol = repr(float(layer.value)), _SYMBOLS[layer.op]
    return Code(expr=f"({c} {symbol} {{0}})" if layer.reverse else f"({{0}} {symbol} {c})")


@writes("sqrt")
def sqrt(layer, shapes, out):
    return Code(expr="torch.sqrt({0})")


@writes("rsqrt")
def rsqrt(layer, shapes, out):
    return Code(expr="torch.rsqrt({0})")


@writes("sub")
def sub(layer, shapes, out):
    return Code(expr="({0} - {1})")


@writes("div")
def div(layer, shapes, out):
    return Code(expr="({0} / {1})")
