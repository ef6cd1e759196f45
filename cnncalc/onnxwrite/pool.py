"""ONNX writers of the pooling layers (cnncalc/layers/pool.py)."""

from __future__ import annotations

from cnncalc.onnxexport import ExportRefused, writes
from cnncalc.onnxwrite.conv import window_attributes


@writes("maxpool", "avgpool")
def window_pool(b, node, in_shapes, out_shape, weights):
    layer = node.layer
    geo = layer.geometry(in_shapes[0])
    attributes = window_attributes(geo)
    attributes["ceil_mode"] = int(layer.ceil_mode)
    if layer.type_name == "avgpool":
        if any(d != 1 for d in geo.dilation):
            raise ExportRefused(f"layer '{node.name}' (avgpool): a dilated AveragePool needs opset 19")
        del attributes["dilations"]
        b.op("AveragePool", b.inputs(node), node.name, count_include_pad=1, **attributes)   # cnncalc's rule
    else:
        b.op("MaxPool", b.inputs(node), node.name, **attributes)


@writes("global_avgpool", "global_maxpool")
def global_pool(b, node, in_shapes, out_shape, weights):
    layer = node.layer
    average = layer.type_name == "global_avgpool"
    if layer.keepdims:
        b.op("GlobalAveragePool" if average else "GlobalMaxPool", b.inputs(node), node.name)
    else:                     # [N, C]: a reduction over every spatial axis that drops them
        b.op("ReduceMean" if average else "ReduceMax", b.inputs(node), node.name,
             axes=list(range(2, len(in_shapes[0]) + 1)), keepdims=0)
