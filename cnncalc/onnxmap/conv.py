"""ONNX Conv → ``conv``, ``std_conv`` (a weight standardised in the graph) (cnncalc/layers/conv.py), or
``blurpool`` (cnncalc/onnxmap/pool.py)."""

from __future__ import annotations

from typing import Optional

from cnncalc.layers.conv import Conv, StdConv
from cnncalc.layers.pool import BlurPool
from cnncalc.onnxmap.pool import blur_args
from cnncalc.onnxmap.sliding import window, window_args
from cnncalc.onnximport.graph import learned
from cnncalc.onnximport.mapping import Unmapped, attrs, axes_value, differing, float32, maps
from cnncalc.onnximport.translate import Translator
from cnncalc.shapes import product


def weight_of(t: Translator, node, a: dict) -> tuple:
    """(the weight, its kernel) of a Conv or ConvTranspose of attributes ``a``: a constant of the input's rank
    whose spatial axes agree with ``kernel_shape`` (an error naming the node otherwise)."""
    weight = t.const(node, 1)
    shape = t.shape(node.input[0])
    if weight is None or weight.ndim != len(shape):
        raise t.fail(node, f"the weight must be a constant of rank {len(shape)}, got "
                           f"{None if weight is None else list(weight.shape)}")
    kernel = [int(k) for k in weight.shape[2:]]
    if list(a.get("kernel_shape", kernel)) != kernel:
        raise t.fail(node, f"kernel_shape {list(a['kernel_shape'])} disagrees with the weight {list(weight.shape)}")
    return weight, kernel


def has_bias(t: Translator, node, out: int) -> bool:
    """Whether a Conv or ConvTranspose has its optional bias (input 2), checked to have ``out`` values. A bias
    of zeros computed from no initializer (the dynamo exporter's for a convolution without one, from a
    Constant) is none."""
    bias = t.const(node, 2, "bias")
    if bias is not None and list(bias.shape) != [out]:
        raise t.fail(node, f"the bias {list(bias.shape)} must have {out} values")
    return bias is not None and (learned(t.model, node.input[2]) or not zeros(bias))


def groups_misfit(t: Translator, node, weight, group: int) -> str:
    return (f"the weight {list(weight.shape)} does not fit {t.shape(node.input[0])[1]} input channels in "
            f"{group} group{'s' if group != 1 else ''}")


@maps("Conv")
def conv(t: Translator, node) -> None:
    """`conv`: `group`, `dilations`, `strides`, `pads`, `auto_pad` (`SAME_UPPER` is `same`; `SAME_LOWER` is
    written as explicit pairs, the odd element before; `VALID`); bias from input 3; 1 to 3 spatial axes. A
    Conv with one filter per channel, no bias, whose every filter is the normalised binomial one (timm's
    BlurPool2d) is `blurpool`: its fixed weight is no parameter"""
    x = t.act(node)
    a = attrs(node)
    weight, kernel = weight_of(t, node, a)
    group = int(a.get("group", 1))                      # ONNX's default
    out = int(weight.shape[0])
    if weight.shape[1] * group != t.shape(node.input[0])[1] or out % group:
        raise t.fail(node, groups_misfit(t, node, weight, group))
    blur = blur_args(t, node, a, weight, kernel)
    if blur is not None:
        t.emit(node, BlurPool, blur, [x])
        return
    strides, dilations, padding = window(t, node, a, kernel)
    standardised = standardisation(t, node, out)
    cls = Conv if standardised is None else StdConv
    args = {"out": out, "kernel": axes_value(kernel), **window_args(cls, strides, dilations, padding),
            **differing(cls, groups=group, bias=has_bias(t, node, out), **(standardised or {}))}
    t.emit(node, cls, args, [x])


def standardisation(t: Translator, node, out: int) -> Optional[dict]:
    """``std_conv``'s own arguments (``gain``, ``eps``) when the Conv's weight is standardised in the graph,
    else None. Torch writes timm's StdConv2d and ScaledStdConv2d so, folded or not: the weight, [1, C_out,
    fan-in], through BatchNormalization by its own statistics (``training_mode`` 1, or a mean that a
    ReduceMean of it computes), reshaped to the Conv's weight. The BatchNormalization's scale is the gain
    when it holds learned values (an initializer, or computed from one: ScaledStdConv2d's gain times its
    fixed γ/√fan-in), none when it is a Constant (StdConv2d's ones). The shift must be zeros (timm's): a
    Constant, or an initializer of zeros (the dynamo exporter's optimiser makes its Constants initializers);
    another is refused."""
    model = t.model
    reshape = model.computed.get(node.input[1])
    if reshape is None or reshape.op_type != "Reshape":
        return None
    norm = model.computed.get(reshape.input[0])
    if norm is None or norm.op_type != "BatchNormalization" or norm.output[0] != reshape.input[0] or \
            len(norm.input) != 5:
        return None
    flat, scale, shift, mean = norm.input[:4]
    weight_size = product(t.shape(node.input[1]))
    shape = model.shapes.get(flat)
    if shape is None or len(shape) != 3 or shape[0] != 1 or shape[1] != out or shape[1] * shape[2] != weight_size:
        return None
    a = attrs(norm)
    statistics = model.computed.get(mean)
    if not a.get("training_mode", 0) and (statistics is None or statistics.op_type != "ReduceMean" or
                                          statistics.input[0] != flat):
        return None
    if not zeros(model.consts.get(shift)):
        from cnncalc.onnximport.slim import Stub
        raise Unmapped("its weight is standardised with a shift whose values cnncalc does not read (external "
                       "data, or over 64 KiB), which may not be zeros (std_conv has a gain only)"
                       if isinstance(model.consts.get(shift), Stub) else
                       "its weight is standardised with a shift of other values than zeros (std_conv has a gain "
                       "only)")
    return {"gain": learned(model, scale), "eps": float32(a.get("epsilon", 1e-5))}


def zeros(value) -> bool:
    """Whether a constant the reader holds the values of is all zeros (a weight left in the file is not known
    to be)."""
    from cnncalc.onnximport.slim import Stub

    if value is None or isinstance(value, Stub):
        return False
    import numpy
    return not numpy.any(numpy.asarray(value))
