"""ONNX writers of batchnorm and dropout (cnncalc/layers/norm.py); the other normalisations have none yet."""

from __future__ import annotations

from cnncalc.onnxexport import ExportRefused, writes


@writes("batchnorm")
def batchnorm(b, node, in_shapes, out_shape, weights):
    layer = node.layer
    if not (layer.affine and layer.track_running_stats):
        raise ExportRefused(f"layer '{node.name}' (batchnorm): ONNX's BatchNormalization at inference has a "
                            "scale, a bias and running statistics; affine: false or track_running_stats: false "
                            "would read back with other parameters")
    name = node.name
    b.op("BatchNormalization", b.inputs(node) + [
        b.constant(f"{name}.weight", weights["weight"]), b.constant(f"{name}.bias", weights["bias"]),
        b.constant(f"{name}.running_mean", weights["running_mean"]),
        b.constant(f"{name}.running_var", weights["running_var"])], name, epsilon=float(layer.eps))


@writes("dropout")
def dropout(b, node, in_shapes, out_shape, weights):
    ratio = b.constant(f"{node.name}.ratio", node.layer.rate)
    b.op("Dropout", b.inputs(node) + [ratio], node.name)
