"""PyTorch writers of class_token and position_embedding (cnncalc/layers/learnable.py): an nn.Parameter each."""

from __future__ import annotations

from cnncalc.export.code import Code, writes


@writes("class_token")
def class_token(layer, shapes, out):
    channels = shapes[0][0]
    return Code(expr="torch.cat([{m}.expand({0}.shape[0], -1, -1), {0}], dim=2)",
                parameter=("", f"torch.zeros(1, {channels}, {layer.tokens})"))


@writes("position_embedding")
def position_embedding(layer, shapes, out):
    return Code(expr="{0} + {m}", parameter=("", f"torch.zeros(1, {', '.join(map(str, shapes[0]))})"))
