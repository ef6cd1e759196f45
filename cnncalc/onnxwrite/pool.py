"""ONNX writers of the pooling layers (cnncalc/layers/pool.py)."""

from __future__ import annotations

from cnncalc.layers.pool import binomial_filter
from cnncalc.onnxexport import ExportRefused, writes
from cnncalc.onnxwrite.conv import window_attributes


def _window(node, in_shapes) -> tuple:
    layer = node.layer
    geo = layer.geometry(in_shapes[0])
    return geo, {**window_attributes(geo), "ceil_mode": int(layer.ceil_mode)}


@writes("maxpool")
def maxpool(b, node, in_shapes, out_shape, weights):
    _, attributes = _window(node, in_shapes)
    b.op("MaxPool", b.inputs(node), node.name, **attributes)


@writes("avgpool")
def avgpool(b, node, in_shapes, out_shape, weights):
    geo, attributes = _window(node, in_shapes)
    if any(d != 1 for d in geo.dilation):
        raise ExportRefused(f"layer '{node.name}' (avgpool): a dilated AveragePool needs opset 19")
    del attributes["dilations"]
    b.op("AveragePool", b.inputs(node), node.name, count_include_pad=1, **attributes)     # cnncalc's rule


def _global(b, node, in_shapes, whole: str, reduce: str) -> None:
    if node.layer.keepdims:
        b.op(whole, b.inputs(node), node.name)
    else:                     # [N, C]: a reduction over every spatial axis that drops them
        b.op(reduce, b.inputs(node), node.name, axes=list(range(2, len(in_shapes[0]) + 1)), keepdims=0)


@writes("global_avgpool")
def global_avgpool(b, node, in_shapes, out_shape, weights):
    _global(b, node, in_shapes, "GlobalAveragePool", "ReduceMean")


@writes("global_maxpool")
def global_maxpool(b, node, in_shapes, out_shape, weights):
    _global(b, node, in_shapes, "GlobalMaxPool", "ReduceMax")


@writes("blurpool")
def blurpool(b, node, in_shapes, out_shape, weights):
    """A Conv with one filter per channel, each the normalised binomial filter (as timm's BlurPool2d exports),
    no bias: what the Conv mapping reads back as blurpool."""
    import numpy

    geo = node.layer.geometry(in_shapes[0])
    channels = in_shapes[0][0]
    weight = numpy.broadcast_to(binomial_filter(geo.kernel), (channels, 1, *geo.kernel))
    b.op("Conv", b.inputs(node) + [b.constant(f"{node.name}.filter", weight)], node.name, group=channels,
         **window_attributes(geo))
