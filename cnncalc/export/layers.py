"""One layer → its torch code: the modules to create and the expression forward() computes (docs/export.md).

Every writer gets the layer, its input shapes (batch excluded, from cnncalc's analysis) and its output
shape, and returns a :class:`Code`. Padding forms are resolved by cnncalc's own rules
(cnncalc.layers.sliding.geometry, the transposed convolution's crop) into torch's symmetric padding or an
explicit F.pad / slice. A layer torch cannot express exactly raises :class:`Refused`.
"""

from __future__ import annotations

import math
from typing import Callable

from cnncalc.layers.sliding import geometry
from cnncalc.layers.transpose import _transposed_padding
from cnncalc.record import field, record
from cnncalc.shapes import resolve_padding


class Refused(Exception):
    """A layer that has no exact PyTorch form; the message says why."""


@record
class Code:
    # (attribute suffix, constructor source): '' names the layer's own attribute, '_pw' one beside it
    modules: tuple = ()
    # forward's expression: {0}, {1}, … the inputs, {m} the attribute of the first module ({m_pw}: of '_pw');
    # '' means "{m}({0})" with a module, the input itself without
    expr: str = ""
    helpers: tuple = ()            # cnncalc.export.modules.HELPERS this code uses
    parameter: tuple = field(default=())    # (suffix, source) of an nn.Parameter attribute (scale)


def number(value) -> str:
    return repr(float(value))


def axes(values) -> str:
    """An int when every axis has the same value, else a tuple."""
    values = tuple(values)
    return str(values[0]) if len(set(values)) == 1 else repr(values)


def torch_pad(pairs) -> str:
    """F.pad's argument: (before, after) pairs from the last axis to the first."""
    flat: list = []
    for before, after in reversed(tuple(pairs)):
        flat += [before, after]
    return repr(tuple(flat))


def symmetric(pairs) -> bool:
    return all(before == after for before, after in pairs)


def _ndim(shape) -> int:
    ndim = len(shape) - 1
    if not 1 <= ndim <= 3:
        raise Refused(f"torch needs 1 to 3 spatial axes here, the input is {list(shape)}")
    return ndim


def _args(*positional, **keywords) -> str:
    """Constructor arguments, keywords left out where they are torch's default (given as (value, default))."""
    parts = [str(p) for p in positional]
    for key, (value, default) in keywords.items():
        if value != default:
            parts.append(f"{key}={value}")
    return ", ".join(parts)


def _padded(pairs, value: str = "") -> str:
    """The input expression, behind an explicit F.pad when the padding is asymmetric."""
    if symmetric(pairs):
        return "{0}"
    return f"F.pad({{0}}, {torch_pad(pairs)}{', value=' + value if value else ''})"


def _conv_code(shape, out, kernel, stride, padding, dilation, groups, bias, suffix=""):
    ndim = _ndim(shape)
    geo = geometry(shape[1:], kernel, stride, padding, dilation)
    pad = axes(b for b, _ in geo.padding) if symmetric(geo.padding) else "0"
    ctor = f"nn.Conv{ndim}d(" + _args(shape[0], out, axes(geo.kernel), stride=(axes(geo.stride), "1"),
                                      padding=(pad, "0"), dilation=(axes(geo.dilation), "1"),
                                      groups=(groups, 1), bias=(bias, True)) + ")"
    return (suffix, ctor), _padded(geo.padding), geo


def conv(layer, shapes, out):
    module, inner, _ = _conv_code(shapes[0], layer.out, layer.kernel, layer.stride, layer.padding, layer.dilation,
                                  layer.groups, layer.bias)
    return Code(modules=(module,), expr="{m}(" + inner + ")")


def depthwise_conv(layer, shapes, out):
    c = shapes[0][0]
    module, inner, _ = _conv_code(shapes[0], c * layer.multiplier, layer.kernel, layer.stride, layer.padding,
                                  layer.dilation, c, layer.bias)
    return Code(modules=(module,), expr="{m}(" + inner + ")")


def separable_conv(layer, shapes, out):
    # the depthwise part has no bias; the pointwise 1×1 convolution carries it (docs/spec.md)
    c = shapes[0][0]
    module, inner, _ = _conv_code(shapes[0], c * layer.multiplier, layer.kernel, layer.stride, layer.padding,
                                  layer.dilation, c, False, "_depthwise")
    pointwise = ("_pointwise", f"nn.Conv{_ndim(shapes[0])}d(" + _args(c * layer.multiplier, layer.out, 1,
                                                                      bias=(layer.bias, True)) + ")")
    return Code(modules=(module, pointwise), expr="{m_pointwise}({m_depthwise}(" + inner + "))")


def conv_transpose(layer, shapes, out):
    shape = shapes[0]
    ndim = _ndim(shape)
    k = _per_axis(layer.kernel, ndim)
    s, d, op = (_per_axis(v, ndim) for v in (layer.stride, layer.dilation, layer.output_padding))
    spans = tuple(di * (ki - 1) + 1 for ki, di in zip(k, d))
    pairs = _transposed_padding(layer.padding, shape[1:], spans, s)
    pad = axes(b for b, _ in pairs) if symmetric(pairs) else "0"
    ctor = f"nn.ConvTranspose{ndim}d(" + _args(shape[0], layer.out, axes(k), stride=(axes(s), "1"),
                                               padding=(pad, "0"), output_padding=(axes(op), "0"),
                                               groups=(layer.groups, 1), bias=(layer.bias, True),
                                               dilation=(axes(d), "1")) + ")"
    expr = "{m}({0})"
    if not symmetric(pairs):        # torch crops symmetrically: crop the full output explicitly
        expr += "[:, :, " + ", ".join(f"{b}:{b + n}" for (b, _), n in zip(pairs, out[1:])) + "]"
    return Code(modules=(("", ctor),), expr=expr)


def _per_axis(value, ndim):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * ndim


def _window_pool(layer, shapes, kind):
    shape = shapes[0]
    ndim = _ndim(shape)
    stride = layer.kernel if layer.stride is None else layer.stride
    geo = geometry(shape[1:], layer.kernel, stride, layer.padding, layer.dilation, layer.ceil_mode)
    if kind != "max" and any(x != 1 for x in geo.dilation):
        raise Refused("torch's average pooling has no dilation")
    if not symmetric(geo.padding) and layer.ceil_mode:
        raise Refused("asymmetric padding with ceil_mode: torch's last window counts only its own symmetric "
                      "padding, so an explicit F.pad would change the output size")
    pad = axes(b for b, _ in geo.padding) if symmetric(geo.padding) else "0"
    common = dict(stride=(axes(geo.stride), axes(geo.kernel)), padding=(pad, "0"))
    if kind == "max":
        ctor = f"nn.MaxPool{ndim}d(" + _args(axes(geo.kernel), **common, dilation=(axes(geo.dilation), "1"),
                                             ceil_mode=(layer.ceil_mode, False)) + ")"
        return Code(modules=(("", ctor),), expr="{m}(" + _padded(geo.padding, "float('-inf')") + ")")
    if kind == "avg":
        ctor = f"nn.AvgPool{ndim}d(" + _args(axes(geo.kernel), **common, ceil_mode=(layer.ceil_mode, False)) + ")"
        return Code(modules=(("", ctor),), expr="{m}(" + _padded(geo.padding) + ")")
    # sum: average pooling with divisor 1 (exact); torch has no divisor for 1-D, so 1-D runs as 2-D
    k, s = geo.kernel, geo.stride
    p = tuple(b for b, _ in geo.padding) if symmetric(geo.padding) else (0,) * ndim
    inner = _padded(geo.padding)
    if ndim == 1:
        k, s, p = (1, *k), (1, *s), (0, *p)
        inner += ".unsqueeze(2)"
    ctor = f"nn.AvgPool{max(ndim, 2)}d(" + _args(axes(k), stride=(axes(s), axes(k)), padding=(axes(p), "0"),
                                                 ceil_mode=(layer.ceil_mode, False), divisor_override=(1, None)) + ")"
    expr = "{m}(" + inner + ")" + (".squeeze(2)" if ndim == 1 else "")
    return Code(modules=(("", ctor),), expr=expr)


def _global(kind):
    def write(layer, shapes, out):
        ndim = _ndim(shapes[0])
        ctor = f"nn.Adaptive{kind}Pool{ndim}d(1)"
        return Code(modules=(("", ctor),), expr="{m}({0})" if layer.keepdims else "torch.flatten({m}({0}), 1)")
    return write


def _adaptive(kind):
    def write(layer, shapes, out):
        ndim = _ndim(shapes[0])
        return Code(modules=(("", f"nn.Adaptive{kind}Pool{ndim}d({axes(_per_axis(layer.size, ndim))})"),))
    return write


def dense(layer, shapes, out):
    return Code(modules=(("", "nn.Linear(" + _args(shapes[0][0], layer.out, bias=(layer.bias, True)) + ")"),),
                expr="{m}({0})")


def _module(ctor: str) -> Callable:
    return lambda layer, shapes, out: Code(modules=(("", ctor),), expr="{m}({0})")


def _to_channels_last(rank: int) -> tuple:
    """permute dims to channels-last and back, for a tensor of this rank (batch included), non-negative."""
    forward = (0, *range(2, rank), 1)
    back = (0, rank - 1, *range(1, rank - 1))
    return forward, back


def _channels_last(ctor: str, shape) -> Code:
    if len(shape) == 1:
        return Code(modules=(("", ctor),), expr="{m}({0})")
    there, back = _to_channels_last(len(shape) + 1)
    return Code(modules=(("", ctor),), expr=f"{{m}}({{0}}.permute{there}).permute{back}")


def batchnorm(layer, shapes, out):
    return _norm("BatchNorm", {1: 1, 2: 1, 3: 2, 4: 3}, layer, shapes[0], True)


def instancenorm(layer, shapes, out):
    return _norm("InstanceNorm", {2: 1, 3: 2, 4: 3}, layer, shapes[0], False)


def _norm(kind: str, dims_of_rank: dict, layer, shape, default: bool):
    """nn.BatchNormNd / nn.InstanceNormNd for an input of ``shape`` (N from its rank); ``default``: torch's
    default for affine and track_running_stats (True for BatchNorm, False for InstanceNorm)."""
    dims = dims_of_rank.get(len(shape))
    if dims is None:
        raise Refused(f"no {kind} for input {list(shape)}")
    return Code(modules=(("", f"nn.{kind}{dims}d(" + _args(
        shape[0], eps=(number(layer.eps), "1e-05"), momentum=(number(layer.momentum), "0.1"),
        affine=(layer.affine, default), track_running_stats=(layer.track_running_stats, default)) + ")"),))


def layernorm(layer, shapes, out):
    shape = shapes[0]
    affine = dict(eps=(number(layer.eps), "1e-05"), elementwise_affine=(layer.affine, True), bias=(layer.affine, True))
    if layer.over == "all":
        return Code(modules=(("", "nn.LayerNorm(" + _args(list(shape), **affine) + ")"),))
    return _channels_last("nn.LayerNorm(" + _args(shape[0], **affine) + ")", shape)


def linear(layer, shapes, out):
    return _channels_last("nn.Linear(" + _args(shapes[0][0], layer.out, bias=(layer.bias, True)) + ")", shapes[0])


def lrn(layer, shapes, out):
    ctor = "nn.LocalResponseNorm(" + _args(layer.size, alpha=(number(layer.alpha), "0.0001"),
                                           beta=(number(layer.beta), "0.75"), k=(number(layer.k), "1.0")) + ")"
    flat = len(shapes[0]) == 1          # torch needs a spatial axis: a flat [C] runs as [C, 1]
    return Code(modules=(("", ctor),), expr="{m}({0}.unsqueeze(2)).squeeze(2)" if flat else "{m}({0})")


def upsample(layer, shapes, out):
    corners = "" if layer.mode == "nearest" else f", align_corners={layer.align_corners}"
    if layer.like is not None:       # the size is the referenced tensor's, read when forward runs
        return Code(expr=f"F.interpolate({{0}}, size={{1}}.shape[2:], mode={layer.mode!r}{corners})")
    ndim = _ndim(shapes[0])
    if layer.size is not None:
        what = f"size={axes(_per_axis(layer.size, ndim))}"
    else:
        what = f"scale_factor={axes(float(v) for v in _per_axis(layer.scale, ndim))}"
    return Code(modules=(("", f"nn.Upsample({what}, mode={layer.mode!r}{corners})"),))


def crop(layer, shapes, out):
    if layer.like is not None:
        return Code(expr="center_crop({0}, {1})", helpers=("center_crop",))
    ndim = _ndim(shapes[0])
    items = [layer.amount] * ndim if isinstance(layer.amount, int) else list(layer.amount)
    pairs = [tuple(v) if isinstance(v, (list, tuple)) else (v, v) for v in items]
    return Code(expr="{0}[:, :, " + ", ".join(f"{b}:{b + n}" for (b, _), n in zip(pairs, out[1:])) + "]")


def pad(layer, shapes, out):
    ndim = _ndim(shapes[0])
    pairs = resolve_padding(layer.padding, shapes[0][1:], (1,) * ndim, (1,) * ndim)
    if layer.mode == "constant":
        value = f", value={number(layer.value)}" if layer.value else ""
        return Code(expr=f"F.pad({{0}}, {torch_pad(pairs)}{value})")
    return Code(expr=f"F.pad({{0}}, {torch_pad(pairs)}, mode={layer.mode!r})")


def channel_shuffle(layer, shapes, out):
    c, *spatial = shapes[0]
    g = layer.groups
    split = ", ".join(map(str, (g, c // g, *spatial)))
    whole = ", ".join(map(str, (c, *spatial)))
    return Code(expr=f"torch.transpose({{0}}.reshape(-1, {split}), 1, 2).reshape(-1, {whole})")


def scale(layer, shapes, out):
    shape = shapes[0]
    return Code(expr="{0} * {m}", parameter=("", f"torch.ones({', '.join(map(str, (shape[0], *(1,) * (len(shape) - 1))))})"))


def _unshared(layer, shapes, out, sets_of):
    shape = shapes[0]
    ndim = _ndim(shape)
    geo = geometry(shape[1:], layer.kernel, layer.stride, layer.padding, layer.dilation)
    taps = shape[0] * math.prod(geo.kernel)
    sets, bias, tiles = sets_of(geo.output)
    ctor = (f"Unshared({torch_pad(geo.padding)}, {geo.kernel!r}, {geo.stride!r}, {geo.dilation!r}, {sets}, "
            f"{layer.out}, {taps}, {bias!r}" + (f", tiles={tiles!r})" if tiles else ")"))
    return Code(modules=(("", ctor),), helpers=("Unshared",))


def local(layer, shapes, out):
    def sets_of(positions):
        bias = {"position": (layer.out, *positions), "channel": (layer.out,), "none": None}[layer.bias]
        return math.prod(positions), bias, None
    return _unshared(layer, shapes, out, sets_of)


def tiled_conv(layer, shapes, out):
    def sets_of(positions):
        tile = _per_axis(layer.tile, len(positions))
        used = [min(n, t) for n, t in zip(positions, tile)]       # the distinct residues y mod t per axis
        sets = math.prod(used)
        return sets, (sets, layer.out) if layer.bias else None, tuple(zip(tile, used))
    return _unshared(layer, shapes, out, sets_of)


def embedding(layer, shapes, out):
    shape = shapes[0]
    if not (len(shape) == 1 or (len(shape) == 2 and shape[0] == 1)):
        raise Refused(f"embedding needs token ids [L] or [1, L], got {list(shape)}")
    return Code(modules=(("", f"Embedding({layer.vocab}, {layer.dim})"),), helpers=("Embedding",))


def _merge(op: str):
    def write(layer, shapes, out):
        return Code(expr=op.join("{%d}" % i for i in range(len(shapes))))
    return write


WRITERS: dict[str, Callable] = {
    "conv": conv, "depthwise_conv": depthwise_conv, "separable_conv": separable_conv,
    "conv_transpose": conv_transpose,
    "maxpool": lambda layer, shapes, out: _window_pool(layer, shapes, "max"),
    "avgpool": lambda layer, shapes, out: _window_pool(layer, shapes, "avg"),
    "sumpool": lambda layer, shapes, out: _window_pool(layer, shapes, "sum"),
    "global_avgpool": _global("Avg"), "global_maxpool": _global("Max"),
    "adaptive_avgpool": _adaptive("Avg"), "adaptive_maxpool": _adaptive("Max"),
    "dense": dense,
    "flatten": lambda layer, shapes, out: Code(expr="torch.flatten({0}, 1)"),
    "relu": _module("nn.ReLU()"), "relu6": _module("nn.ReLU6()"), "tanh": _module("nn.Tanh()"),
    "sigmoid": _module("nn.Sigmoid()"), "softmax": _module("nn.Softmax(dim=1)"), "silu": _module("nn.SiLU()"),
    "hardswish": _module("nn.Hardswish()"), "hardsigmoid": _module("nn.Hardsigmoid()"), "mish": _module("nn.Mish()"),
    "leaky_relu": lambda layer, shapes, out: _module(f"nn.LeakyReLU({number(layer.negative_slope)})")(layer, shapes, out),
    "elu": lambda layer, shapes, out: _module(f"nn.ELU({number(layer.alpha)})")(layer, shapes, out),
    "gelu": lambda layer, shapes, out: _module("nn.GELU()" if layer.approximate == "none"
                                               else f"nn.GELU(approximate={layer.approximate!r})")(layer, shapes, out),
    "prelu": lambda layer, shapes, out: _module(f"nn.PReLU({shapes[0][0]})" if layer.per_channel
                                                else "nn.PReLU()")(layer, shapes, out),
    "batchnorm": batchnorm, "instancenorm": instancenorm, "layernorm": layernorm,
    "groupnorm": lambda layer, shapes, out: _module("nn.GroupNorm(" + _args(
        layer.groups, shapes[0][0], eps=(number(layer.eps), "1e-05"), affine=(layer.affine, True)) + ")")(
        layer, shapes, out),
    "linear": linear, "lrn": lrn,
    "dropout": lambda layer, shapes, out: _module(f"nn.Dropout({number(layer.rate)})")(layer, shapes, out),
    "stochastic_depth": lambda layer, shapes, out: Code(
        modules=(("", f"StochasticDepth({number(layer.rate)}, {layer.mode!r})"),), helpers=("StochasticDepth",)),
    "identity": lambda layer, shapes, out: Code(),
    "concat": lambda layer, shapes, out: Code(expr="torch.cat([" + ", ".join("{%d}" % i for i in range(len(shapes)))
                                              + "], dim=1)"),
    "add": _merge(" + "), "mul": _merge(" * "),
    "upsample": upsample, "crop": crop, "pad": pad,
    "reshape": lambda layer, shapes, out: Code(expr="{0}.reshape(-1, " + ", ".join(map(str, out)) + ")"),
    "channel_shuffle": channel_shuffle, "scale": scale,
    "local": local, "tiled_conv": tiled_conv,
    "spp": lambda layer, shapes, out: Code(modules=(("", f"SPP({tuple(layer.levels)!r}, {layer.mode!r})"),),
                                           helpers=("SPP",)),
    "netvlad": lambda layer, shapes, out: Code(modules=(("", f"NetVLAD({shapes[0][0]}, {layer.clusters}, "
                                                             f"{layer.intra_norm})"),), helpers=("NetVLAD",)),
    "embedding": embedding,
}
