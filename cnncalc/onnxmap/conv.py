"""ONNX Conv → ``conv`` (cnncalc/layers/conv.py)."""

from __future__ import annotations

from cnncalc.layers.conv import Conv
from cnncalc.layers.pool import BlurPool
from cnncalc.onnxmap.pool import blur_args
from cnncalc.onnxmap.sliding import window, window_args
from cnncalc.onnximport.mapping import attrs, axes_value, differing, maps
from cnncalc.onnximport.translate import Translator


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
    """Whether a Conv or ConvTranspose has its optional bias (input 2), checked to have ``out`` values."""
    bias = t.const(node, 2, "bias")
    if bias is not None and list(bias.shape) != [out]:
        raise t.fail(node, f"the bias {list(bias.shape)} must have {out} values")
    return bias is not None


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
    args = {"out": out, "kernel": axes_value(kernel), **window_args(Conv, strides, dilations, padding),
            **differing(Conv, groups=group, bias=has_bias(t, node, out))}
    t.emit(node, Conv, args, [x])
