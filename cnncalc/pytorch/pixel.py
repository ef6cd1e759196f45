"""PyTorch writers of pixel_shuffle and pixel_unshuffle (cnncalc/layers/pixel.py): torch's nn.PixelShuffle and
nn.PixelUnshuffle for the crd order; the dcr order (ONNX's default, TResNet's) as a view, permute, view."""

from __future__ import annotations

from cnncalc.export.code import Code, Helper, writes

DEPTH_TO_SPACE = '''
def depth_to_space(x, r):
    """[N, r·r·C, H, W] → [N, C, H·r, W·r], channel (dy·r + dx)·C + c to (c, y·r + dy, x·r + dx)."""
    n, channels, h, w = x.shape
    x = x.view(n, r, r, channels // (r * r), h, w).permute(0, 3, 4, 1, 5, 2)
    return x.reshape(n, channels // (r * r), h * r, w * r)
'''

SPACE_TO_DEPTH = '''
def space_to_depth(x, r):
    """[N, C, H, W] → [N, r·r·C, H/r, W/r], (c, y·r + dy, x·r + dx) to channel (dy·r + dx)·C + c."""
    n, channels, h, w = x.shape
    x = x.view(n, channels, h // r, r, w // r, r).permute(0, 3, 5, 1, 2, 4)
    return x.reshape(n, channels * r * r, h // r, w // r)
'''


@writes("pixel_shuffle", helpers=(Helper("depth_to_space", DEPTH_TO_SPACE),))
def pixel_shuffle(layer, shapes, out):
    if layer.order == "crd":
        return Code(modules=(("", f"nn.PixelShuffle({layer.factor})"),))
    return Code(expr=f"depth_to_space({{0}}, {layer.factor})", helpers=("depth_to_space",))


@writes("pixel_unshuffle", helpers=(Helper("space_to_depth", SPACE_TO_DEPTH),))
def pixel_unshuffle(layer, shapes, out):
    if layer.order == "crd":
        return Code(modules=(("", f"nn.PixelUnshuffle({layer.factor})"),))
    return Code(expr=f"space_to_depth({{0}}, {layer.factor})", helpers=("space_to_depth",))
