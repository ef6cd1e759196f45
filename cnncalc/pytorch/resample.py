"""PyTorch writer of upsample (cnncalc/layers/resample.py): nn.Upsample, or F.interpolate to another layer's
size."""

from __future__ import annotations

from cnncalc.export.code import Code, axes, ndim, per_axis, writes


@writes("upsample")
def upsample(layer, shapes, out):
    corners = "" if layer.mode == "nearest" else f", align_corners={layer.align_corners}"
    if layer.like is not None:       # the size is the referenced tensor's, read when forward runs
        return Code(expr=f"F.interpolate({{0}}, size={{1}}.shape[2:], mode={layer.mode!r}{corners})")
    count = ndim(shapes[0])
    if layer.size is not None:
        what = f"size={axes(per_axis(layer.size, count))}"
    else:
        what = f"scale_factor={axes(float(v) for v in per_axis(layer.scale, count))}"
    return Code(modules=(("", f"nn.Upsample({what}, mode={layer.mode!r}{corners})"),))
