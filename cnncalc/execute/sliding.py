"""Sliding windows in numpy: enumerated window positions, padding and taps, for the executors of
convolutions, pooling and locally connected layers.

The executors share only the padding forms with the analysis (:func:`cnncalc.shapes.resolve_padding`);
they find the output size by enumerating window positions over the padded array, not by the analysis's
formula, so that ``verify`` compares two independent derivations. A window is applied tap by tap: for
each kernel offset, one strided slice of the padded input covers every output position at once.
"""

from __future__ import annotations

import itertools

import numpy as np

from cnncalc import shapes
from cnncalc.record import record


@record
class Windows:
    kernel: tuple       # taps per axis
    dilation: tuple
    stride: tuple
    padding: tuple      # ((before, after), ...) as the layer asks
    extension: tuple    # elements past the right padding that ceil-mode's last, partial window reaches
    counts: tuple       # window positions (output size) per axis


def windows(spatial, kernel, stride, padding, dilation=1, ceil_mode=False) -> Windows:
    ndim = len(spatial)
    k = shapes.per_axis(kernel, ndim, "kernel")
    s = shapes.per_axis(stride, ndim, "stride")
    d = shapes.per_axis(dilation, ndim, "dilation")
    spans = [di * (ki - 1) + 1 for ki, di in zip(k, d)]
    pads = shapes.resolve_padding(padding, spatial, spans, s)
    counts, extension = [], []
    for n, span, step, (before, after) in zip(spatial, spans, s, pads):
        padded = before + n + after
        starts = list(range(0, padded - span + 1, step))        # every window wholly inside the padding
        # PyTorch's ceil_mode: one more, partial window when it overhangs the padded end by less than a
        # stride (the full ones left the end uncovered, or none fits), provided it starts inside the
        # input or the left padding
        following = starts[-1] + step if starts else 0
        if ceil_mode and following + span - padded < step and following < before + n:
            starts.append(following)
        counts.append(len(starts))
        extension.append(max(0, starts[-1] + span - padded) if starts else 0)
    return Windows(k, d, s, pads, tuple(extension), tuple(counts))


def pad(x: np.ndarray, win: Windows, value: float, extension_value: float | None = None) -> np.ndarray:
    """Pad the spatial axes of [B, C, *spatial]: the layer's padding with ``value``, ceil-mode's
    extension with ``extension_value`` (default: the same)."""
    extension_value = value if extension_value is None else extension_value
    widths = [(0, 0), (0, 0)] + [(before, after) for before, after in win.padding]
    x = np.pad(x, widths, constant_values=value)
    if any(win.extension):
        x = np.pad(x, [(0, 0), (0, 0)] + [(0, e) for e in win.extension], constant_values=extension_value)
    return x


def taps(padded: np.ndarray, win: Windows):
    """(offsets, view) per kernel tap: the view [..., *counts] holds, at each output position, the input
    element that tap reads."""
    lead = padded.ndim - len(win.kernel)
    for offsets in itertools.product(*(range(k) for k in win.kernel)):
        index = tuple(slice(o * d, o * d + (n - 1) * s + 1, s)
                      for o, d, n, s in zip(offsets, win.dilation, win.counts, win.stride))
        yield offsets, padded[(slice(None),) * lead + index]
