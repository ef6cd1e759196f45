"""ONNX Resize and Upsample → ``upsample`` (cnncalc/layers/resample.py): nearest, or (multi)linear by the
number of spatial axes; integer factors as ``scale``, others as ``size``."""

from __future__ import annotations

from cnncalc.layers.resample import Upsample
from cnncalc.onnximport.mapping import Unmapped, attrs, axes_value, differing, maps
from cnncalc.onnximport.translate import Translator

LINEAR = {1: "linear", 2: "bilinear", 3: "trilinear"}     # ONNX's 'linear' on 1, 2, 3 spatial axes


@maps("Resize", "Upsample")
def resize(t: Translator, node) -> None:
    """`upsample`: `nearest`, `linear` → `linear`/`bilinear`/`trilinear`, `align_corners`; integer factors
    become `scale`, others `size`; other modes, and resizing the batch or channel axis, are refused"""
    x = t.act(node)
    before, after = t.shape(node.input[0]), t.shape(node.output[0])
    if after[:2] != before[:2]:
        raise Unmapped("resizes the batch or channel axis")
    a = attrs(node)
    mode = a.get("mode", "nearest")               # ONNX's default
    if mode == "linear":
        mode = LINEAR[len(before) - 2]
    elif mode != "nearest":
        raise Unmapped(f"mode {mode}")
    if all(m % n == 0 for n, m in zip(before[2:], after[2:])):
        size: dict = {"scale": axes_value([m // n for n, m in zip(before[2:], after[2:])])}
    else:
        size = {"size": axes_value(after[2:])}
    corners = mode != "nearest" and a.get("coordinate_transformation_mode") == "align_corners"
    t.emit(node, Upsample, {**differing(Upsample, mode=mode), **size, **differing(Upsample, align_corners=corners)},
           [x])
