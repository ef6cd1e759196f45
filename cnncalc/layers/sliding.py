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
from cnncalc.layers.base import PADDING, POSITIVE_INT, POSITIVE_INTS, Layer, Shape, Window, arg, spatial_axes
from cnncalc.record import record


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


@record
class _Out(Layer):
    out: int = arg(POSITIVE_INT, "output channels")


@record
class SlidingOut(Sliding, _Out):
    """A sliding-window layer with ``out`` output channels (listed first)."""
