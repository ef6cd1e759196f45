"""ONNX writers of relative_position_bias and shifted_window_mask (cnncalc/layers/attention.py). Each is an
Add of a constant to the scores grouped by window and head (Reshape, Add, Reshape): the relative bias's table
looked up at export, as a runtime folds the Gather of a constant table; the mask's −100/0 values."""

import numpy as np

from cnncalc.execute.attention import window_mask
from cnncalc.layers.attention import relative_index
from cnncalc.onnxexport import writes


def _add_grouped(b, node, out_shape, constant, groups: int) -> None:
    """scores [1, *out_shape] as [1, -1, groups, N, N] + ``constant`` ([groups, N, N], or [windows, 1, N, N]
    broadcast over the groups), and back."""
    n = out_shape[-1]
    grouped = b.constant(f"{node.name}.grouped", [1, -1, groups, n, n], "int64")
    added = b.constant(f"{node.name}.constant", constant)
    back = b.constant(f"{node.name}.shape", [1, *out_shape], "int64")
    x = b.op("Reshape", b.inputs(node) + [grouped], f"{node.name}.by_group")
    summed = b.op("Add", [x, added], f"{node.name}.added")
    b.op("Reshape", [summed, back], node.name)


@writes("relative_position_bias")
def relative_position_bias(b, node, in_shapes, out_shape, weights):
    """The table looked up once at export, [heads, N, N], added to the scores grouped by head; the importer
    reads the constant back as this layer with its table's parameters (one value per offset)."""
    layer = node.layer
    bias = np.moveaxis(weights["table"][np.asarray(relative_index(layer.size()))], 2, 0)
    _add_grouped(b, node, out_shape, bias, layer.heads)


@writes("shifted_window_mask")
def shifted_window_mask(b, node, in_shapes, out_shape, weights):
    """The mask [windows, 1, N, N] (−100 across regions, 0 within; the heads broadcast) added to the scores
    grouped by window and head; the importer reads the constant back as this layer by its values."""
    _add_grouped(b, node, out_shape, window_mask(node.layer)[:, None], node.layer.heads)
