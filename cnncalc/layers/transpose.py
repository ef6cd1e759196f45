"""Transposed convolution ("deconvolution", fractionally strided convolution) over 1, 2 or 3 spatial axes."""

from __future__ import annotations

import math
from fractions import Fraction

from cnncalc import shapes
from cnncalc.errors import LayerArgError
from cnncalc.layers.base import (BOOLEAN, NON_NEGATIVE_INTS, PADDING, POSITIVE_INT, POSITIVE_INTS, ArgRule, Facts,
                                 Window, Worked, arg, padding_schema, register, spatial_axes, times)
from cnncalc.layers.conv import Grouped
from cnncalc.layers.sliding import SlidingOut, sliding_label
from cnncalc.record import record
from cnncalc.rf import exact
from cnncalc.shapes import product


def residue_taps(residue: int, kernel: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """The kernel taps that reach an output position of the given residue modulo the stride, away from the
    edges: ``(first, count)``, meaning the taps ``first + m·s/g`` for ``m = 0 .. count − 1``, ``g = gcd(d, s)``.

    Output ``o = i·s − p + t·d``: the taps ``t`` that reach ``o`` are those with ``t·d ≡ o + p (mod s)``
    (``residue`` is ``o + p`` modulo ``s``). With ``d = g·d'`` and ``s = g·s'``, ``t·d`` is a multiple of ``g``,
    so a residue that is not gets no tap; otherwise ``t ≡ (residue/g)·d'^−1 (mod s')``: one class of ``t``
    modulo ``s'``, whose smallest member is ``first``, and ``ceil((k − first)/s')`` of its members are below k.
    Constant time, whatever the stride.
    """
    g = math.gcd(dilation, stride)
    if residue % g:
        return 0, 0
    period = stride // g
    first = (residue // g) * pow(dilation // g, -1, period) % period
    return first, max(0, -(-(kernel - first) // period))


def overlap_per_residue(kernel: int, stride: int, dilation: int = 1) -> list[int]:
    """How many kernel taps reach an output position, by its residue modulo the stride, away from the edges:
    a list of ``stride`` counts, so only for small strides (the warning uses :func:`overlap_range`). Even
    (every entry equal) exactly when the overlap has no checkerboard."""
    return [residue_taps(r, kernel, stride, dilation)[1] for r in range(stride)]


def overlap_range(kernel: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """The fewest and the most taps reaching an output position away from the edges, in constant time.

    The most: residue 0, whose class starts at tap 0. The fewest: a residue not a multiple of g = gcd(d, s)
    (no tap) if g > 1; else the residue whose class starts last, at tap s − 1 (``(s − 1)·d mod s``).
    """
    g = math.gcd(dilation, stride)
    fewest = 1 if g > 1 else (stride - 1) * dilation % stride
    return residue_taps(fewest, kernel, stride, dilation)[1], residue_taps(0, kernel, stride, dilation)[1]


def uneven_cause(kernel: int, stride: int, dilation: int = 1, values: bool = False) -> str:
    """Why the overlap is uneven, in words ("" when it is even): some residues get no tap at all when the
    dilation and the stride share a factor; else each residue class gets floor or ceil of k/s taps, unequal
    when the stride does not divide the kernel (``values``: say which kernel and stride)."""
    g = math.gcd(dilation, stride)
    if g > 1:
        return (f"dilation {dilation} and stride {stride} share the factor {g}, so some output positions get "
                f"no taps")
    if kernel % stride:
        return (f"kernel {kernel} is not a multiple of stride {stride}" if values
                else "the kernel is not a multiple of the stride")
    return ""


def _check_padding(value, key):
    if value == "full":
        raise LayerArgError(f"'{key}' of conv_transpose cannot be 'full' (it has no meaning for a transposed "
                            f"convolution); use valid, same, an int, per-axis ints or [before, after] pairs", key)
    return PADDING(value, key)


TRANSPOSED_PADDING = ArgRule("valid | same | int | [int per axis] | [[before, after] per axis]", _check_padding,
                             padding_schema("valid", "same"))


def _transposed_padding(padding, spans, strides, spatial) -> tuple:
    """What PyTorch's padding crops from each side of a transposed convolution's output, per axis.

    'valid' crops nothing; 'same' (Keras) gives out = in·s, cropping k_eff − s split with the extra after;
    an int, a per-axis int or [before, after] pairs as given. 'full' has no meaning here."""
    if padding == "same":
        pairs = []
        for axis, (span, s) in enumerate(zip(spans, strides)):
            if span < s:
                raise LayerArgError(f"conv_transpose: padding 'same' (output = input·stride) needs a kernel span "
                                    f"≥ the stride; spatial axis {axis} has span {span} < stride {s}", "padding")
            total = span - s
            pairs.append((total // 2, total - total // 2))
        return tuple(pairs)
    try:
        return shapes.resolve_padding(padding, spatial, spans, strides)
    except ValueError as err:
        raise LayerArgError(str(err), "padding") from None


@record
class TransposedGeometry:
    """A transposed convolution's windows on one input, normalised per axis: what analysis, the PyTorch
    writer and explain all read (as :class:`cnncalc.layers.sliding.Geometry` is for ordinary windows)."""
    kernel: tuple          # taps per axis
    span: tuple            # d·(k−1)+1 per axis
    stride: tuple          # the output is upsampled by it
    dilation: tuple
    padding: tuple         # ((before, after), ...): what is cropped from each side of the full output
    output_padding: tuple  # positions added after the last
    output: tuple          # output size per axis

    @property
    def rf_step(self) -> Window:
        """Output o reads input i where o = i·s − p_before + t·d. In input units: stride 1/s, span
        1 + d·(k−1)/s, offset (p_before − d·(k−1))/s (docs/conventions.md)."""
        return Window(spans=tuple(exact(1 + Fraction(span - 1, s)) for span, s in zip(self.span, self.stride)),
                      strides=tuple(exact(Fraction(1, s)) for s in self.stride),
                      offsets=tuple(exact(Fraction(before - (span - 1), s))
                                    for (before, _), span, s in zip(self.padding, self.span, self.stride)))

    def worked_sizes(self, spatial, names) -> list[str]:
        """The output size per axis with the numbers in (cnncalc explain)."""
        lines = ["Output size per axis: (n - 1)·stride - pad_before - pad_after + span + output_padding, "
                 "span = dilation·(kernel - 1) + 1"]
        for name, n, k, d, span, s, (before, after), extra, out in zip(
                names, spatial, self.kernel, self.dilation, self.span, self.stride, self.padding,
                self.output_padding, self.output):
            span_text = f"{d}·({k} - 1) + 1 = {span}" if d != 1 else f"{span}"
            lines.append(f"  {name}: span {span_text}; ({n} - 1)·{s} - {before} - {after} + {span} + {extra} = {out}")
        return lines


def transposed_geometry(spatial, kernel, stride, padding, dilation=1, output_padding=0) -> TransposedGeometry:
    """Normalise a transposed convolution's per-axis arguments against the input's spatial sizes and compute
    the output sizes: (in−1)·s − p_before − p_after + d·(k−1) + output_padding + 1."""
    ndim = len(spatial)
    try:
        k = shapes.per_axis(kernel, ndim, "kernel")
        s = shapes.per_axis(stride, ndim, "stride")
        d = shapes.per_axis(dilation, ndim, "dilation")
        op = shapes.per_axis(output_padding, ndim, "output_padding")
    except ValueError as err:
        raise LayerArgError(str(err)) from None
    spans = tuple(shapes.effective_kernel(ki, di) for ki, di in zip(k, d))
    pads = _transposed_padding(padding, spans, s, spatial)
    out = []
    for axis, (n, ki, si, di, (before, after), opi) in enumerate(zip(spatial, k, s, d, pads, op)):
        if opi >= max(si, di):
            raise LayerArgError(f"output_padding {opi} on spatial axis {axis} must be smaller than the stride "
                                f"({si}) or the dilation ({di})", "output_padding")
        size = shapes.transposed_output_size(n, ki, si, before, after, di, opi)
        if size < 1:
            raise LayerArgError(f"on spatial axis {axis} the padding crops the whole output "
                                f"({n} inputs give {size} positions)", "padding")
        out.append(size)
    return TransposedGeometry(k, spans, s, d, pads, op, tuple(out))


@register("conv_transpose", "deconv")
@record
class ConvTranspose(Grouped, SlidingOut):
    """Transposed convolution; 1-D, 2-D or 3-D by the input's rank. Each input element scatters its kernel
    into the output, ``stride`` positions apart; ``padding`` crops the output as PyTorch's does.
    Output size (in−1)·s − p_before − p_after + d·(k−1) + output_padding + 1. MACs per input position:
    C_in·in_positions · (C_out/groups) · prod(k)."""

    flops_rule = "2·MACs + one add per output element if `bias`"

    stride: object = arg(POSITIVE_INTS, "stride: the output is upsampled by it", 1)
    padding: object = arg(TRANSPOSED_PADDING, "cropped from each side of the output (PyTorch); 'same' gives in·stride", 0)
    output_padding: object = arg(NON_NEGATIVE_INTS, "extra positions added after the last (< stride or "
                                                    "< dilation, as PyTorch)", 0)
    groups: int = arg(POSITIVE_INT, "groups: input and output channels must both divide by it", 1)
    bias: bool = arg(BOOLEAN, "a learnable bias per output channel", True)

    def validate(self) -> None:
        super().validate()
        extra = self.output_padding if isinstance(self.output_padding, tuple) else (self.output_padding,)
        if self.padding == "same" and any(extra):
            # 'same' fixes the output at in·stride, so an output_padding could only contradict it (Keras, whose
            # 'same' this is, then switches to another size rule); explicit padding says what is meant
            raise LayerArgError("output_padding cannot be combined with padding 'same', whose output is "
                                "input·stride; give the padding explicitly (PyTorch's rule: out = (in−1)·s − "
                                "p_before − p_after + d·(k−1) + output_padding + 1)", "output_padding")

    def window_macs(self, shape, macs: int) -> int:
        """None: every tap of a transposed convolution reads an input element (its padding crops the output)."""
        return 0

    def geometry(self, shape, stride=None, ceil_mode=False) -> TransposedGeometry:  # type: ignore[override]
        """The transposed windows on an input ``shape`` (channels first)."""
        return transposed_geometry(spatial_axes(shape, self.type_name), self.kernel, self.stride, self.padding,
                                   self.dilation, self.output_padding)

    def infer(self, inputs) -> Facts:
        (shape,) = inputs
        c_in = self.input_channels(shape)
        geo = self.geometry(shape)
        per_input = (self.out // self.groups) * product(geo.kernel)     # multiplications per input element
        in_elements = c_in * product(shape[1:])
        macs = in_elements * per_input
        weights = c_in * per_input
        out_elements = self.out * product(geo.output)
        bias = self.out if self.bias else 0
        flops = 2 * macs + (out_elements if self.bias else 0)
        label = sliding_label("conv_transpose", geo, self.groups)
        return Facts(output=(self.out, *geo.output), params=weights + bias, macs=macs, flops=flops, rf=geo.rf_step,
                     warnings=_checkerboard_warning(geo.kernel, geo.stride, geo.dilation), label=label)


    def worked(self, inputs, facts) -> tuple:
        """C_in kernels of kernel · C_out/groups weights (+ a bias per output channel); each input element
        scatters one kernel: kernel · C_out/groups multiply-accumulates."""
        (shape,) = inputs
        geo = self.geometry(shape)
        per_group = self.out // self.groups
        elements = product(shape)
        return (Worked("params", "kernel · (C_out / groups) · C_in" + (" + bias" if self.bias else ""),
                       f"{times(geo.kernel)}·{per_group}·{shape[0]}" + (f" + {self.out}" if self.bias else ""),
                       product(geo.kernel) * per_group * shape[0] + (self.out if self.bias else 0)),
                Worked("macs", "input elements · kernel · (C_out / groups)",
                       f"{times(shape)} · {times(geo.kernel)}·{per_group} = {elements:,}·{product(geo.kernel) * per_group}",
                       elements * product(geo.kernel) * per_group))


def _checkerboard_warning(kernel, stride, dilation) -> tuple:
    uneven = []
    for axis, (k, s, d) in enumerate(zip(kernel, stride, dilation)):
        fewest, most = overlap_range(k, s, d)
        if fewest != most:
            uneven.append((axis, k, s, d, fewest, most))
    if not uneven:
        return ()
    parts = "; ".join(f"spatial axis {axis}: kernel {k}, stride {s}, {f'dilation {d}, ' if d != 1 else ''}"
                      f"{lo} to {hi} taps per output position" for axis, k, s, d, lo, hi in uneven)
    causes = "; ".join(dict.fromkeys(uneven_cause(k, s, d) for _, k, s, d, _, _ in uneven))
    _, k, s, d, _, _ = uneven[0]
    command = f"cnncalc checkerboard --kernel {k} --stride {s}" + (f" --dilation {d}" if d != 1 else "")
    return (f"checkerboard: uneven overlap ({parts}); {causes} (Odena et al., Distill 2016). See `{command}`",)
