"""Spec → torch.nn for the parity tests: the network is the product's own generated code
(``cnncalc export --to pytorch``, cnncalc.export.export_pytorch), executed here; this file never writes a
torch module itself. What is compared stays independent of cnncalc's arithmetic: :func:`measure` counts from
the torch modules alone: parameters and buffers as torch holds them, MACs from forward hooks on every
convolution, transposed convolution, linear, locally connected / tiled and NetVLAD module, each by a rule
written beside it (``_MAC_RULES``), and from every product of two activations the generated forward computes
(``ProductCounter``), and every layer's output shape as torch computes it (the generated run read by
cnncalc.export.tracing.trace_outputs). Each spec node is mapped to the modules that compute it by ``Export.modules``.
Everything works on the meta device too, so a network too large to execute is still measured by torch.

A layer the export cannot express exactly is refused by ``export_pytorch`` (a SpecError naming the layer),
so a parity test reports it instead of skipping it.
"""

from __future__ import annotations

import ast
import itertools
import math
import sys
from dataclasses import dataclass

import torch
from torch import nn

from cnncalc.export import export_pytorch
from cnncalc.export.tracing import trace_outputs

# ----------------------------------------------------------------------------- padding, by definition
# (oracles of the property tests: test_layer_props, test_transpose_props)

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


class Crop(nn.Module):
    """Drop (before, after) positions from each spatial axis (a transposed convolution's asymmetric padding,
    crop's amount), or centred to like's spatial size (before = (n−m)//2, docs/spec.md), read for its shape."""

    def __init__(self, pairs):
        super().__init__()
        self.pairs = None if pairs is None else tuple(pairs)

    def forward(self, x, *like):
        spatial = x.shape[2:]
        pairs = self.pairs or [((n - m) // 2, n - m - (n - m) // 2) for n, m in zip(spatial, like[0].shape[2:])]
        index = [slice(None), slice(None)]
        for n, (before, after) in zip(spatial, pairs):
            index.append(slice(before, max(n - after, 0)))     # never a negative (wrapping) end
        return x[tuple(index)]


def transposed_crop(padding, sizes, kernels, strides, dilations):
    """((before, after), ...) cropped from the full scatter, per spatial axis (docs/spec.md): valid crops
    nothing; an int, per-axis ints or pairs crop what they say (PyTorch's padding); Keras's 'same' makes the
    output n·s: the full scatter (n−1)·s + d·(k−1) + 1 less n·s, the smaller half before."""
    ndim = len(sizes)
    if padding == "same":
        pairs = []
        for n, k, s, d in zip(sizes, kernels, strides, dilations):
            total = (n - 1) * s + d * (k - 1) + 1 - n * s
            if total < 0:
                raise ValueError(f"'same': the full scatter of {n} inputs is shorter than {n}·{s}")
            pairs.append((total // 2, total - total // 2))
        return tuple(pairs)
    if padding == "valid":
        return ((0, 0),) * ndim
    return tuple(item if isinstance(item, (tuple, list)) else (item, item) for item in _per_axis(padding, ndim))




# ----------------------------------------------------------------------------- the network

_BUILDS = itertools.count()


class SpecNet(nn.Module):
    """The generated network; forward returns every node's output by node name (the generated trace)."""

    def __init__(self, net: nn.Module, export, names: list, inputs: dict, filename: str):
        super().__init__()
        self.net = net
        self.export = export
        self.names = names              # every node, each after its inputs
        self.inputs = inputs
        self.filename = filename        # the generated source's name in tracebacks and frames

    def forward(self, x):
        return trace_outputs(self.net, self.export, x)

    def node_modules(self) -> dict:
        """Per node, a container of the modules (or the nn.Parameter of a scale) that compute it: its
        ``parameters()``, ``buffers()`` and ``modules()`` are those of the generated network."""
        found = {}
        for name in self.names:
            modules, params = [], []
            for path in self.export.modules.get(name, ()):
                try:
                    modules.append(self.net.get_submodule(path))
                except AttributeError:
                    params.append(self.net.get_parameter(path))
            holder = nn.ModuleList(modules)
            for i, p in enumerate(params):
                holder.register_parameter(f"p{i}", p)
            found[name] = holder
        return found

    def param_prefix(self, name: str) -> str:
        """The prefix of ``name``'s (first) module's parameters in ``named_parameters()``."""
        return f"net.{self.export.modules[name][0]}."


def build(spec, device="meta") -> SpecNet:
    """The torch network of a cnncalc Spec: ``export_pytorch(spec).text`` executed in a fresh namespace and
    its class instantiated under ``torch.device(device)`` (on the meta device nothing is allocated), in
    inference mode (dropout off, BatchNorm on running statistics)."""
    export = export_pytorch(spec)
    filename = f"<cnncalc export {next(_BUILDS)}>"
    namespace: dict = {"__name__": "cnncalc_export_parity"}
    exec(compile(export.text, filename, "exec", dont_inherit=True), namespace)
    with torch.device(device):
        net = namespace[export.class_name]()
    order = [node.name for node in spec.graph.topological_order()]
    result = SpecNet(net, export, order, {name: spec.graph.nodes[name].inputs for name in order}, filename)
    result.namespace = namespace
    return result.eval()


# ----------------------------------------------------------------------------- which node runs

class NodeTracker:
    """While active, ``running`` is the spec node whose line of the generated forward is executing: every
    statement ``var = expr`` of a generated forward computes the node(s) ``Export.variables`` names ``var``
    in its class (read from the source with ast), inside the instance ``Export.prefixes`` names by the
    module's attribute path; a layer inside an nn.Sequential (``Export.hooked``) by its module's forward
    pre-hook."""

    def __init__(self, net: SpecNet):
        self.filename = net.filename
        self.lines: dict = {}        # (class name, line number) → the local node name computed there
        self.paths = {id(module): path for path, module in net.net.named_modules()}
        self.prefixes = net.export.prefixes
        # a layer inside an nn.Sequential has no line of its own: its module's forward pre-hook names it
        self.hooked = [(name, net.net.get_submodule(path)) for name, path in net.export.hooked.items()]
        self.handles: list = []
        self.running = None
        for cls in ast.parse(net.export.text).body:
            if not isinstance(cls, ast.ClassDef) or cls.name not in net.export.variables:
                continue
            for fn in cls.body:
                if isinstance(fn, ast.FunctionDef) and fn.name == "forward":
                    self._read(fn, net.export.variables[cls.name])

    def _read(self, fn, local_of: dict) -> None:
        for stmt in fn.body:
            if isinstance(stmt, ast.Assign):
                target = stmt.targets[0]
                names = [e.id for e in target.elts] if isinstance(target, ast.Tuple) else [target.id]
                locals_ = [local_of[n] for n in names if n in local_of]
                if locals_ and len(names) == len(locals_):
                    for line in range(stmt.lineno, stmt.end_lineno + 1):
                        self.lines[line] = locals_[0]

    def _local(self, frame, event, arg):
        if event == "line" and frame.f_lineno in self.lines:
            prefix = self.prefixes.get(self.paths.get(id(frame.f_locals.get("self")), ""), "")
            self.running = (prefix + "." if prefix else "") + self.lines[frame.f_lineno]
        return self._local

    def _global(self, frame, event, arg):
        return self._local if frame.f_code.co_filename == self.filename else None

    def __enter__(self):
        self._previous = sys.gettrace()
        sys.settrace(self._global)
        for name, module in self.hooked:
            self.handles.append(module.register_forward_pre_hook(self._runs(name)))
        return self

    def _runs(self, name):
        def pre_hook(module, inputs):
            self.running = name
        return pre_hook

    def __exit__(self, *exc):
        sys.settrace(self._previous)
        for handle in self.handles:
            handle.remove()
        self.handles = []


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


def _conv_transpose_macs(module, inputs, output):
    # docs/conventions.md counts a transposed convolution per INPUT element: each one is multiplied by every
    # weight it meets, (C_out / groups) · prod(kernel) of them (weight is [C_in, C_out / groups, *kernel]),
    # and the products are scattered; taps that land in the cropped border count, as torch computes them
    w = module.weight.shape
    return inputs[0].numel() // inputs[0].shape[0] * w[1] * math.prod(w[2:])


def _unshared_macs(module, inputs, output):
    # locally connected / tiled (docs/conventions.md: "as a convolution"): every output element multiplies
    # its window's C_in · prod(kernel) taps by one weight each; weight is [sets, C_out, C_in · prod(kernel)]
    return output.numel() // output.shape[0] * module.weight.shape[2]


def _netvlad_aggregation_macs(module, inputs, output):
    # the residual aggregation Σ_i a_k(x_i)·x_i(j): one multiply-accumulate per (position i, channel j,
    # cluster k), N·D input elements times K centres (docs/conventions.md); the soft-assignment, a 1×1
    # convolution D → K, is counted by the Conv1d rule inside the module (N·K·D)
    return inputs[0].numel() // inputs[0].shape[0] * module.centres.shape[0]


def _blur_macs(module, inputs, output):
    # a depthwise convolution by the fixed filter (its buffer [C, 1, *kernel]): every output element one
    # multiply-accumulate per tap, as torch's FlopCounterMode counts the F.conv2d it runs
    return output.numel() // output.shape[0] * math.prod(module.filt.shape[2:])


def _std_conv_macs(module, inputs, output):
    # the convolution of its standardised weight (module.conv holds the raw one, of the same shape); the
    # standardisation reads the weights only and is no multiply-accumulate of the input
    return _conv_macs(module.conv, inputs, output)


# torch's own module types, and the generated file's own modules by class name (each build defines them anew)
_MAC_RULES = [((nn.Conv1d, nn.Conv2d, nn.Conv3d), _conv_macs), ((nn.Linear,), _linear_macs),
              ((nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d), _conv_transpose_macs),
              ("Unshared", _unshared_macs), ("NetVLAD", _netvlad_aggregation_macs), ("BlurPool", _blur_macs),
              ("StdConv", _std_conv_macs)]


def _rule_for(module):
    for kind, rule in _MAC_RULES:
        if isinstance(kind, str) and type(module).__name__ == kind or \
                not isinstance(kind, str) and isinstance(module, kind):
            return rule
    return None




class ProductCounter(torch.overrides.TorchFunctionMode):
    """While active, counts the multiply-accumulates of every ``torch.matmul`` (or ``@``) that a line of the
    generated forward calls itself, a product of two activations (no module, so no hook sees it): per
    example, ``output elements / batch · K`` for operands [B, …, M, K] and [B, …, K, N] (each output element
    is one dot product of K terms). Products inside a module (a helper's forward) are not at such a line and
    are left to the module's own hook rule."""

    FUNCS = (torch.matmul, torch.Tensor.matmul, torch.Tensor.__matmul__)

    def __init__(self, net: SpecNet, counts: dict):
        super().__init__()
        self.tracker = NodeTracker(net)
        self.counts = counts

    def __enter__(self):
        self.tracker.__enter__()            # it names the node whose line of a generated forward is running
        return super().__enter__()

    def __exit__(self, *exc):
        super().__exit__(*exc)
        self.tracker.__exit__(*exc)

    def __torch_function__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        if func in self.FUNCS:
            frame = sys._getframe(1)            # through torch's own Python wrappers (Tensor.__matmul__'s)
            while frame is not None and frame.f_code.co_filename.startswith(torch.__path__[0]):
                frame = frame.f_back
            if frame is not None and frame.f_code.co_filename == self.tracker.filename \
                    and frame.f_lineno in self.tracker.lines and self.tracker.running is not None:
                self.counts[self.tracker.running] += out.numel() // out.shape[0] * args[0].shape[-1]
        return out


def measure(net: SpecNet, x: torch.Tensor) -> dict[str, Measured]:
    """Run ``x`` (batch 1) through ``net``; per node: output shape, parameters, state and MACs. A module
    that several nodes run (tied weights, 'share:') is hooked once; its k-th call counts for the k-th of
    those nodes in the order the generated forward runs them."""
    counts = {name: 0 for name in net.names}
    node_modules = net.node_modules()
    users: dict = {}             # id(module) → (the nodes that run it, in order)
    rules: dict = {}
    for name in net.export.modules:            # written (= run) order within each block's forward
        for sub in node_modules[name].modules():
            rule = _rule_for(sub)
            if rule is not None:
                users.setdefault(id(sub), []).append(name)
                rules[id(sub)] = (sub, rule)
    calls = {key: 0 for key in users}
    handles = []
    for key, (sub, rule) in rules.items():
        def hook(mod, inputs, output, rule=rule, key=key):
            nodes = users[key]
            counts[nodes[calls[key] % len(nodes)]] += rule(mod, inputs, output)
            calls[key] += 1
        handles.append(sub.register_forward_hook(hook))
    try:
        with torch.no_grad(), ProductCounter(net, counts):
            outputs = net(x)
    finally:
        for handle in handles:
            handle.remove()
    return figures_of(net.names, node_modules, outputs, counts)


def figures_of(names, node_modules: dict, outputs: dict, counts: dict) -> dict[str, Measured]:
    """Each node's Measured from its torch module, its output and its MACs counted by the hooks."""
    result = {}
    seen: set = set()        # a reused module's parameters and buffers count at the first node that runs it
    for name in names:
        module = node_modules[name]
        params = [p for p in module.parameters() if id(p) not in seen]
        state = sum(b.numel() for n, b in module.named_buffers()
                    if n.rsplit(".", 1)[-1] in ("running_mean", "running_var") and id(b) not in seen)
        seen.update(id(t) for t in (*module.parameters(), *module.buffers()))
        result[name] = Measured(shape=tuple(outputs[name].shape[1:]),
                                params=sum(p.numel() for p in params),
                                trainable=sum(p.numel() for p in params if p.requires_grad),
                                state=state, macs=counts[name])
    return result
