"""ONNX pooling → ``maxpool``, ``avgpool``, ``global_avgpool``, ``global_maxpool`` (cnncalc/layers/pool.py);
ReduceMean and ReduceMax over every spatial axis are global pooling."""

from __future__ import annotations

from cnncalc.layers.pool import AvgPool, GlobalAvgPool, GlobalMaxPool, MaxPool
from cnncalc.onnxmap.sliding import window
from cnncalc.onnximport.mapping import Handler, Unmapped, attrs, axes_value, differing, maps
from cnncalc.onnximport.translate import Translator


def _pool(cls: type) -> Handler:
    def handle(t: Translator, node) -> None:
        x = t.act(node)
        if len(node.output) > 1 and node.output[1]:
            raise Unmapped("its indices output is used")
        a = attrs(node)
        if "kernel_shape" not in a:
            raise t.fail(node, "it has no kernel_shape")
        kernel = [int(k) for k in a["kernel_shape"]]
        strides, dilations, padding = window(t, node, a, kernel)
        # a pooling's stride defaults to its kernel in cnncalc (None), to 1 in ONNX (written out by window)
        args = {"kernel": axes_value(kernel),
                **differing(cls, stride=None if strides == kernel else axes_value(strides), padding=padding,
                            dilation=axes_value(dilations), ceil_mode=bool(a.get("ceil_mode", 0)))}
        t.emit(node, cls, args, [x])
    return handle


def _global(cls: type) -> Handler:
    def handle(t: Translator, node) -> None:
        t.emit(node, cls, {"keepdims": True}, [t.act(node)])
    return handle


def _reduce(cls: type) -> Handler:
    """ReduceMean / ReduceMax over every spatial axis → the global pooling."""
    def handle(t: Translator, node) -> None:
        x = t.act(node)
        a = attrs(node)
        rank = len(t.shape(node.input[0]))
        axes = a.get("axes")
        if axes is None and len(node.input) > 1 and node.input[1]:
            axes = [int(v) for v in t.const(node, 1, "axes")]
        if axes is None or sorted(v % rank for v in axes) != list(range(2, rank)) or rank < 3:
            raise Unmapped(f"reduces axes {axes}; cnncalc maps a reduction over every spatial axis only")
        t.emit(node, cls, {"keepdims": bool(a.get("keepdims", 1))}, [x])
    return handle


maps("MaxPool")(_pool(MaxPool))
maps("AveragePool")(_pool(AvgPool))
maps("GlobalAveragePool")(_global(GlobalAvgPool))
maps("GlobalMaxPool")(_global(GlobalMaxPool))
maps("ReduceMean")(_reduce(GlobalAvgPool))
maps("ReduceMax")(_reduce(GlobalMaxPool))
