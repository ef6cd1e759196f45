"""ONNX writers of pixel_shuffle and pixel_unshuffle (cnncalc/layers/pixel.py): DepthToSpace in the layer's
order; SpaceToDepth (dcr), or torch's 6-D Reshape → Transpose → Reshape (crd, which ONNX has no mode for)."""

from __future__ import annotations

from cnncalc.onnxexport import writes


@writes("pixel_shuffle")
def pixel_shuffle(b, node, in_shapes, out_shape, weights):
    b.op("DepthToSpace", b.inputs(node), node.name, blocksize=node.layer.factor, mode=node.layer.order.upper())


@writes("pixel_unshuffle")
def pixel_unshuffle(b, node, in_shapes, out_shape, weights):
    r = node.layer.factor
    if node.layer.order == "dcr":
        b.op("SpaceToDepth", b.inputs(node), node.name, blocksize=r)
        return
    c, h, w = in_shapes[0]
    (x,) = b.inputs(node)
    split = b.op("Reshape", [x, b.constant(f"{node.name}.split_shape", [1, c, h // r, r, w // r, r], "int64")],
                 f"{node.name}.split")
    moved = b.op("Transpose", [split], f"{node.name}.moved", perm=[0, 1, 3, 5, 2, 4])
    b.op("Reshape", [moved, b.constant(f"{node.name}.out_shape", [1, *out_shape], "int64")], node.name)
