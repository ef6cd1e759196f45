"""ONNX writer of split (cnncalc/layers/split.py): each part a Slice of its channels, which the importer
reads back as the parts of one split."""

from __future__ import annotations

from cnncalc.onnxexport import writes


@writes("split")
def split(b, node, in_shapes, out_shape, weights):
    layer = node.layer
    sizes = layer.parts_of(in_shapes[0][0])
    index = len(sizes) - 1 if layer.part is None else layer.part
    start = sum(sizes[:index])
    name = node.name
    entry = name.rsplit(".", 1)[0] if layer.part is not None else name    # the importer names the split after
    b.op("Slice", b.inputs(node) + [b.constant(f"{name}.starts", [start], "int64"),   # its first Slice node
                                    b.constant(f"{name}.ends", [start + sizes[index]], "int64"),
                                    b.constant(f"{name}.axes", [1], "int64")], name, name=entry)
