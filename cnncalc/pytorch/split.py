"""PyTorch writer of split (cnncalc/layers/split.py): all the parts at once, one torch.split (split is
``multi_output``: ``out`` is the tuple of the parts' shapes)."""

from __future__ import annotations

from cnncalc.export.code import Code, writes


@writes("split")
def split(layer, shapes, out):
    return Code(expr=f"torch.split({{0}}, {[shape[0] for shape in out]}, dim=1)")
