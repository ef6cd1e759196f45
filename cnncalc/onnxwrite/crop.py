"""ONNX writer of crop (cnncalc/layers/crop.py): a Slice of the spatial axes (a `like:` crop written with
the amounts it resolves to; the importer reads it back as a crop by those amounts)."""

from __future__ import annotations

from cnncalc.onnxexport import writes


@writes("crop")
def crop(b, node, in_shapes, out_shape, weights):
    pairs = node.layer.crops(list(in_shapes))
    shape = in_shapes[0]
    x = b.inputs(node)[0]
    name = node.name
    b.op("Slice", [x, b.constant(f"{name}.starts", [before for before, _ in pairs], "int64"),
                   b.constant(f"{name}.ends", [n - after for n, (_, after) in zip(shape[1:], pairs)], "int64"),
                   b.constant(f"{name}.axes", list(range(2, len(shape) + 1)), "int64")], name)
