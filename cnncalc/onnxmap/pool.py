"""ONNX pooling → ``maxpool``, ``avgpool``, ``global_avgpool``, ``global_maxpool`` (cnncalc/layers/pool.py);
ReduceMean and ReduceMax over every spatial axis are global pooling, over other axes ``reduce``
(cnncalc/onnxmap/tensor.py)."""

from __future__ import annotations

from cnncalc.layers.pool import AvgPool, GlobalAvgPool, GlobalMaxPool, MaxPool
from cnncalc.onnxmap.sliding import window
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
