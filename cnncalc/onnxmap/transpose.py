"""ONNX ConvTranspose → ``conv_transpose`` (cnncalc/layers/transpose.py)."""

from __future__ import annotations

from cnncalc.layers.transpose import ConvTranspose
from cnncalc.onnxmap.conv import groups_misfit, has_bias, weight_of
from cnncalc.onnxmap.sliding import window_args
from cnncalc.onnximport.mapping import Unmapped, attrs, axes_value, differing, maps, padding
from cnncalc.onnximport.translate import Translator


@maps("ConvTranspose")
def conv_transpose(t: Translator, node) -> None:
    """`conv_transpose`: `pads` crop the output; `output_padding`; `output_shape` and `auto_pad` by ONNX's
    rule for the total crop; `group`, `strides`, `dilations`; bias from input 3"""
    x = t.act(node)
    a = attrs(node)
    weight, kernel = weight_of(t, node, a)
    shape = t.shape(node.input[0])
    group = int(a.get("group", 1))
    if weight.shape[0] != shape[1] or shape[1] % group:
        raise t.fail(node, groups_misfit(t, node, weight, group))
    out = int(weight.shape[1]) * group
    n = len(kernel)
    # ONNX's defaults: stride and dilation 1, no output padding
    strides = list(a.get("strides", [1] * n))
    dilations = list(a.get("dilations", [1] * n))
    extra = list(a.get("output_padding", [0] * n))
    auto = a.get("auto_pad", "NOTSET")
    if "output_shape" in a or auto in ("SAME_UPPER", "SAME_LOWER"):
        # ONNX's rule: the total crop is the full scatter's size less the output's, split as auto_pad says
        wanted = list(a["output_shape"])[-n:] if "output_shape" in a else \
            [size * s for size, s in zip(shape[2:], strides)]
        pairs = []
        for size, k, s, d, e, m in zip(shape[2:], kernel, strides, dilations, extra, wanted):
            total = s * (size - 1) + e + d * (k - 1) + 1 - m
            if total < 0:
                raise Unmapped(f"output_shape {wanted} is larger than the full scatter")
            pairs.append((total // 2, total - total // 2) if auto == "SAME_UPPER" else (total - total // 2, total // 2))
        crop = padding(pairs)
    elif auto == "VALID":
        crop = 0
    elif auto == "NOTSET":
        pads = list(a.get("pads", [0] * 2 * n))
        crop = padding(list(zip(pads[:n], pads[n:])))
    else:
        raise Unmapped(f"auto_pad {auto}")
    args = {"out": out, "kernel": axes_value(kernel), **window_args(ConvTranspose, strides, dilations, crop),
            **differing(ConvTranspose, output_padding=axes_value(extra), groups=group,
                        bias=has_bias(t, node, out))}
    t.emit(node, ConvTranspose, args, [x])
