"""ONNX pooling → ``maxpool``, ``avgpool``, ``global_avgpool``, ``global_maxpool`` (cnncalc/layers/pool.py);
ReduceMean and ReduceMax over every spatial axis are global pooling, over other axes ``reduce``
(cnncalc/onnxmap/tensor.py). A depthwise Conv of the fixed binomial filter is ``blurpool`` (:func:`blur_args`,
which the Conv handler asks, cnncalc/onnxmap/conv.py)."""

from __future__ import annotations

from typing import Optional

from cnncalc.layers.pool import AvgPool, BlurPool, GlobalAvgPool, GlobalMaxPool, MaxPool, binomial_filter
from cnncalc.onnxmap.sliding import window, window_args
from cnncalc.onnximport.mapping import Unmapped, attrs, axes_value, differing, maps
from cnncalc.onnximport.translate import Translator, identity
from cnncalc.onnxmap.tensor import general_reduce, reduced_axes


POOLS = {"MaxPool": MaxPool, "AveragePool": AvgPool}
GLOBAL = {"GlobalAveragePool": GlobalAvgPool, "GlobalMaxPool": GlobalMaxPool}
REDUCE = {"ReduceMean": GlobalAvgPool, "ReduceMax": GlobalMaxPool}


@maps(*POOLS)
def pool(t: Translator, node) -> None:
    """`maxpool`, `avgpool`: ONNX's stride default 1 is written out; `pads`, `auto_pad`, `ceil_mode`,
    `dilations`. AveragePool counts as `avgpool` whatever `count_include_pad` is: the FLOPs are the same
    either way (docs/spec.md, `avgpool`); refused when MaxPool's indices output is used"""
    cls = POOLS[node.op_type]
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


@maps(*GLOBAL)
def global_pool(t: Translator, node) -> None:
    """`global_avgpool`, `global_maxpool` with `keepdims: true`"""
    t.emit(node, GLOBAL[node.op_type], {"keepdims": True}, [t.act(node)])


@maps(*REDUCE)
def reduce(t: Translator, node) -> None:
    """`global_avgpool`, `global_maxpool` over every spatial axis of a channels-first tensor, `keepdims` as the
    node's; over other axes, `reduce` (`mean`, `max`); the batch axis is refused"""
    rank = len(t.shape(node.input[0]))
    x = t.act(node, any_layout=True)
    if rank < 3 or x.perm != identity(rank) or reduced_axes(t, node) != list(range(2, rank)):
        return general_reduce(t, node)
    t.emit(node, REDUCE[node.op_type], {"keepdims": bool(attrs(node).get("keepdims", 1))}, [x])


def blur_args(t: Translator, node, a: dict, weight, kernel: list) -> Optional[dict]:
    """The `blurpool` arguments of a Conv of attributes ``a`` and constant ``weight`` that is anti-aliased
    downsampling (timm's BlurPool2d), or None: one filter per channel (group = input channels = output
    channels), no bias (a bias of zeros computed from no initializer, as the dynamo exporter writes for a
    bias-free conv, is none), and every channel's filter the normalised binomial one of its kernel (the outer
    product of the rows C(k−1, i) / 2^(k−1), exact in float32). Only such a weight's values are read: it
    has C·prod(kernel) elements, and a weight the reader left in the file (a ``Stub``) is a conv."""
    import numpy

    from cnncalc.onnximport.slim import Stub

    from cnncalc.onnxmap.conv import has_bias
    channels = t.shape(node.input[0])[1]
    if isinstance(weight, Stub) or int(a.get("group", 1)) != channels or list(weight.shape[:2]) != [channels, 1] \
            or has_bias(t, node, channels):
        return None
    expected = binomial_filter(kernel)
    values = numpy.asarray(weight)
    if values.dtype.kind != "f" or not (values == expected.astype(values.dtype)).all():
        return None
    strides, dilations, padding = window(t, node, a, kernel)
    return {**differing(BlurPool, kernel=axes_value(kernel)), **window_args(BlurPool, strides, dilations, padding)}
