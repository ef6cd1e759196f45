"""PyTorch writers of adaptive pooling (cnncalc/layers/adaptive.py)."""

from __future__ import annotations

from cnncalc.export.code import Code, axes, ndim, per_axis, writes


def _adaptive(kind: str):
    def write(layer, shapes, out):
        count = ndim(shapes[0])
        return Code(modules=(("", f"nn.Adaptive{kind}Pool{count}d({axes(per_axis(layer.size, count))})"),))
    return write


writes("adaptive_avgpool")(_adaptive("Avg"))
writes("adaptive_maxpool")(_adaptive("Max"))
