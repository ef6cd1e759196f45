"""ONNX writers of reshape and pad (cnncalc/layers/misc.py); lrn and embedding have none yet."""

from __future__ import annotations

from cnncalc.onnxexport import writes
from cnncalc.onnxmap.misc import PAD_MODES


@writes("reshape")
def reshape(b, node, in_shapes, out_shape, weights):
    """Reshape to [1, *shape] (batch 1, as the exported model's input), which the importer reads back as the
    same reshape (a reshape to one axis, [N, F], reads back as flatten: the same figures)."""
    shape = b.constant(f"{node.name}.shape", [1, *out_shape], "int64")
    b.op("Reshape", b.inputs(node) + [shape], node.name)


ONNX_PAD_MODES = {ours: theirs for theirs, ours in PAD_MODES.items()}      # replicate is ONNX's edge


@writes("pad")
def pad(b, node, in_shapes, out_shape, weights):
    """Pad (opset 11 and later: the amounts and the constant as inputs) of the spatial axes, batch and channels
    unpadded; `replicate` is ONNX's `edge`. The importer reads it back as the same pad."""
    (shape,) = in_shapes
    pairs = node.layer.pairs(shape)
    amounts = [0, 0, *(before for before, _ in pairs), 0, 0, *(after for _, after in pairs)]
    name = node.name
    b.op("Pad", [b.inputs(node)[0], b.constant(f"{name}.pads", amounts, "int64"),
                 b.constant(f"{name}.value", node.layer.value)], name, mode=ONNX_PAD_MODES[node.layer.mode])
