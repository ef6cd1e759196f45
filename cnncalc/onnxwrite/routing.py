"""ONNX writers of identity, stochastic depth (the identity at inference) and channel shuffle
(cnncalc/layers/routing.py)."""

from __future__ import annotations

from cnncalc.onnxexport import writes


@writes("identity", "stochastic_depth")
def identity(b, node, in_shapes, out_shape, weights):
    """The identity at inference, written as ONNX's Dropout of ratio 0 (the identity at inference too):
    the importer reads it back as a `dropout` row with the same figures (no parameters, no FLOPs, its
    output tensor), where an ONNX Identity would read back as no row at all."""
    b.op("Dropout", b.inputs(node) + [b.constant(f"{node.name}.ratio", 0.0)], node.name)


@writes("channel_shuffle")
def channel_shuffle(b, node, in_shapes, out_shape, weights):
    """Reshape to [N, g, C/g, ...], swap the two, reshape back: the pattern the importer reads as one
    channel_shuffle (ShuffleNet as torchvision exports it)."""
    shape = in_shapes[0]
    groups = node.layer.groups
    (x,) = b.inputs(node)
    split = b.constant(f"{node.name}.grouped_shape", [1, groups, shape[0] // groups, *shape[1:]], "int64")
    grouped = b.op("Reshape", [x, split], f"{node.name}.grouped")
    perm = [0, 2, 1, *range(3, len(shape) + 2)]
    swapped = b.op("Transpose", [grouped], f"{node.name}.swapped", perm=perm)
    b.op("Reshape", [swapped, b.constant(f"{node.name}.shape", [1, *shape], "int64")], node.name)
