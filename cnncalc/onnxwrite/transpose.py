"""ONNX writer of conv_transpose (cnncalc/layers/transpose.py): one ConvTranspose node, the cropping as its
pads and output_padding as its own."""

from __future__ import annotations

from cnncalc import shapes
from cnncalc.onnxexport import writes


@writes("conv_transpose")
def conv_transpose(b, node, in_shapes, out_shape, weights):
    from cnncalc.execute.transpose import crops          # the executor's rule for the cropped positions
    layer = node.layer
    spatial = in_shapes[0][1:]
    ndim = len(spatial)
    k = shapes.per_axis(layer.kernel, ndim, "kernel")
    s = shapes.per_axis(layer.stride, ndim, "stride")
    d = shapes.per_axis(layer.dilation, ndim, "dilation")
    cut = crops(layer.padding, spatial, [di * (ki - 1) + 1 for ki, di in zip(k, d)], s)
    inputs = b.inputs(node) + [b.constant(f"{node.name}.weight", weights["weight"])]      # [in, out/groups, *k]
    if layer.bias:
        inputs.append(b.constant(f"{node.name}.bias", weights["bias"]))
    b.op("ConvTranspose", inputs, node.name, kernel_shape=list(k), strides=list(s), dilations=list(d),
         group=layer.groups, output_padding=list(shapes.per_axis(layer.output_padding, ndim, "output_padding")),
         pads=[before for before, _ in cut] + [after for _, after in cut])
