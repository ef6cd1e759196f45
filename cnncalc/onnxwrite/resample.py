"""ONNX writers of the resampling layers (cnncalc/layers/resample.py): ``upsample`` as a Resize to the output's
sizes, with the coordinate rule of cnncalc's (PyTorch's) interpolation: nearest copies input floor(o·in/out)
(ONNX 'asymmetric' coordinates, nearest_mode 'floor'); the linear modes map output o to (o + ½)·in/out − ½
('pytorch_half_pixel'), or with align_corners to o·(in − 1)/(out − 1) ('align_corners')."""

from __future__ import annotations

from cnncalc.onnxexport import writes


@writes("upsample")
def upsample(b, node, in_shapes, out_shape, weights):
    layer = node.layer
    sizes = b.constant(f"{node.name}.sizes", [1, *out_shape], dtype="int64")     # batch 1, the channels kept
    if layer.mode == "nearest":
        attributes = {"mode": "nearest", "coordinate_transformation_mode": "asymmetric", "nearest_mode": "floor"}
    else:
        attributes = {"mode": "linear", "coordinate_transformation_mode":
                      "align_corners" if layer.align_corners else "pytorch_half_pixel"}
    x = b.inputs(node)[0]                 # a `like:` input is read for its shape only
    b.op("Resize", [x, "", "", sizes], node.name, **attributes)
