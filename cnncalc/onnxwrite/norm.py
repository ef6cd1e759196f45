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


def channels_last(b, x: str, rank: int, name: str) -> str:
    """x [N, C, *spatial] transposed to [N, *spatial, C] (the importer follows the layout: no layer)."""
    return b.op("Transpose", [x], f"{name}.channels_last", perm=[0, *range(2, rank), 1])


def channels_first(b, x: str, rank: int, output: str) -> str:
    return b.op("Transpose", [x], output, perm=[0, rank - 1, *range(1, rank - 1)])


@writes("layernorm")
def layernorm(b, node, in_shapes, out_shape, weights):
    layer = node.layer
    if not layer.affine:
        raise ExportRefused(f"layer '{node.name}' (layernorm): ONNX's LayerNormalization reads back only with its "
                            "scale and bias (affine: true)")
    (x,) = b.inputs(node)
    shape, name = in_shapes[0], node.name
    rank = len(shape) + 1
    scale, bias = b.constant(f"{name}.weight", weights["weight"]), b.constant(f"{name}.bias", weights["bias"])
    if layer.over == "all" or len(shape) == 1:
        b.op("LayerNormalization", [x, scale, bias], name, axis=1, epsilon=float(layer.eps))
        return
    y = b.op("LayerNormalization", [channels_last(b, x, rank, name), scale, bias], f"{name}.normalised",
             axis=-1, epsilon=float(layer.eps), name=name)
    channels_first(b, y, rank, name)
