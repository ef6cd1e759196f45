"""Spec → torch.nn written independently of cnncalc, for the property tests that check cnncalc rejects ⇔
torch rejects (test_chapter_props, test_elementwise_props, test_norm_linear_split_props): a configuration
cnncalc rejects has no `cnncalc export` code, so torch's side is built here. Every other parity test builds
the product's generated code (torch_builder.py). TODO(issue 11): replace this by the generated code too.

The builder reads a spec's layer graph (its nodes, their inputs and their YAML arguments) and builds one
torch module per node. It does not use any of cnncalc's shape, parameter or MAC arithmetic: input channels
and feature counts come from the tensors torch itself produces (each module is created after running its
inputs through the modules before it, on the ``meta`` device, which computes shapes without data), and
padding forms are resolved here from their definitions. Counting (:func:`measure`) reads only the torch
modules: parameters and buffers, and MACs from forward hooks on every convolution, transposed convolution,
linear, locally connected / tiled and NetVLAD module, each by a rule written beside it (``_MAC_RULES``, and
the oracles' own ``macs``). Locally connected, tiled, SPP and NetVLAD are the papers' rules
(paper_oracles.py), written without the exported modules.
Everything works on the meta device too, so a network too large to execute is still measured by torch.

A layer type or an argument combination that has no exact torch equivalent raises :class:`Unmappable`,
naming the layer, so a parity test reports it instead of skipping it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn
from paper_oracles import PaperNetVLAD, PaperSPP, PaperUnshared
from torch_builder import Crop, Measured, _per_axis, _rule_for, figures_of, resolve_padding, transposed_crop


class Unmappable(Exception):
    """A layer the builder cannot express exactly in torch."""

    def __init__(self, layer: str, type_name: str, reason: str):
        super().__init__(f"layer '{layer}' ({type_name}): {reason}")
        self.layer = layer
        self.type_name = type_name


# ----------------------------------------------------------------------------- padding, by definition
# (resolve_padding, transposed_crop, Crop, _per_axis: torch_builder's, the one copy)

def _torch_pad(pairs):
    """F.pad's argument: (before, after) pairs from the last axis to the first."""
    flat = []
    for before, after in reversed(pairs):
        flat += [before, after]
    return tuple(flat)


class Pad(nn.Module):
    def __init__(self, pairs, value=0.0):
        super().__init__()
        self.pad, self.value = _torch_pad(pairs), value

    def forward(self, x):
        return F.pad(x, self.pad, value=self.value)


# ----------------------------------------------------------------------------- module per layer type

_CONV = {1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d}
_MAXPOOL = {1: nn.MaxPool1d, 2: nn.MaxPool2d, 3: nn.MaxPool3d}
_AVGPOOL = {1: nn.AvgPool1d, 2: nn.AvgPool2d, 3: nn.AvgPool3d}
_ADAPTIVE_AVG = {1: nn.AdaptiveAvgPool1d, 2: nn.AdaptiveAvgPool2d, 3: nn.AdaptiveAvgPool3d}
_ADAPTIVE_MAX = {1: nn.AdaptiveMaxPool1d, 2: nn.AdaptiveMaxPool2d, 3: nn.AdaptiveMaxPool3d}
_BATCHNORM = {2: nn.BatchNorm1d, 3: nn.BatchNorm1d, 4: nn.BatchNorm2d, 5: nn.BatchNorm3d}  # by tensor rank


@dataclass
class Ctx:
    name: str            # the node's full name, for error messages
    type_name: str
    shapes: list         # torch.Size of each input, batch axis first
    device: object

    def fail(self, reason: str):
        raise Unmappable(self.name, self.type_name, reason)

    def spatial(self):
        shape = self.shapes[0]
        ndim = len(shape) - 2
        if not 1 <= ndim <= 3:
            self.fail(f"needs 1 to 3 spatial axes, got input {list(shape[1:])}")
        return tuple(shape[2:]), ndim


def _conv_module(ctx: Ctx, out, kernel, stride, padding, dilation, groups, bias):
    """nn.ConvNd, behind an explicit Pad when the padding is asymmetric (torch's own is symmetric)."""
    sizes, ndim = ctx.spatial()
    k, s, d = (_per_axis(v, ndim) for v in (kernel, stride, dilation))
    pairs = resolve_padding(padding, sizes, k, s, d)
    symmetric = all(before == after for before, after in pairs)
    conv = _CONV[ndim](ctx.shapes[0][1], out, k, stride=s, dilation=d, groups=groups,
                       bias=bias, padding=tuple(b for b, _ in pairs) if symmetric else 0,
                       device=ctx.device)
    return conv if symmetric else nn.Sequential(Pad(pairs), conv)


def _conv(layer, ctx: Ctx):
    return _conv_module(ctx, layer.out, layer.kernel, layer.stride, layer.padding, layer.dilation, layer.groups,
                        layer.bias)


def _window_pool(layer, ctx: Ctx, make: Callable, pad_value: float, dilation_ok: bool):
    sizes, ndim = ctx.spatial()
    k = _per_axis(layer.kernel, ndim)
    s = _per_axis(layer.kernel if layer.stride is None else layer.stride, ndim)
    d = _per_axis(layer.dilation, ndim)
    if not dilation_ok and any(x != 1 for x in d):
        ctx.fail("torch's average pooling has no dilation")
    pairs = resolve_padding(layer.padding, sizes, k, s, d)
    if all(before == after for before, after in pairs):
        return make(ndim, k, s, tuple(b for b, _ in pairs), d)
    if layer.ceil_mode:
        ctx.fail("asymmetric padding with ceil_mode: torch's rule for the last window counts only its own "
                 "symmetric padding, so explicit padding would change the output size")
    return nn.Sequential(Pad(pairs, pad_value), make(ndim, k, s, (0,) * ndim, d))


def _maxpool(layer, ctx):
    return _window_pool(layer, ctx, lambda ndim, k, s, p, d: _MAXPOOL[ndim](
        k, stride=s, padding=p, dilation=d, ceil_mode=layer.ceil_mode), -math.inf, True)


def _avgpool(layer, ctx):
    return _window_pool(layer, ctx, lambda ndim, k, s, p, d: _AVGPOOL[ndim](
        k, stride=s, padding=p, ceil_mode=layer.ceil_mode, count_include_pad=True), 0.0, False)


class SumPool(nn.Module):
    """Window sums: average pooling with divisor 1 (exact). 1-D runs as 2-D over a unit axis."""

    def __init__(self, ndim, k, s, p, ceil_mode):
        super().__init__()
        self.ndim = ndim
        if ndim == 1:
            k, s, p = (1, *k), (1, *s), (0, *p)
        self.pool = (nn.AvgPool3d if ndim == 3 else nn.AvgPool2d)(
            k, stride=s, padding=p, ceil_mode=ceil_mode, count_include_pad=True, divisor_override=1)

    def forward(self, x):
        if self.ndim == 1:
            return self.pool(x.unsqueeze(-2)).squeeze(-2)
        return self.pool(x)


def _sumpool(layer, ctx):
    return _window_pool(layer, ctx, lambda ndim, k, s, p, d: SumPool(ndim, k, s, p, layer.ceil_mode),
                        0.0, False)


class GlobalPool(nn.Module):
    def __init__(self, pool, keepdims):
        super().__init__()
        self.pool, self.keepdims = pool, keepdims

    def forward(self, x):
        y = self.pool(x)
        return y if self.keepdims else torch.flatten(y, 1)


def _global(table):
    def make(layer, ctx):
        _, ndim = ctx.spatial()
        return GlobalPool(table[ndim](1), layer.keepdims)
    return make


def _dense(layer, ctx):
    shape = ctx.shapes[0]
    if len(shape) != 2:
        ctx.fail(f"nn.Linear on a non-flat input {list(shape[1:])} would act on the last axis only")
    return nn.Linear(shape[1], layer.out, bias=layer.bias, device=ctx.device)


def _batchnorm(layer, ctx):
    rank = len(ctx.shapes[0])
    if rank not in _BATCHNORM:
        ctx.fail(f"no BatchNorm for input {list(ctx.shapes[0][1:])}")
    return _BATCHNORM[rank](ctx.shapes[0][1], eps=layer.eps, momentum=layer.momentum, affine=layer.affine,
                            track_running_stats=layer.track_running_stats, device=ctx.device)


class Concat(nn.Module):
    def forward(self, *xs):
        return torch.cat(xs, dim=1)


class Add(nn.Module):
    def forward(self, *xs):
        out = xs[0]
        for x in xs[1:]:
            out = out + x
        return out


class Identity(nn.Module):
    def forward(self, *xs):
        (x,) = xs
        return x




# ----------------------------------------------------------------------------- the CNN chapter's layer types
# Each module below is built from the layer's definition in docs/spec.md and docs/conventions.md, never from
# cnncalc's arithmetic: sizes that a module's parameters depend on (the output positions of a locally
# connected layer, the weight sets of a tiled one) are read off a meta-device probe of the input.

_CONV_T = {1: nn.ConvTranspose1d, 2: nn.ConvTranspose2d, 3: nn.ConvTranspose3d}


def _conv_transpose(layer, ctx: Ctx):
    sizes, ndim = ctx.spatial()
    k, s, d, op = (_per_axis(v, ndim) for v in (layer.kernel, layer.stride, layer.dilation, layer.output_padding))
    pairs = transposed_crop(layer.padding, sizes, k, s, d)
    symmetric = all(before == after for before, after in pairs)
    conv = _CONV_T[ndim](ctx.shapes[0][1], layer.out, k, stride=s, output_padding=op, dilation=d,
                         groups=layer.groups, bias=layer.bias,
                         padding=tuple(b for b, _ in pairs) if symmetric else 0, device=ctx.device)
    # torch's output_padding adds positions after the last; an explicit crop then removes (before, after)
    return conv if symmetric else nn.Sequential(conv, Crop(pairs))


def _depthwise_conv(layer, ctx: Ctx):
    # groups = C_in: each input channel has its own `multiplier` filters (weight [C·m, 1, *k])
    c_in = ctx.shapes[0][1]
    return _conv_module(ctx, c_in * layer.multiplier, layer.kernel, layer.stride, layer.padding, layer.dilation,
                        c_in, layer.bias)


def _separable_conv(layer, ctx: Ctx):
    # the depthwise part takes the window arguments and has no bias; the pointwise 1×1 convolution carries
    # the bias (docs/spec.md: "bias on the pointwise output only, as Keras's SeparableConv2D")
    c_in = ctx.shapes[0][1]
    depthwise = _conv_module(ctx, c_in * layer.multiplier, layer.kernel, layer.stride, layer.padding,
                             layer.dilation, c_in, False)
    _, ndim = ctx.spatial()
    pointwise = _CONV[ndim](c_in * layer.multiplier, layer.out, 1, bias=layer.bias, device=ctx.device)
    return nn.Sequential(depthwise, pointwise)


# locally connected, tiled and SPP: the papers' rules (paper_oracles.py), not the exported modules

def _unshared(layer, ctx: Ctx, tiles, bias):
    sizes, ndim = ctx.spatial()
    k, s, d = (_per_axis(v, ndim) for v in (layer.kernel, layer.stride, layer.dilation))
    pairs = resolve_padding(layer.padding, sizes, k, s, d)
    return PaperUnshared(tuple(ctx.shapes[0][1:]), layer.out, k, s, d, pairs, bias,
                         tiles=None if tiles is None else _per_axis(tiles, ndim), device=ctx.device)


def _local(layer, ctx: Ctx):
    # bias (docs/spec.md): position = one per output channel and position (Keras), channel = one per channel
    return _unshared(layer, ctx, None, layer.bias)


def _tiled_conv(layer, ctx: Ctx):
    return _unshared(layer, ctx, layer.tile, "sets" if layer.bias else "none")


def _spp(layer, ctx: Ctx):
    ctx.spatial()
    return PaperSPP(tuple(layer.levels), layer.mode)


def _adaptive(table):
    def make(layer, ctx):
        _, ndim = ctx.spatial()
        return table[ndim](_per_axis(layer.size, ndim))
    return make


class LikeUpsample(nn.Module):
    """DeepLab's and FPN's F.interpolate(x, size=y.shape[2:]): y is read for its shape only."""

    def __init__(self, mode, align_corners):
        super().__init__()
        self.mode, self.align_corners = mode, align_corners

    def forward(self, x, like):
        return nn.functional.interpolate(x, size=tuple(like.shape[2:]), mode=self.mode,
                                         align_corners=self.align_corners)


def _crop(layer, ctx: Ctx):
    if layer.like is not None:
        return Crop(None)
    _, ndim = ctx.spatial()
    amount = layer.amount
    items = [amount] * ndim if isinstance(amount, int) else list(amount)
    return Crop([tuple(v) if isinstance(v, (list, tuple)) else (v, v) for v in items])


def _upsample(layer, ctx: Ctx):
    _, ndim = ctx.spatial()
    if layer.like is not None:
        return LikeUpsample(layer.mode, None if layer.mode == "nearest" else layer.align_corners)
    size = None if layer.size is None else _per_axis(layer.size, ndim)
    scale = None if layer.scale is None else tuple(float(v) for v in _per_axis(layer.scale, ndim))
    return nn.Upsample(size=size, scale_factor=scale, mode=layer.mode,
                       align_corners=None if layer.mode == "nearest" else layer.align_corners)


def _netvlad(layer, ctx: Ctx):
    shape = ctx.shapes[0]
    if len(shape) < 3:
        ctx.fail(f"netvlad needs [D, positions...], got {list(shape[1:])}")
    return PaperNetVLAD(shape[1], layer.clusters, layer.intra_norm, ctx.device)


class LRN(nn.Module):
    """nn.LocalResponseNorm across channels; a flat [C] input runs as [C, 1] (torch needs a spatial axis)."""

    def __init__(self, size, alpha, beta, k):
        super().__init__()
        self.lrn = nn.LocalResponseNorm(size, alpha, beta, k)

    def forward(self, x):
        return self.lrn(x.unsqueeze(-1)).squeeze(-1) if x.dim() == 2 else self.lrn(x)


class PadLayer(nn.Module):
    def __init__(self, pairs, mode, value):
        super().__init__()
        self.pad, self.mode, self.value = _torch_pad(pairs), mode, value

    def forward(self, x):
        if self.mode == "constant":
            return F.pad(x, self.pad, mode="constant", value=self.value)
        return F.pad(x, self.pad, mode=self.mode)


def _pad(layer, ctx: Ctx):
    sizes, ndim = ctx.spatial()
    pairs = resolve_padding(layer.padding, sizes, (1,) * ndim, (1,) * ndim, (1,) * ndim)
    return PadLayer(pairs, layer.mode, float(layer.value))


class Reshape(nn.Module):
    def __init__(self, shape):
        super().__init__()
        self.shape = tuple(shape)

    def forward(self, x):
        return x.reshape(x.shape[0], *self.shape)


class Embedding(nn.Module):
    """nn.Embedding over the L token ids of an [L] or [1, L] input, output channels first [D, L]. The
    network's input tensor is floating point: its values, truncated to ints modulo the vocabulary, are
    the ids (shapes and counts do not depend on which ids)."""

    def __init__(self, vocab, dim, device):
        super().__init__()
        self.table = nn.Embedding(vocab, dim, device=device)

    def forward(self, x):
        ids = torch.remainder(torch.flatten(x, 1).to(torch.long), self.table.num_embeddings)   # [B, L]
        return self.table(ids).transpose(1, 2)                                                 # [B, D, L]


def _embedding(layer, ctx: Ctx):
    shape = ctx.shapes[0]
    if not (len(shape) == 2 or (len(shape) == 3 and shape[1] == 1)):
        ctx.fail(f"embedding needs token ids [L] or [1, L], got {list(shape[1:])}")
    return Embedding(layer.vocab, layer.dim, ctx.device)


# ----------------------------------------------------------------------------- issue 10's element-wise and routing types

class Mul(nn.Module):
    """The product of its inputs, broadcasting as torch does."""

    def forward(self, *xs):
        out = xs[0]
        for x in xs[1:]:
            out = out * x
        return out


class LayerScale(nn.Module):
    """ConvNeXt's layer scale: x times a learnt nn.Parameter of shape (C, 1, …, 1)."""

    def __init__(self, shape, device):
        super().__init__()
        self.gamma = nn.Parameter(torch.empty(shape[1], *(1,) * (len(shape) - 2), device=device))

    def forward(self, x):
        return x * self.gamma


class StochasticDepth(nn.Module):
    """torchvision.ops.stochastic_depth's rule, written from its documentation (the suite does not need
    torchvision): in training each sample (row) or the whole batch is kept with probability 1 − p and a kept
    one scaled by 1/(1 − p); at inference, or with p = 0, the input itself; p = 1 drops everything."""

    def __init__(self, p, mode):
        super().__init__()
        self.p, self.mode = p, mode

    def forward(self, x):
        if not self.training or self.p == 0.0:
            return x
        rows = x.shape[0] if self.mode == "row" else 1
        kept = (torch.rand(rows, device=x.device) >= self.p).to(x.dtype)
        scale = kept / (1.0 - self.p) if self.p < 1.0 else kept
        return x * scale.view(rows, *([1] * (x.dim() - 1)))


class ChannelShuffle(nn.Module):
    """ShuffleNetV2's channel_shuffle (torchvision.models.shufflenetv2): view, transpose, contiguous, view."""

    def __init__(self, groups):
        super().__init__()
        self.groups = groups

    def forward(self, x):
        b, c, *spatial = x.shape
        x = x.view(b, self.groups, c // self.groups, *spatial)
        return torch.transpose(x, 1, 2).contiguous().view(b, c, *spatial)

# ----------------------------------------------------------------------------- normalisations, linear, split
# (issue 10): torch's own modules with their defaults, channels-last where ConvNeXt is

_INSTANCENORM = {3: nn.InstanceNorm1d, 4: nn.InstanceNorm2d, 5: nn.InstanceNorm3d}     # by tensor rank


class ChannelsLast(nn.Module):
    """``module`` on the channels-last view of [B, C, *spatial] and back (ConvNeXt's Permute around its
    nn.LayerNorm and nn.Linear); a flat [B, C] input as it is."""

    def __init__(self, module):
        super().__init__()
        self.module = module

    def forward(self, x):
        if x.dim() == 2:
            return self.module(x)
        last = x.dim() - 1          # explicit non-negative axes: ONNX export writes movedim's -1 into perm as is
        return self.module(x.permute(0, *range(2, x.dim()), 1)).permute(0, last, *range(1, last))


def _layernorm(layer, ctx: Ctx):
    shape = ctx.shapes[0]
    over = (shape[1],) if layer.over == "channels" else tuple(shape[1:])
    norm = nn.LayerNorm(over, eps=layer.eps, elementwise_affine=layer.affine, bias=layer.affine, device=ctx.device)
    return ChannelsLast(norm) if layer.over == "channels" else norm


def _instancenorm(layer, ctx: Ctx):
    rank = len(ctx.shapes[0])
    if rank not in _INSTANCENORM:
        ctx.fail(f"no InstanceNorm for input {list(ctx.shapes[0][1:])}")
    return _INSTANCENORM[rank](ctx.shapes[0][1], eps=layer.eps, momentum=layer.momentum, affine=layer.affine,
                               track_running_stats=layer.track_running_stats, device=ctx.device)


class SplitPart(nn.Module):
    """Part ``index`` of x.split(sizes, dim=1), or of x.chunk(parts, dim=1) (ShuffleNetV2)."""

    def __init__(self, sizes, parts, index):
        super().__init__()
        self.sizes, self.parts, self.index = sizes, parts, index

    def forward(self, x):
        pieces = x.split(list(self.sizes), dim=1) if self.sizes is not None else x.chunk(self.parts, dim=1)
        return pieces[self.index]


def _split(layer, ctx: Ctx):
    count = len(layer.sizes) if layer.sizes is not None else layer.parts
    return SplitPart(layer.sizes, layer.parts, count - 1 if layer.part is None else layer.part)


# ----------------------------------------------------------------------------- one line per layer type

MAPPING: dict[str, Callable] = {
    "input": lambda layer, ctx: Identity(),
    "conv": _conv,
    "maxpool": _maxpool,
    "avgpool": _avgpool,
    "sumpool": _sumpool,
    "global_avgpool": _global(_ADAPTIVE_AVG),
    "global_maxpool": _global(_ADAPTIVE_MAX),
    "dense": _dense,
    "flatten": lambda layer, ctx: nn.Flatten(1),
    "relu": lambda layer, ctx: nn.ReLU(),
    "relu6": lambda layer, ctx: nn.ReLU6(),
    "leaky_relu": lambda layer, ctx: nn.LeakyReLU(layer.negative_slope),
    "elu": lambda layer, ctx: nn.ELU(layer.alpha),
    "gelu": lambda layer, ctx: nn.GELU(approximate=layer.approximate),
    "tanh": lambda layer, ctx: nn.Tanh(),
    "sigmoid": lambda layer, ctx: nn.Sigmoid(),
    "softmax": lambda layer, ctx: nn.Softmax(dim=1),
    "batchnorm": _batchnorm,
    "dropout": lambda layer, ctx: nn.Dropout(layer.rate),
    "concat": lambda layer, ctx: Concat(),
    "add": lambda layer, ctx: Add(),
    "conv_transpose": _conv_transpose,
    "depthwise_conv": _depthwise_conv,
    "separable_conv": _separable_conv,
    "local": _local,
    "tiled_conv": _tiled_conv,
    "spp": _spp,
    "adaptive_avgpool": _adaptive(_ADAPTIVE_AVG),
    "adaptive_maxpool": _adaptive(_ADAPTIVE_MAX),
    "upsample": _upsample,
    "crop": _crop,
    "netvlad": _netvlad,
    "lrn": lambda layer, ctx: LRN(layer.size, layer.alpha, layer.beta, layer.k),
    "pad": _pad,
    "reshape": lambda layer, ctx: Reshape(layer.shape),
    "embedding": _embedding,
    "mul": lambda layer, ctx: Mul(),
    "scale": lambda layer, ctx: LayerScale(ctx.shapes[0], ctx.device),
    "silu": lambda layer, ctx: nn.SiLU(),
    "hardswish": lambda layer, ctx: nn.Hardswish(),
    "hardsigmoid": lambda layer, ctx: nn.Hardsigmoid(),
    "mish": lambda layer, ctx: nn.Mish(),
    "prelu": lambda layer, ctx: nn.PReLU(ctx.shapes[0][1] if layer.per_channel else 1, device=ctx.device),
    "identity": lambda layer, ctx: nn.Identity(),
    "stochastic_depth": lambda layer, ctx: StochasticDepth(layer.rate, layer.mode),
    "channel_shuffle": lambda layer, ctx: ChannelShuffle(layer.groups),
    "layernorm": _layernorm,
    "groupnorm": lambda layer, ctx: nn.GroupNorm(layer.groups, ctx.shapes[0][1], eps=layer.eps, affine=layer.affine,
                                                 device=ctx.device),
    "instancenorm": _instancenorm,
    "linear": lambda layer, ctx: ChannelsLast(nn.Linear(ctx.shapes[0][1], layer.out, bias=layer.bias,
                                                        device=ctx.device)),
    "split": _split,
}


# ----------------------------------------------------------------------------- the network

def tie(module: nn.Module, owner: nn.Module) -> None:
    """Make ``module`` use ``owner``'s parameters and buffers, the very tensors (tied weights, 'share:'):
    its own padding and resizing stay its own (a `same` padding depends on the input's size), the weights
    are one set, so ``parameters()`` yields them once and a gradient flows into them from every use."""
    pairs = list(zip(module.modules(), owner.modules()))
    if len(pairs) != len(list(owner.modules())) or any(type(a) is not type(b) for a, b in pairs):
        raise ValueError("tied modules of different structure")
    for mine, theirs in pairs:
        for key in mine._parameters:
            mine._parameters[key] = theirs._parameters[key]
        for key in mine._buffers:
            mine._buffers[key] = theirs._buffers[key]


def _order(nodes: dict) -> list[str]:
    """Every node after its inputs (depth-first), written order among independent ones."""
    order, done = [], set()

    def visit(name, path=()):
        if name in done:
            return
        if name in path:
            raise ValueError(f"cycle through {name}")
        for source in nodes[name].inputs:
            visit(source, (*path, name))
        done.add(name)
        order.append(name)

    for name in nodes:
        visit(name)
    return order


class SpecNet(nn.Module):
    """One module per spec node; forward returns every node's output, by node name."""

    def __init__(self, names, inputs, modules, output):
        super().__init__()
        self.names = list(names)
        self.inputs = dict(inputs)
        self.output = output
        self.layers = nn.ModuleList(modules)

    def node_modules(self):
        return dict(zip(self.names, self.layers))

    def forward(self, x):
        outputs = {}
        for name, module in zip(self.names, self.layers):
            sources = self.inputs[name]
            self.running = name              # the node a module runs for (a tied module runs for several)
            outputs[name] = module(*(outputs[s] for s in sources)) if sources else module(x)
        return outputs


def build(spec, device="meta") -> SpecNet:
    """Build the torch network of a cnncalc Spec (its graph and input shape). On the meta device nothing
    is allocated; ``SpecNet.to_empty(device='cpu')`` gives it real (uninitialised) storage."""
    nodes = spec.graph.nodes
    order = _order(nodes)
    probes, modules = {}, []
    tied: dict = {}          # 'share:': the owner of tied weights → its module, whose tensors the others use
    ties: list = []
    x = torch.empty((1, *spec.input_shape), device="meta")
    for name in order:
        node = nodes[name]
        type_name = node.layer.type_name
        if type_name not in MAPPING:
            raise Unmappable(name, type_name, "no torch mapping in tests/parity/torch_builder.py")
        sources = [probes[s] for s in node.inputs]
        ctx = Ctx(name, type_name, [p.shape for p in sources] or [x.shape], "meta")
        module = MAPPING[type_name](node.layer, ctx)
        owner = getattr(node, "shares", "") or name
        if owner in tied:
            tie(module, tied[owner])
            ties.append((module, tied[owner]))
        else:
            tied[owner] = module
        module.to("meta").eval()    # inference: dropout off, BN uses running statistics
        if not node.trainable:
            for p in module.parameters():
                p.requires_grad_(False)
        with torch.no_grad():
            probes[name] = module(*sources) if sources else module(x)
        modules.append(module)
    net = SpecNet(order, {name: nodes[name].inputs for name in order}, modules, spec.graph.output)
    net.eval()
    if device != "meta":
        net = net.to_empty(device=device)
        for module, owner in ties:       # to_empty gives every module new tensors: tie them again
            tie(module, owner)
        with torch.no_grad():
            for p in net.parameters():
                p.normal_(0, 0.01)
            for name, b in net.named_buffers():
                if name.endswith("running_var"):
                    b.fill_(1)
                elif name.endswith("running_mean"):
                    b.zero_()
    return net


# ----------------------------------------------------------------------------- counting, from torch alone
# The MAC rules and the per-node figures are torch_builder's (they read torch modules only)

def _paper_rule(module):
    """The MACs of a paper oracle (paper_oracles.py), by its own rule."""
    if isinstance(module, (PaperUnshared, PaperNetVLAD)):
        return lambda mod, inputs, output: mod.macs(inputs, output)
    return None


def measure(net: SpecNet, x: torch.Tensor) -> dict[str, Measured]:
    """Run ``x`` (batch 1) through ``net``; per node: output shape, parameters, state and MACs."""
    counts = {name: 0 for name in net.names}
    handles = []
    hooked: set = set()
    for module in net.node_modules().values():
        for sub in module.modules():
            rule = _rule_for(sub) or _paper_rule(sub)
            if rule is None or id(sub) in hooked:
                continue         # a module reused by several nodes (tied weights): one hook, counted per call
            hooked.add(id(sub))

            def hook(mod, inputs, output, rule=rule):
                counts[net.running] += rule(mod, inputs, output)
            handles.append(sub.register_forward_hook(hook))
    try:
        with torch.no_grad():
            outputs = net(x)
    finally:
        for handle in handles:
            handle.remove()
    return figures_of(net.names, net.node_modules(), outputs, counts)
