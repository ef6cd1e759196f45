"""PyTorch writer of dense (cnncalc/layers/dense.py)."""

from __future__ import annotations

from cnncalc.export.code import Code, args, writes


@writes("dense")
def dense(layer, shapes, out):
    return Code(modules=(("", "nn.Linear(" + args(shapes[0][0], layer.out, bias=(layer.bias, True)) + ")"),),
                expr="{m}({0})")
