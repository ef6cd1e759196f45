"""Spec → torch.nn, for the parity tests only (never imported by cnncalc).

The builder reads a spec's layer graph (its nodes, their inputs and their YAML arguments) and builds one
torch module per node. It does not use any of cnncalc's shape, parameter or MAC arithmetic: input channels
and feature counts come from the tensors torch itself produces (each module is created after running its
inputs through the modules before it, on the ``meta`` device, which computes shapes without data), and
padding forms are resolved here from their definitions. Counting (:func:`measure`) reads only the torch
modules: parameters and buffers, and MACs from forward hooks on every convolution and linear layer.

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


class Unmappable(Exception):
    """A layer the builder cannot express exactly in torch."""

    def __init__(self, layer: str, type_name: str, reason: str):
        super().__init__(f"layer '{layer}' ({type_name}): {reason}")
        self.layer = layer
        self.type_name = type_name


# ----------------------------------------------------------------------------- padding, by definition

def _per_axis(value, ndim):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * ndim


def resolve_padding(padding, sizes, kernels, strides, dilations):
    """((before, after), ...) per spatial axis, from the padding form's definition (docs/conventions.md):
    valid: none; same (TensorFlow): output ceil(n/s), total max((out−1)·s + span − n, 0), extra after;
    full: span − 1 on both sides; int / per-axis int: symmetric; per-axis [before, after]."""
    ndim = len(sizes)
    spans = [d * (k - 1) + 1 for k, d in zip(kernels, dilations)]
    if padding == "valid":
        return ((0, 0),) * ndim
    if padding == "full":
        return tuple((span - 1, span - 1) for span in spans)
    if padding == "same":
        pairs = []
        for n, span, s in zip(sizes, spans, strides):
            out = -(-n // s)
            total = max((out - 1) * s + span - n, 0)
            pairs.append((total // 2, total - total // 2))
        return tuple(pairs)
    return tuple(item if isinstance(item, (tuple, list)) else (item, item) for item in _per_axis(padding, ndim))


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


def _conv(layer, ctx: Ctx):
    sizes, ndim = ctx.spatial()
    k, s, d = (_per_axis(v, ndim) for v in (layer.kernel, layer.stride, layer.dilation))
    pairs = resolve_padding(layer.padding, sizes, k, s, d)
    symmetric = all(before == after for before, after in pairs)
    conv = _CONV[ndim](ctx.shapes[0][1], layer.out, k, stride=s, dilation=d, groups=layer.groups,
                       bias=layer.bias, padding=tuple(b for b, _ in pairs) if symmetric else 0,
                       device=ctx.device)
    return conv if symmetric else nn.Sequential(Pad(pairs), conv)


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
}


# ----------------------------------------------------------------------------- the network

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
            outputs[name] = module(*(outputs[s] for s in sources)) if sources else module(x)
        return outputs


def build(spec, device="meta") -> SpecNet:
    """Build the torch network of a cnncalc Spec (its graph and input shape). On the meta device nothing
    is allocated; ``SpecNet.to_empty(device='cpu')`` gives it real (uninitialised) storage."""
    nodes = spec.graph.nodes
    order = _order(nodes)
    probes, modules = {}, []
    x = torch.empty((1, *spec.input_shape), device="meta")
    for name in order:
        node = nodes[name]
        type_name = node.layer.type_name
        if type_name not in MAPPING:
            raise Unmappable(name, type_name, "no torch mapping in tests/parity/torch_builder.py")
        sources = [probes[s] for s in node.inputs]
        ctx = Ctx(name, type_name, [p.shape for p in sources] or [x.shape], "meta")
        module = MAPPING[type_name](node.layer, ctx)
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

@dataclass
class Measured:
    shape: tuple         # output, batch axis removed
    params: int
    trainable: int
    state: int           # BatchNorm running mean + running var elements
    macs: int


def _conv_macs(module, inputs, output):
    # every output element: (C_in / groups) · prod(kernel) multiply-accumulates; weight is
    # [C_out, C_in / groups, *kernel]
    w = module.weight.shape
    return output.numel() // output.shape[0] * w[1] * math.prod(w[2:])


def _linear_macs(module, inputs, output):
    return output.numel() // output.shape[0] * module.in_features


_MAC_RULES = [((nn.Conv1d, nn.Conv2d, nn.Conv3d), _conv_macs), ((nn.Linear,), _linear_macs)]


def measure(net: SpecNet, x: torch.Tensor) -> dict[str, Measured]:
    """Run ``x`` (batch 1) through ``net``; per node: output shape, parameters, state and MACs."""
    counts = {name: 0 for name in net.names}
    handles = []
    for name, module in net.node_modules().items():
        for sub in module.modules():
            for types, rule in _MAC_RULES:
                if isinstance(sub, types):
                    def hook(mod, inputs, output, name=name, rule=rule):
                        counts[name] += rule(mod, inputs, output)
                    handles.append(sub.register_forward_hook(hook))
    try:
        with torch.no_grad():
            outputs = net(x)
    finally:
        for handle in handles:
            handle.remove()
    result = {}
    for name, module in net.node_modules().items():
        params = list(module.parameters())
        state = sum(b.numel() for n, b in module.named_buffers()
                    if n.rsplit(".", 1)[-1] in ("running_mean", "running_var"))
        result[name] = Measured(shape=tuple(outputs[name].shape[1:]),
                                params=sum(p.numel() for p in params),
                                trainable=sum(p.numel() for p in params if p.requires_grad),
                                state=state, macs=counts[name])
    return result
