"""PyTorch writer of conv_transpose (cnncalc/layers/transpose.py): nn.ConvTransposeNd, from the layer's own
transposed geometry; an asymmetric crop is torch's full output sliced explicitly."""

from __future__ import annotations

from cnncalc.export.code import Code, args, axes, ndim, slices, symmetric, symmetric_padding, writes


@writes("conv_transpose")
def conv_transpose(layer, shapes, out):
    shape = shapes[0]
    count = ndim(shape)
    geo = layer.geometry(shape)
    ctor = f"nn.ConvTranspose{count}d(" + args(shape[0], layer.out, axes(geo.kernel), stride=(axes(geo.stride), "1"),
                                               padding=(symmetric_padding(geo.padding), "0"),
                                               output_padding=(axes(geo.output_padding), "0"),
                                               groups=(layer.groups, 1), bias=(layer.bias, True),
                                               dilation=(axes(geo.dilation), "1")) + ")"
    expr = "{m}({0})"
    if not symmetric(geo.padding):        # torch crops symmetrically: crop the full output explicitly
        expr += slices(geo.padding)
    return Code(modules=(("", ctor),), expr=expr)
