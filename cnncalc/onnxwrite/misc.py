"""ONNX writer of reshape (cnncalc/layers/misc.py); lrn, pad and embedding have none yet."""

from __future__ import annotations

from cnncalc.onnxexport import writes


@writes("reshape")
def reshape(b, node, in_shapes, out_shape, weights):
    """Reshape to [1, *shape] (batch 1, as the exported model's input), which the importer reads back as the
    same reshape (a reshape to one axis, [N, F], reads back as flatten: the same figures)."""
    shape = b.constant(f"{node.name}.shape", [1, *out_shape], "int64")
    b.op("Reshape", b.inputs(node) + [shape], node.name)
