"""Sliding windows: the argument block and the geometry every convolution and windowed pooling shares.

:class:`Sliding` declares the four window arguments once (``kernel``, ``stride``, ``padding``,
``dilation``), as Keras's ``BaseConv`` does; :class:`SlidingOut` puts ``out`` before them. A subclass
redefines an argument only where its meaning differs (pooling's stride defaults to the window); a
redefinition keeps the argument's place. The arguments are listed as ``out``, the window block, then the
type's own. :func:`geometry` normalises the block against an input and computes the output sizes.
"""

from __future__ import annotations

from typing import Optional

from cnncalc import shapes
from cnncalc.errors import LayerArgError
from cnncalc.layers.base import (PADDING, POSITIVE_INT, POSITIVE_INTS, Layer, Shape, Window, Worked, arg, spatial_axes,
                                 times)
from cnncalc.record import record
from cnncalc.shapes import product


@record
class Geometry:
    kernel: tuple        # taps per axis
    span: tuple          # d·(k−1)+1 per axis
    stride: tuple
    dilation: tuple
    padding: tuple       # ((before, after), ...)
    output: tuple        # output size per axis

    @property
    def rf_step(self) -> Window:
        """The receptive-field step of these windows: span, stride, and the offset the padding gives."""
        return Window(self.span, self.stride, tuple(-before for before, _ in self.padding))

    def worked_sizes(self, spatial, names) -> list[str]:
        """The output size per axis with the numbers in (cnncalc explain)."""
        lines = ["Output size per axis: floor((n + pad_before + pad_after - span) / stride) + 1, "
                 "span = dilation·(kernel - 1) + 1"]
        for name, n, k, d, span, s, (before, after), out in zip(names, spatial, self.kernel, self.dilation,
                                                                self.span, self.stride, self.padding, self.output):
            span_text = f"{d}·({k} - 1) + 1 = {span}" if d != 1 else f"{span}"
            computed = (n + before + after - span) // s + 1
            note = "" if computed == out else f" (rounded up: ceil_mode, {out})"
            lines.append(f"  {name}: span {span_text}; floor(({n} + {before} + {after} - {span}) / {s}) + 1 = "
                         f"{computed}{note}")
        return lines


def geometry(spatial, kernel, stride, padding, dilation=1, ceil_mode=False) -> Geometry:
    """Normalise per-axis arguments against the input's spatial sizes and compute the output sizes."""
    ndim = len(spatial)
    try:
        k = shapes.per_axis(kernel, ndim, "kernel")
        s = shapes.per_axis(stride, ndim, "stride")
        d = shapes.per_axis(dilation, ndim, "dilation")
        span = tuple(shapes.effective_kernel(ki, di) for ki, di in zip(k, d))
        pads = shapes.resolve_padding(padding, spatial, span, s)
    except ValueError as err:
        raise LayerArgError(str(err)) from None
    out = []
    for axis, (n, ki, si, (before, after)) in enumerate(zip(spatial, span, s, pads)):
        padded = n + before + after
        size = shapes.conv_output_size(n, ki, si, before, after, ceil_mode) if ki <= padded or ceil_mode else 0
        if size < 1:   # ceil mode (PyTorch) keeps a window larger than the input if it overhangs < stride
            raise LayerArgError(f"on spatial axis {axis} the kernel spans {ki}, larger than the padded "
                                f"input ({n} + {before} + {after} = {padded})", "kernel")
        out.append(size)
    return Geometry(k, span, s, d, pads, tuple(out))


def worked_window(c_in: int, groups: int, c_out: int, geo: Geometry, bias: bool) -> tuple:
    """A convolution's parameters and MACs with the numbers in (explain): C_out filters of kernel ·
    C_in/groups weights (+ a bias each); one multiply-accumulate per weight of a filter per output element."""
    per_group = c_in // groups
    taps = product(geo.kernel) * per_group
    elements = c_out * product(geo.output)
    biases = c_out if bias else 0
    return (Worked("params", "kernel · (C_in / groups) · C_out" + (" + bias" if bias else ""),
                   f"{times(geo.kernel)}·{per_group}·{c_out}" + (f" + {biases}" if bias else ""),
                   product(geo.kernel) * per_group * c_out + biases,
                   f"(C_in / groups: {f'{c_in}/{groups} = {per_group}' if groups != 1 else per_group})"),
            Worked("macs", "output elements · kernel · (C_in / groups)",
                   f"{times((c_out, *geo.output))} · {times(geo.kernel)}·{per_group} = {elements:,}·{taps}",
                   elements * taps))


def check_pool_padding(geo: Geometry, type_name: str) -> None:
    """PyTorch's rule for pooling: padding at most half the window's taps k on each side (k, not the
    dilated span: torch rejects padding 2 for a 3-tap window even at dilation 2)."""
    for axis, (taps, (before, after)) in enumerate(zip(geo.kernel, geo.padding)):
        if 2 * max(before, after) > taps:
            raise LayerArgError(f"{type_name}: padding {max(before, after)} on spatial axis {axis} is more "
                                f"than half the window's {taps} taps", "padding")


def sliding_label(name: str, geo, groups: int = 1) -> str:
    """Of a Geometry or a transposed one: 'conv 3×3/2', 'maxpool 3×3/2', with ' d2' for dilation and ' g32' for groups."""
    text = f"{name} {'×'.join(map(str, geo.kernel))}"
    if any(s != 1 for s in geo.stride):
        text += "/" + ("×".join(map(str, geo.stride)) if len(set(geo.stride)) > 1 else str(geo.stride[0]))
    if any(d != 1 for d in geo.dilation):
        text += " d" + ("×".join(map(str, geo.dilation)) if len(set(geo.dilation)) > 1 else str(geo.dilation[0]))
    if groups != 1:
        text += f" g{groups}"
    return text


@record
class Sliding(Layer):
    """Base of the layer types that slide a window over the spatial axes."""

    kernel: object = arg(POSITIVE_INTS, "kernel size")
    stride: object = arg(POSITIVE_INTS, "stride", 1)
    padding: object = arg(PADDING, "padding (see docs/conventions.md)", 0)
    dilation: object = arg(POSITIVE_INTS, "dilation: the kernel spans d·(k−1)+1", 1)

    def geometry(self, shape: Shape, stride: Optional[object] = None, ceil_mode: bool = False) -> Geometry:
        """The windows on an input ``shape`` (channels first); ``stride`` replaces the layer's own."""
        return geometry(spatial_axes(shape, self.type_name), self.kernel, self.stride if stride is None else stride,
                        self.padding, self.dilation, ceil_mode)

    def window_macs(self, shape: Shape, macs: int) -> int:
        """Of the layer's ``macs`` on an input ``shape``, those that are taps of its window over the (padded)
        input, as :meth:`geometry` places it, so that a tap on the padding is one of them: all, by default
        (the roofline leaves the padding's share of these out of a bound's work: cnncalc.roofline)."""
        return macs


@record
class _Out(Layer):
    out: int = arg(POSITIVE_INT, "output channels")


@record
class SlidingOut(Sliding, _Out):
    """A sliding-window layer with ``out`` output channels (listed first)."""
