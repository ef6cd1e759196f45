"""ONNX writer of relative_position_bias (cnncalc/layers/attention.py): refused, with a writer of the same
work for timing only (`cnncalc measure`)."""

import numpy as np

from cnncalc.layers.attention import relative_index
from cnncalc.onnxexport import cannot_write


def _timing(b, node, in_shapes, out_shape, weights):
    """The table looked up once at export (a constant [heads, N, N], as a runtime folds the Gather of a constant
    table) and added to the scores grouped by head: Reshape, Add, Reshape: the layer's work, which reads back
    as an add of a constant."""
    layer = node.layer
    n = out_shape[-1]
    bias = np.moveaxis(weights["table"][np.asarray(relative_index(layer.size()))], 2, 0)
    grouped = b.constant(f"{node.name}.grouped", [1, -1, layer.heads, n, n], "int64")
    table = b.constant(f"{node.name}.table", bias)
    back = b.constant(f"{node.name}.shape", [1, *out_shape], "int64")
    x = b.op("Reshape", b.inputs(node) + [grouped], f"{node.name}.by_head")
    added = b.op("Add", [x, table], f"{node.name}.added")
    b.op("Reshape", [added, back], node.name)


cannot_write("ONNX has no relative-position-bias operator: written as a Gather of the table and an Add it would "
             "read back as an add of a constant, not the layer with its table", "relative_position_bias",
             timing=_timing)
