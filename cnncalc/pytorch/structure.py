"""PyTorch writers of flatten, concat, add and mul (cnncalc/layers/structure.py); the input is forward's
argument, written by the export itself."""

from __future__ import annotations

from cnncalc.export.code import Code, writes


def _inputs(count: int) -> list:
    return ["{%d}" % i for i in range(count)]


@writes("flatten")
def flatten(layer, shapes, out):
    return Code(expr="torch.flatten({0}, 1)", alone=("nn.Flatten()", ()))


@writes("concat")
def concat(layer, shapes, out):
    return Code(expr="torch.cat([" + ", ".join(_inputs(len(shapes))) + "], dim=1)")


@writes("add")
def add(layer, shapes, out):
    return Code(expr=" + ".join(_inputs(len(shapes))))


@writes("mul")
def mul(layer, shapes, out):
    return Code(expr=" * ".join(_inputs(len(shapes))))
