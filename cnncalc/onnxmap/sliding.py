"""A sliding window's ONNX attributes (``kernel_shape``, ``strides``, ``pads``, ``auto_pad``, ``dilations``)
→ the spec's window arguments, as declared once in cnncalc/layers/sliding.py; for convolutions and pooling."""

from __future__ import annotations

from cnncalc.onnximport.mapping import Unmapped, axes_value, differing, padding
from cnncalc.onnximport.translate import Translator


def window_padding(a: dict, sizes, kernel, strides, dilations) -> object:
    """The spec's padding of ONNX ``pads`` or ``auto_pad`` (a window over spatial ``sizes``)."""
    n = len(sizes)
    auto = a.get("auto_pad", "NOTSET")
    if auto == "VALID":
        return 0
    if auto == "SAME_UPPER":
        return "same"         # cnncalc's 'same' is TensorFlow's rule: output ceil(n/s), the extra after
    if auto == "SAME_LOWER":
        pairs = []
        for size, k, s, d in zip(sizes, kernel, strides, dilations):
            total = max((-(-size // s) - 1) * s + d * (k - 1) + 1 - size, 0)
            pairs.append((total - total // 2, total // 2))
        return padding(pairs)
    if auto != "NOTSET":
        raise Unmapped(f"auto_pad {auto}")
    pads = list(a.get("pads", [0] * 2 * n))
    return padding(list(zip(pads[:n], pads[n:])))


def window(t: Translator, node, a: dict, kernel) -> tuple:
    """(strides, dilations, padding) of a windowed node of attributes ``a`` and ``kernel``, on 1 to 3 spatial
    axes."""
    shape = t.shape(node.input[0])
    n = len(shape) - 2
    if not 1 <= n <= 3:
        raise Unmapped(f"needs 1 to 3 spatial axes, input {list(shape)}")
    strides = list(a.get("strides", [1] * n))          # ONNX's defaults: stride and dilation 1
    dilations = list(a.get("dilations", [1] * n))
    return strides, dilations, window_padding(a, shape[2:], kernel, strides, dilations)


def window_args(cls: type, strides, dilations, padding_) -> dict:
    """``stride``, ``padding`` and ``dilation`` where they differ from the defaults of layer class ``cls``."""
    return differing(cls, stride=axes_value(strides), padding=padding_, dilation=axes_value(dilations))
