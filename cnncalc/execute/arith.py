"""Element-wise arithmetic with a constant, and the square roots, in numpy (cnncalc/layers/arith.py)."""

from __future__ import annotations

import numpy as np

from cnncalc.execute import executes

_OPS = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide, "pow": np.power}


def same_position(layer, inputs, ctx):
    """Structural run of an element-wise operation: each output element depends on its input element alone
    (x + c is not 0 where x is, so the numeric function cannot say it)."""
    return inputs[0]


@executes("arith", structural=same_position)
def arith(layer, inputs, ctx):
    """`x op c` (`c op x` with `reverse`), element by element"""
    (x,) = inputs
    c = np.asarray(layer.value, dtype=x.dtype)
    return _OPS[layer.op](c, x) if layer.reverse else _OPS[layer.op](x, c)


@executes("sqrt", structural=same_position)
def sqrt(layer, inputs, ctx):
    """`√x`, element by element"""
    return np.sqrt(inputs[0])


@executes("rsqrt", structural=same_position)
def rsqrt(layer, inputs, ctx):
    """`1 / √x`, element by element"""
    return 1 / np.sqrt(inputs[0])


def either(layer, inputs, ctx):
    """Structural run of sub and div: each output element depends on both operands (1 − 1 = 0 would say
    neither, 1 / 0 is no dependency), so their (broadcast) sum."""
    a, b = inputs
    return a + b


@executes("sub", structural=either)
def sub(layer, inputs, ctx):
    """`a − b`, numpy's broadcasting"""
    a, b = inputs
    return a - b


@executes("div", structural=either)
def div(layer, inputs, ctx):
    """`a / b`, numpy's broadcasting"""
    a, b = inputs
    return a / b
