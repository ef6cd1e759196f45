"""Transposed convolution in numpy, by scatter: each input element adds its kernel, times its value, into the
output, ``stride`` positions apart; the cropping (``padding``) is then cut from the full result.

The output size is what the scatter writes: the largest position written plus one, plus ``output_padding``
positions (bias only), less the cropping; it is read off the array, not from the analysis's formula.
"""

from __future__ import annotations

import itertools

import numpy as np

from cnncalc import shapes
from cnncalc.execute import SAME, channel_shape, executes


def crops(padding, spatial, spans, strides) -> tuple:
    """(before, after) cropped per axis. 'same' (Keras): the output is in·stride, so the span − stride
    extra positions are cut, the odd one after; every other form as for any padding."""
    if padding == "same":
        return tuple(((span - s) // 2, span - s - (span - s) // 2) for span, s in zip(spans, strides))
    return shapes.resolve_padding(padding, spatial, spans, strides)


@executes("conv_transpose", structural=SAME)
def conv_transpose(layer, inputs, ctx):
    """scatter: input `i` adds `x·w` through tap `t` to position `i·s + t·d` of the full output (as many
    positions as the scatter writes, then `output_padding` more); the cropping (`padding`: an int, pairs, or
    Keras's `same`: the `span − s` extra positions, the odd one after) is cut from its ends. PyTorch's weight
    layout `[in, out/groups, *kernel]`, groups, bias everywhere

    PyTorch's layout: weight [in, out/groups, *kernel]; output position i·s + t·d (before cropping)
    receives input i through tap t; groups; bias on every output position (output padding included)."""
    (x,) = inputs
    batch, channels, spatial = x.shape[0], x.shape[1], x.shape[2:]
    ndim = len(spatial)
    k = shapes.per_axis(layer.kernel, ndim, "kernel")
    s = shapes.per_axis(layer.stride, ndim, "stride")
    d = shapes.per_axis(layer.dilation, ndim, "dilation")
    extra = shapes.per_axis(layer.output_padding, ndim, "output_padding")
    groups = layer.groups
    c_in, c_out = channels // groups, layer.out // groups
    weight = ctx.weight("weight", (channels, c_out, *k), fan_in=c_in * shapes.product(k))
    per_group = weight.reshape(groups, c_in, c_out, *k)
    # every position the scatter writes, per axis: i·s + t·d
    written = [max(i * si + t * di for i in range(n) for t in range(ki)) + 1
               for n, ki, si, di in zip(spatial, k, s, d)]
    full = np.zeros((groups, c_out, batch, *(w + e for w, e in zip(written, extra))),
                    dtype=np.result_type(x, weight))
    columns = np.moveaxis(x, 1, 0).reshape(groups, c_in, batch * shapes.product(spatial))
    for tap in itertools.product(*(range(ki) for ki in k)):
        weights = (..., *tap)        # a tuple of its own: Python 3.10 has no a[..., *tap]
        contribution = np.swapaxes(per_group[weights], 1, 2) @ columns     # [groups, c_out, batch·positions]
        index = tuple(slice(t * di, t * di + (n - 1) * si + 1, si) for t, di, n, si in zip(tap, d, spatial, s))
        full[(slice(None),) * 3 + index] += contribution.reshape(groups, c_out, batch, *spatial)
    spans = [di * (ki - 1) + 1 for ki, di in zip(k, d)]
    cut = crops(layer.padding, spatial, spans, s)
    out = full[(slice(None),) * 3 + tuple(slice(before, n - after) for (before, after), n in zip(cut, full.shape[3:]))]
    out = np.moveaxis(out.reshape(layer.out, batch, *out.shape[3:]), 0, 1)
    if layer.bias:
        out = out + ctx.shift("bias", (layer.out,)).reshape(channel_shape(out))
    return out
