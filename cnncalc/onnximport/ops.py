"""ONNX operators → cnncalc spec entries, one mapping per operator (docs/onnx.md has the table).

Every activation tensor of the graph is held by one cnncalc node, with its layout: ``perm[i]`` is the axis
of the node's (channels-first, batch-first) shape that the tensor's axis ``i`` is. A Transpose only changes
the layout (no layer); operators that work along one axis (LayerNormalization, MatMul over the last axis,
Softmax, Concat, Split, element-wise ones) follow it, every other operator needs the channels-first layout.

An operator that cannot be mapped is collected (type, node names) and the whole model refused with the list:
no figure of it is ever counted as zero (docs/onnx.md, "What is refused"). Weights that disagree with an
operator's attributes are an error naming the node.
"""

from __future__ import annotations

import math

import os
from typing import Callable, Optional

from cnncalc.errors import Location, SpecError

TORCH_EPS = 1e-05           # ONNX's default epsilon of BatchNormalization/LayerNormalization, and cnncalc's


class Unmapped(Exception):
    """This node has no cnncalc counterpart; the reason says why."""


class Act:
    """An activation tensor: the cnncalc node that holds it and its layout (see the module docstring)."""
    __slots__ = ("node", "perm")

    def __init__(self, node: str, perm: tuple):
        self.node, self.perm = node, perm


def _identity(rank: int) -> tuple:
    return tuple(range(rank))


def attrs(node) -> dict:
    from onnx import helper
    values = {}
    for attribute in node.attribute:
        value = helper.get_attribute_value(attribute)
        values[attribute.name] = value.decode() if isinstance(value, bytes) else value
    return values


def _axes_value(values):
    """One int when every axis has the same value (the spec's short form), else the list."""
    values = [int(v) for v in values]
    return values[0] if len(set(values)) == 1 else values


def _padding(pairs) -> object:
    """The spec's padding form of (before, after) pairs: 0, an int, ints per axis, or pairs per axis."""
    if all(before == after for before, after in pairs):
        return _axes_value([before for before, _ in pairs])
    return [[int(before), int(after)] for before, after in pairs]


def _float(value) -> float:
    """A float32 attribute as the shortest decimal that is the same float32 (1e-05, not 9.99999974e-06)."""
    import numpy
    return float(str(numpy.float32(value)))


class Translator:
    def __init__(self, model):
        self.model = model
        self.acts: dict = {model.input: Act("input", _identity(len(model.input_shape) + 1))}
        self.entries: list = []
        self.used: set = {"input"}
        self.unmapped: dict = {}        # op type → [node names]
        self.unknown: set = set()       # tensors of unknown shape after an unmapped node (readers not reported)
        self.absorbed: set = set()      # nodes taken into a pattern (x·sigmoid(x), MatMul + bias)
        self.consumers: dict = {}
        for node in model.nodes:
            for name in node.input:
                self.consumers.setdefault(name, []).append(node)
        self.names = _names(model.nodes)

    # -- reading a node's inputs -----------------------------------------------------------------------
    def fail(self, node, message: str) -> SpecError:
        return SpecError(f"node '{node.name or node.output[0]}' ({node.op_type}): {message}",
                         Location(self.model.path))

    def act(self, node, i: int = 0, any_layout: bool = False) -> Act:
        name = node.input[i]
        if name not in self.acts:
            raise Unmapped(f"input {i} ('{name}') must be an activation of the network")
        act = self.acts[name]
        if not any_layout and act.perm != _identity(len(act.perm)):
            raise Unmapped(f"its input is in a transposed layout (axes {list(act.perm)}) that this operator "
                           f"cannot follow")
        return act

    def const(self, node, i: int, what: str = "weights"):
        """Input i as a numpy array; None when the optional input is absent."""
        if i >= len(node.input) or not node.input[i]:
            return None
        if node.input[i] not in self.model.consts:
            raise Unmapped(f"its {what} (input {i}, '{node.input[i]}') are not constant (an initializer)")
        return self.model.consts[node.input[i]]

    def shape(self, tensor: str) -> tuple:
        if tensor not in self.model.shapes:
            raise Unmapped(f"the shape of '{tensor}' cannot be inferred")
        return self.model.shapes[tensor]

    def only_reader(self, tensor: str):
        """The one node reading ``tensor``, unless more read it or it is the graph's output."""
        readers = self.consumers.get(tensor, [])
        return readers[0] if len(readers) == 1 and tensor != self.model.output else None

    # -- writing entries -------------------------------------------------------------------------------
    def emit(self, node, type_name: str, args: dict, inputs: list, perm: Optional[tuple] = None,
             name: Optional[str] = None, outputs: Optional[list] = None) -> str:
        name = self._unique(name or self.names[id(node)])
        self.entries.append({"name": name, "inputs": [a.node for a in inputs], "type": type_name, "args": args})
        for tensor in (outputs or node.output[:1]):
            rank = len(self.shape(tensor))
            self.acts[tensor] = Act(name, perm if perm is not None else _identity(rank))
        return name

    def alias(self, node, act: Act, perm: Optional[tuple] = None) -> None:
        self.acts[node.output[0]] = Act(act.node, act.perm if perm is None else perm)

    def _unique(self, name: str) -> str:
        candidate, n = name, 1
        while candidate in self.used:
            n += 1
            candidate = f"{name}_{n}"
        self.used.add(candidate)
        return candidate

    # -- the walk --------------------------------------------------------------------------------------
    def run(self) -> dict:
        for node in self.model.nodes:
            if id(node) in self.absorbed:
                continue
            if any(name in self.unknown for name in node.input):
                self.unknown.update(node.output)
                continue
            handler = HANDLERS.get(node.op_type if node.domain in ("", "ai.onnx") else "")
            try:
                if handler is None:
                    raise Unmapped("cnncalc has no mapping for this operator")
                handler(self, node)
            except Unmapped as why:
                op = node.op_type if node.domain in ("", "ai.onnx") else f"{node.domain}.{node.op_type}"
                self.unmapped.setdefault(op, []).append((node.name or node.output[0], str(why)))
                # the nodes after it are still mapped (so that every unmapped one is listed), from a stand-in
                for tensor in node.output:
                    if tensor in self.model.shapes:
                        self.acts[tensor] = Act("<unmapped>", _identity(len(self.model.shapes[tensor])))
                    else:
                        self.unknown.add(tensor)
        if self.unmapped:
            raise UnmappedError(self.unmapped, self.model.path)
        if self.model.output not in self.acts:
            raise SpecError(f"the graph's output '{self.model.output}' is a constant: the model does not "
                            f"depend on its input", Location(self.model.path))
        return self.document()

    def document(self) -> dict:
        output = self.acts[self.model.output].node
        layers, previous = [], "input"
        for entry in self.entries:
            item: dict = {"name": entry["name"]}
            sources = entry["inputs"]
            if sources != [previous]:
                item["from"] = sources[0] if len(sources) == 1 else sources
            item[entry["type"]] = entry["args"]
            layers.append(item)
            previous = entry["name"]
        if previous != output and not (output.startswith(previous + ".") and layers):
            layers.append({"name": self._unique("output"), "from": output, "identity": {}})
        stem = os.path.splitext(os.path.basename(self.model.path))[0] or "network"
        return {"name": stem,
                "description": f"Imported from {os.path.basename(self.model.path)} (ONNX opset {self.model.opset}) "
                               f"by `cnncalc import`.",
                "input": list(self.model.input_shape), "layers": layers}


class UnmappedError(SpecError):
    """Operators of the model that cnncalc cannot map: ``unmapped`` maps each operator type to its
    (node name, reason) pairs. The model is refused (exit 2): no figure of it would be honest."""

    def __init__(self, unmapped: dict, path: str):
        parts = []
        for op, where in sorted(unmapped.items()):
            names = [name for name, _ in where]
            shown = ", ".join(f"'{n}'" for n in names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
            parts.append(f"{op} ×{len(names)} ({where[0][1]}): {shown}")
        total = sum(len(v) for v in unmapped.values())
        super().__init__(f"{total} node{'s' if total != 1 else ''} cnncalc cannot map, so the model is not "
                         f"analysed (no figure of theirs may count as zero): " + "; ".join(parts),
                         Location(path))
        self.unmapped = unmapped


def _names(nodes) -> dict:
    """A spec name for every node, from its graph name: torch's '/layer1/layer1.0/conv1/Conv' is
    'layer1.0.conv1' (its module's path) when it is the only node of a leaf module, else 'layer1.0.conv1.Conv'."""
    import re
    paths: dict = {}
    for node in nodes:
        raw = node.name or (node.output[0] if node.output else node.op_type)
        split = [p for p in raw.strip("/").split("/") if p] or [node.op_type]
        split = [p for i, p in enumerate(split) if not (i + 1 < len(split) and split[i + 1].startswith(p + "."))]
        paths[id(node)] = tuple(re.sub(r"[^A-Za-z0-9_.:\-]", "_", p) for p in split)
    counts: dict = {}
    prefixes: set = set()
    for parts in paths.values():
        module = parts[:-1]
        counts[module] = counts.get(module, 0) + 1
        for j in range(1, len(module)):
            prefixes.add(module[:j])
    names = {}
    for key, parts in paths.items():
        module = parts[:-1]
        chosen = module if module and counts[module] == 1 and module not in prefixes else parts
        name = ".".join(chosen)
        names[key] = name + "_" if name in ("input",) else name
    return names


# ----------------------------------------------------------------------------- windows

def _window_padding(a: dict, sizes, kernel, strides, dilations) -> object:
    n = len(sizes)
    auto = a.get("auto_pad", "NOTSET")
    if auto == "VALID":
        return 0
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        if auto == "SAME_UPPER":
            return "same"         # cnncalc's 'same' is TensorFlow's rule: output ceil(n/s), the extra after
        pairs = []
        for size, k, s, d in zip(sizes, kernel, strides, dilations):
            total = max((-(-size // s) - 1) * s + d * (k - 1) + 1 - size, 0)
            pairs.append((total - total // 2, total // 2))
        return _padding(pairs)
    if auto != "NOTSET":
        raise Unmapped(f"auto_pad {auto}")
    pads = list(a.get("pads", [0] * 2 * n))
    return _padding(list(zip(pads[:n], pads[n:])))


def _window(t: Translator, node, kernel) -> tuple:
    a = attrs(node)
    shape = t.shape(node.input[0])
    n = len(shape) - 2
    if not 1 <= n <= 3:
        raise Unmapped(f"needs 1 to 3 spatial axes, input {list(shape)}")
    strides = list(a.get("strides", [1] * n))
    dilations = list(a.get("dilations", [1] * n))
    return a, shape, n, strides, dilations, _window_padding(a, shape[2:], kernel, strides, dilations)


def _window_args(args: dict, strides, dilations, padding, stride_default=1) -> dict:
    if strides != [stride_default] * len(strides):
        args["stride"] = _axes_value(strides)
    if padding != 0:
        args["padding"] = padding
    if dilations != [1] * len(dilations):
        args["dilation"] = _axes_value(dilations)
    return args


def _conv(t: Translator, node) -> None:
    x = t.act(node)
    weight = t.const(node, 1)
    shape = t.shape(node.input[0])
    if weight is None or weight.ndim != len(shape):
        raise t.fail(node, f"the weight must be a constant of rank {len(shape)}, got "
                           f"{None if weight is None else list(weight.shape)}")
    a = attrs(node)
    kernel = [int(k) for k in weight.shape[2:]]
    if list(a.get("kernel_shape", kernel)) != kernel:
        raise t.fail(node, f"kernel_shape {list(a['kernel_shape'])} disagrees with the weight {list(weight.shape)}")
    group = int(a.get("group", 1))
    out = int(weight.shape[0])
    if weight.shape[1] * group != shape[1] or out % group:
        raise t.fail(node, f"the weight {list(weight.shape)} does not fit {shape[1]} input channels in "
                           f"{group} group{'s' if group != 1 else ''}")
    _, _, _, strides, dilations, padding = _window(t, node, kernel)
    args = _window_args({"out": out, "kernel": _axes_value(kernel)}, strides, dilations, padding)
    if group != 1:
        args["groups"] = group
    _bias(t, node, out, args)
    t.emit(node, "conv", args, [x])


def _bias(t: Translator, node, out: int, args: dict) -> None:
    """A Conv's or ConvTranspose's optional bias (input 2): checked against ``out``; none → ``bias: false``."""
    bias = t.const(node, 2, "bias")
    if bias is not None and list(bias.shape) != [out]:
        raise t.fail(node, f"the bias {list(bias.shape)} must have {out} values")
    if bias is None:
        args["bias"] = False


def _conv_transpose(t: Translator, node) -> None:
    x = t.act(node)
    weight = t.const(node, 1)
    shape = t.shape(node.input[0])
    if weight is None or weight.ndim != len(shape):
        raise t.fail(node, f"the weight must be a constant of rank {len(shape)}")
    a = attrs(node)
    kernel = [int(k) for k in weight.shape[2:]]
    if list(a.get("kernel_shape", kernel)) != kernel:
        raise t.fail(node, f"kernel_shape {list(a['kernel_shape'])} disagrees with the weight {list(weight.shape)}")
    group = int(a.get("group", 1))
    if weight.shape[0] != shape[1] or shape[1] % group:
        raise t.fail(node, f"the weight {list(weight.shape)} does not fit {shape[1]} input channels in "
                           f"{group} group{'s' if group != 1 else ''}")
    out = int(weight.shape[1]) * group
    n = len(kernel)
    strides = list(a.get("strides", [1] * n))
    dilations = list(a.get("dilations", [1] * n))
    extra = list(a.get("output_padding", [0] * n))
    auto = a.get("auto_pad", "NOTSET")
    if "output_shape" in a or auto in ("SAME_UPPER", "SAME_LOWER"):
        wanted = list(a["output_shape"])[-n:] if "output_shape" in a else [size * s for size, s in zip(shape[2:], strides)]
        pairs = []
        for size, k, s, d, e, m in zip(shape[2:], kernel, strides, dilations, extra, wanted):
            total = s * (size - 1) + e + d * (k - 1) + 1 - m
            if total < 0:
                raise Unmapped(f"output_shape {wanted} is larger than the full scatter")
            pairs.append((total // 2, total - total // 2) if auto == "SAME_UPPER" else (total - total // 2, total // 2))
        padding = _padding(pairs)
    elif auto == "VALID":
        padding = 0
    elif auto == "NOTSET":
        pads = list(a.get("pads", [0] * 2 * n))
        padding = _padding(list(zip(pads[:n], pads[n:])))
    else:
        raise Unmapped(f"auto_pad {auto}")
    args = _window_args({"out": out, "kernel": _axes_value(kernel)}, strides, dilations, padding)
    if extra != [0] * n:
        args["output_padding"] = _axes_value(extra)
    if group != 1:
        args["groups"] = group
    _bias(t, node, out, args)
    t.emit(node, "conv_transpose", args, [x])


def _pool(type_name: str, dilation_ok: bool = True) -> Callable:
    def handle(t: Translator, node) -> None:
        x = t.act(node)
        if len(node.output) > 1 and node.output[1]:
            raise Unmapped("its indices output is used")
        a = attrs(node)
        kernel = [int(k) for k in a["kernel_shape"]]
        a, _, _, strides, dilations, padding = _window(t, node, kernel)
        if not dilation_ok and dilations != [1] * len(dilations):
            raise Unmapped("dilated average pooling")
        args: dict = {"kernel": _axes_value(kernel)}
        if strides != kernel:
            args["stride"] = _axes_value(strides)
        if padding != 0:
            args["padding"] = padding
        if dilations != [1] * len(dilations):
            args["dilation"] = _axes_value(dilations)
        if a.get("ceil_mode", 0):
            args["ceil_mode"] = True
        t.emit(node, type_name, args, [x])
    return handle


def _global(type_name: str) -> Callable:
    def handle(t: Translator, node) -> None:
        t.emit(node, type_name, {"keepdims": True}, [t.act(node)])
    return handle


def _reduce(type_name: str) -> Callable:
    """ReduceMean / ReduceMax over every spatial axis → the global pooling."""
    def handle(t: Translator, node) -> None:
        x = t.act(node)
        a = attrs(node)
        rank = len(t.shape(node.input[0]))
        axes = a.get("axes")
        if axes is None and len(node.input) > 1 and node.input[1]:
            axes = [int(v) for v in t.const(node, 1, "axes")]
        if axes is None or sorted(v % rank for v in axes) != list(range(2, rank)) or rank < 3:
            raise Unmapped(f"reduces axes {axes}; cnncalc maps a reduction over every spatial axis only")
        t.emit(node, type_name, {"keepdims": bool(a.get("keepdims", 1))}, [x])
    return handle


# ----------------------------------------------------------------------------- dense

def _gemm(t: Translator, node) -> None:
    x = t.act(node)
    a = attrs(node)
    if a.get("transA", 0):
        raise Unmapped("transA")
    if _float(a.get("alpha", 1.0)) != 1.0 or _float(a.get("beta", 1.0)) != 1.0:
        raise Unmapped("alpha or beta other than 1 (a scaled product)")
    weight = t.const(node, 1)
    if weight is None or weight.ndim != 2:
        raise t.fail(node, "the weight must be a constant matrix")
    features, out = (weight.shape[1], weight.shape[0]) if a.get("transB", 0) else weight.shape
    shape = t.shape(node.input[0])
    if len(shape) != 2 or shape[1] != features:
        raise t.fail(node, f"the weight {list(weight.shape)} does not fit the input {list(shape)}")
    bias = t.const(node, 2, "bias")
    if bias is not None and bias.size != out:
        raise Unmapped(f"a bias of shape {list(bias.shape)} (not one value per output)")
    args: dict = {"out": int(out)}
    if bias is None:
        args["bias"] = False
    t.emit(node, "dense", args, [x])


def _matmul(t: Translator, node) -> None:
    x = t.act(node, any_layout=True)
    weight = t.const(node, 1)
    if weight is None or weight.ndim != 2:
        raise Unmapped("a product with a second input that is not a constant matrix")
    shape = t.shape(node.input[0])
    if shape[-1] != weight.shape[0]:
        raise t.fail(node, f"the weight {list(weight.shape)} does not fit the input {list(shape)}")
    out = int(weight.shape[1])
    if len(shape) == 2 and x.perm == (0, 1):
        type_name = "dense"
    elif len(shape) > 2 and x.perm[-1] == 1:
        type_name = "linear"      # over the channel axis at every position (the channels-last layout of a Transpose)
    else:
        raise Unmapped(f"a product over the last axis of {list(shape)}, which is not the channel axis")
    args: dict = {"out": out}
    reader, outputs = t.only_reader(node.output[0]), None
    bias = None
    if reader is not None and reader.op_type == "Add":
        other = [name for name in reader.input if name != node.output[0]]
        if len(other) == 1 and other[0] in t.model.consts:
            value = t.model.consts[other[0]]
            if value.size == out and value.shape[-1:] == (out,):
                bias, outputs = value, [reader.output[0]]
                t.absorbed.add(id(reader))
    if bias is None:
        args["bias"] = False
    t.emit(node, type_name, args, [x], perm=x.perm, outputs=outputs)


# ----------------------------------------------------------------------------- normalisation

def _batchnorm(t: Translator, node) -> None:
    x = t.act(node)
    if any(name for name in node.output[1:]):
        raise Unmapped("its running statistics outputs are used (training mode)")
    channels = t.shape(node.input[0])[1]
    for i, what in ((1, "scale"), (2, "bias"), (3, "mean"), (4, "variance")):
        value = t.const(node, i, what)
        if value is None or list(value.shape) != [channels]:
            raise t.fail(node, f"its {what} must be {channels} constants, got "
                               f"{None if value is None else list(value.shape)}")
    eps = _float(attrs(node).get("epsilon", TORCH_EPS))
    t.emit(node, "batchnorm", {} if eps == TORCH_EPS else {"eps": eps}, [x])


def _layernorm(t: Translator, node) -> None:
    x = t.act(node, any_layout=True)
    shape = t.shape(node.input[0])
    a = attrs(node)
    axis = int(a.get("axis", -1)) % len(shape)
    if axis == len(shape) - 1 and x.perm[axis] == 1:
        over = "channels"
    elif axis == 1 and x.perm == _identity(len(shape)):
        over = "all"
    else:
        raise Unmapped(f"normalises from axis {axis} of {list(shape)}; cnncalc has the channel axis or all")
    if any(name for name in node.output[1:]):
        raise Unmapped("its mean or inverse deviation outputs are used")
    size = 1
    for n in shape[axis:]:
        size *= n
    scale, bias = t.const(node, 1, "scale"), t.const(node, 2, "bias")
    if scale is None or scale.size != size:
        raise t.fail(node, f"its scale must have {size} values")
    if bias is None:
        raise Unmapped("no bias (cnncalc's affine layernorm has a scale and a bias)")
    eps = _float(a.get("epsilon", TORCH_EPS))
    args: dict = {"over": over}
    if eps != TORCH_EPS:
        args["eps"] = eps
    t.emit(node, "layernorm", args, [x], perm=x.perm)


# ----------------------------------------------------------------------------- element-wise

def _unary(type_name: str, args_of: Optional[Callable] = None) -> Callable:
    def handle(t: Translator, node) -> None:
        x = t.act(node, any_layout=True)
        t.emit(node, type_name, args_of(attrs(node)) if args_of else {}, [x], perm=x.perm)
    return handle


def _gated(t: Translator, node, type_name: str) -> bool:
    """x·gate(x) as one layer (silu for a sigmoid gate, hardswish for a hard sigmoid), when the gate's only
    reader is that product."""
    reader = t.only_reader(node.output[0])
    if reader is None or reader.op_type != "Mul" or sorted(reader.input) != sorted([node.input[0], node.output[0]]):
        return False
    x = t.act(node, any_layout=True)
    t.absorbed.add(id(reader))
    t.emit(reader, type_name, {}, [x], perm=x.perm, outputs=[reader.output[0]])
    return True


def _sigmoid(t: Translator, node) -> None:
    if not _gated(t, node, "silu"):
        _unary("sigmoid")(t, node)


def _div(t: Translator, node) -> None:
    """GELU as exporters before opset 20 write it: x / √2 → Erf → + 1 → · x → · ½ (each step the only reader
    of the one before), one ``gelu``; any other division is not a layer cnncalc has."""
    steps = _erf_gelu(t, node)
    if steps is None:
        raise Unmapped("a division that is not GELU's x / √2 (Div → Erf → Add 1 → Mul x → Mul 0.5)")
    x = t.act(node, any_layout=True)
    t.absorbed.update(id(step) for step in steps)
    # named as its module (torch's '/block/act/Div' → 'block.act'), the five nodes and constants being its own
    module = t.names[id(node)].rsplit(".", 1)[0] if "." in t.names[id(node)] else None
    t.emit(node, "gelu", {}, [x], perm=x.perm, name=module, outputs=[steps[-1].output[0]])


def _erf_gelu(t: Translator, node) -> Optional[list]:
    """The Erf, Add, Mul, Mul nodes after ``node`` (a Div) when they are GELU's, else None."""
    x = node.input[0]
    if not _constant_is(t, node, 1, math.sqrt(2)):
        return None
    erf = t.only_reader(node.output[0])
    add = erf and erf.op_type == "Erf" and t.only_reader(erf.output[0])
    if not add or add.op_type != "Add" or not _other_constant_is(t, add, erf.output[0], 1.0):
        return None
    times_x = t.only_reader(add.output[0])
    if times_x is None or times_x.op_type != "Mul" or sorted(times_x.input) != sorted([x, add.output[0]]):
        return None
    half = t.only_reader(times_x.output[0])
    if half is None or half.op_type != "Mul" or not _other_constant_is(t, half, times_x.output[0], 0.5):
        return None
    return [erf, add, times_x, half]


def _constant_is(t: Translator, node, i: int, value: float) -> bool:
    if i >= len(node.input) or node.input[i] not in t.model.consts:
        return False
    array = t.model.consts[node.input[i]]
    return array.size == 1 and abs(float(array.reshape(-1)[0]) - value) <= 1e-6 * max(1.0, abs(value))


def _other_constant_is(t: Translator, node, tensor: str, value: float) -> bool:
    """``node`` has two inputs, ``tensor`` and a one-value constant equal to ``value``."""
    if len(node.input) != 2 or tensor not in node.input:
        return False
    return _constant_is(t, node, 1 - list(node.input).index(tensor), value)


def _hardsigmoid(t: Translator, node) -> None:
    a = attrs(node)
    if abs(_float(a.get("alpha", 0.2)) - 1 / 6) > 1e-6 or _float(a.get("beta", 0.5)) != 0.5:
        raise Unmapped("alpha and beta other than PyTorch's hardsigmoid (1/6, 0.5)")
    if not _gated(t, node, "hardswish"):
        _unary("hardsigmoid")(t, node)


def _clip(t: Translator, node) -> None:
    a = attrs(node)
    low, high = a.get("min"), a.get("max")
    if len(node.input) > 1:
        value = t.const(node, 1, "minimum")
        low = None if value is None else float(value)
    if len(node.input) > 2:
        value = t.const(node, 2, "maximum")
        high = None if value is None else float(value)
    if low == 0 and high == 6:
        _unary("relu6")(t, node)
    elif low == 0 and high is None:
        _unary("relu")(t, node)
    else:
        raise Unmapped(f"clips to [{low}, {high}]; cnncalc maps [0, 6] (relu6) and [0, ∞) (relu)")


def _softmax(t: Translator, node) -> None:
    x = t.act(node, any_layout=True)
    rank = len(t.shape(node.input[0]))
    axis = int(attrs(node).get("axis", -1 if t.model.opset >= 13 else 1)) % rank
    if x.perm[axis] != 1 or (t.model.opset < 13 and axis != rank - 1):
        raise Unmapped(f"softmax over axis {axis}, not the channel axis")
    t.emit(node, "softmax", {}, [x], perm=x.perm)


def _merge(type_name: str) -> Callable:
    def handle(t: Translator, node) -> None:
        if any(name in t.model.consts for name in node.input):
            if type_name == "mul" and len(node.input) == 2:
                return _scale(t, node)
            raise Unmapped(f"an operand is a constant; cnncalc maps {node.op_type} of activations")
        inputs = [t.act(node, i, any_layout=True) for i in range(len(node.input))]
        ranks = {len(t.shape(name)) for name in node.input}
        if len({a.perm for a in inputs}) != 1 or len(ranks) != 1:
            raise Unmapped("its operands differ in rank or layout")
        t.emit(node, type_name, {}, inputs, perm=inputs[0].perm)
    return handle


def _scale(t: Translator, node) -> None:
    """An activation times a constant with one value per channel (a layer scale) → scale."""
    i = 0 if node.input[0] in t.acts else 1
    x = t.act(node, i, any_layout=True)
    value = t.model.consts[node.input[1 - i]]
    shape = t.shape(node.input[i])
    sizes = [1] * (len(shape) - value.ndim) + list(value.shape)
    channel = x.perm.index(1)
    if len(sizes) != len(shape) or sizes[channel] != shape[channel] or \
            any(n != 1 for axis, n in enumerate(sizes) if axis != channel):
        raise Unmapped(f"multiplies by a constant of shape {list(value.shape)}; cnncalc maps one value per "
                       f"channel (scale)")
    t.emit(node, "scale", {}, [x], perm=x.perm)


# ----------------------------------------------------------------------------- structure

def _channel_axis(t: Translator, node, x: Act, axis: int) -> None:
    rank = len(x.perm)
    if x.perm[axis % rank] != 1:
        raise Unmapped(f"along axis {axis}, not the channel axis")


def _concat(t: Translator, node) -> None:
    if any(name in t.model.consts for name in node.input):
        raise Unmapped("an operand is a constant")
    inputs = [t.act(node, i, any_layout=True) for i in range(len(node.input))]
    if len({a.perm for a in inputs}) != 1:
        raise Unmapped("its operands differ in layout")
    _channel_axis(t, node, inputs[0], int(attrs(node)["axis"]))
    t.emit(node, "concat", {}, inputs, perm=inputs[0].perm)


def _split(t: Translator, node) -> None:
    x = t.act(node, any_layout=True)
    a = attrs(node)
    axis = int(a.get("axis", 0))
    _channel_axis(t, node, x, axis)
    sizes = [t.shape(name)[axis] for name in node.output]
    args = {"parts": len(sizes)} if len(set(sizes)) == 1 else {"sizes": sizes}
    name = t.emit(node, "split", args, [x], perm=x.perm, outputs=[])
    for i, tensor in enumerate(node.output):
        t.acts[tensor] = Act(f"{name}.{i}", x.perm)


def _reshape(t: Translator, node) -> None:
    x = t.act(node)
    before, after = t.shape(node.input[0]), t.shape(node.output[0])
    if after[0] != before[0]:
        if _channel_shuffle(t, node, x, before, after):
            return
        raise Unmapped(f"reshapes {list(before)} to {list(after)}, across the batch axis")
    if _channel_shuffle(t, node, x, before, after):
        return
    if after == before:
        return t.alias(node, x)
    if len(after) == 2 and len(before) > 2:
        t.emit(node, "flatten", {}, [x])
    else:
        t.emit(node, "reshape", {"shape": [int(n) for n in after[1:]]}, [x])


def _channel_shuffle(t: Translator, node, x: Act, before, after) -> bool:
    """Reshape [N, C, ...] → [N, g, C/g, ...], Transpose (0, 2, 1, ...), Reshape back: ShuffleNet's
    channel shuffle, one layer."""
    if len(after) != len(before) + 1 or after[0] != before[0] or after[1] * after[2] != before[1] or \
            list(after[3:]) != list(before[2:]):
        return False
    transpose = t.only_reader(node.output[0])
    if transpose is None or transpose.op_type != "Transpose":
        return False
    perm = list(attrs(transpose).get("perm", []))
    if perm != [0, 2, 1, *range(3, len(after))]:
        return False
    back = t.only_reader(transpose.output[0])
    if back is None or back.op_type not in ("Reshape", "Flatten") or \
            t.model.shapes.get(back.output[0]) != tuple(before):
        return False
    t.absorbed.update((id(transpose), id(back)))
    t.emit(back, "channel_shuffle", {"groups": int(after[1])}, [x], outputs=[back.output[0]])
    return True


def _flatten(t: Translator, node) -> None:
    x = t.act(node)
    shape = t.shape(node.input[0])
    if int(attrs(node).get("axis", 1)) % len(shape) != 1:
        raise Unmapped("flattens from an axis other than 1")
    if len(shape) == 2:
        return t.alias(node, x)
    t.emit(node, "flatten", {}, [x])


def _squeeze(t: Translator, node) -> None:
    x = t.act(node)
    before, after = t.shape(node.input[0]), t.shape(node.output[0])
    if not after or after[0] != before[0] or (len(before) > 1 and len(after) < 2):
        raise Unmapped(f"{list(before)} → {list(after)} changes the batch axis or leaves no channel axis")
    if len(after) == 2 and len(before) > 2:
        t.emit(node, "flatten", {}, [x])
    else:
        t.emit(node, "reshape", {"shape": [int(n) for n in after[1:]]}, [x])


def _transpose(t: Translator, node) -> None:
    x = t.act(node, any_layout=True)
    rank = len(x.perm)
    perm = [int(p) for p in attrs(node).get("perm", list(reversed(range(rank))))]
    if perm[0] != 0:
        raise Unmapped(f"moves the batch axis (perm {perm})")
    t.alias(node, x, tuple(x.perm[p] for p in perm))


def _passthrough(t: Translator, node) -> None:
    t.alias(node, t.act(node, any_layout=True))


def _dropout(t: Translator, node) -> None:
    x = t.act(node, any_layout=True)
    if len(node.output) > 1 and node.output[1] and node.output[1] in t.consumers:
        raise Unmapped("its mask output is used")
    rate = t.const(node, 1, "ratio") if len(node.input) > 1 else None
    rate = _float(rate) if rate is not None else _float(attrs(node).get("ratio", 0.5))
    t.emit(node, "dropout", {} if rate == 0.5 else {"rate": rate}, [x], perm=x.perm)


def _pad(t: Translator, node) -> None:
    x = t.act(node)
    a = attrs(node)
    shape = t.shape(node.input[0])
    rank = len(shape)
    pads = [int(v) for v in (t.const(node, 1, "pads") if len(node.input) > 1 and node.input[1]
                             else a.get("pads", [0] * 2 * rank))]
    if len(node.input) > 3 and node.input[3]:
        axes = [int(v) % rank for v in t.const(node, 3, "axes")]
        full = [0] * 2 * rank
        for j, axis in enumerate(axes):
            full[axis], full[rank + axis] = pads[j], pads[len(axes) + j]
        pads = full
    pairs = list(zip(pads[:rank], pads[rank:]))
    if any(p != (0, 0) for p in pairs[:2]) or any(v < 0 for v in pads):
        raise Unmapped("pads the batch or channel axis, or crops (negative pads)")
    mode = {"constant": "constant", "reflect": "reflect", "edge": "replicate"}.get(a.get("mode", "constant"))
    if mode is None:
        raise Unmapped(f"mode {a.get('mode')}")
    args: dict = {"padding": _padding(pairs[2:])}
    if mode != "constant":
        args["mode"] = mode
    value = t.const(node, 2, "value") if len(node.input) > 2 else None
    value = float(value) if value is not None and value.size else float(a.get("value", 0.0))
    if value != 0:
        args["value"] = value
    t.emit(node, "pad", args, [x])


def _slice_ranges(t: Translator, node) -> dict:
    """axis → (first, stop) of a Slice with step 1 on every axis it slices (Unmapped otherwise)."""
    before = t.shape(node.input[0])
    rank = len(before)
    starts = [int(v) for v in t.const(node, 1, "starts")]
    ends = [int(v) for v in t.const(node, 2, "ends")]
    axes = [int(v) % rank for v in t.const(node, 3, "axes")] if len(node.input) > 3 and node.input[3] \
        else list(range(len(starts)))
    steps = [int(v) for v in t.const(node, 4, "steps")] if len(node.input) > 4 and node.input[4] \
        else [1] * len(starts)
    ranges = {}
    for axis, start, end, step in zip(axes, starts, ends, steps):
        first, stop, _ = slice(start, end, step).indices(before[axis])
        if step != 1 or axis == 0:
            raise Unmapped(f"slices axis {axis} with step {step}; cnncalc maps step-1 crops of spatial axes and "
                           f"channel slices that together split the channels")
        if (first, max(stop, first)) != (0, before[axis]):
            ranges[axis] = (first, max(stop, first))
    return ranges


def _slice(t: Translator, node) -> None:
    x = t.act(node)
    before, after = t.shape(node.input[0]), t.shape(node.output[0])
    ranges = _slice_ranges(t, node)
    if 1 in ranges:
        return _channel_slices(t, node, x, ranges)
    if after == before:
        return t.alias(node, x)
    pairs = [(0, 0)] * len(before)
    for axis, (first, stop) in ranges.items():
        pairs[axis] = (first, before[axis] - stop)
    t.emit(node, "crop", {"amount": _padding(pairs[2:])}, [x])


def _channel_slices(t: Translator, node, x: Act, ranges: dict) -> None:
    """Slices of the channel axis alone (torch's ``chunk`` and ``split`` as ONNX Slices): every Slice of the
    same tensor that does the same, together covering each channel once, becomes one ``split``, each Slice
    one of its parts."""
    if len(ranges) != 1:
        raise Unmapped("slices the channel axis and a spatial axis at once")
    channels = t.shape(node.input[0])[1]
    group = []
    for reader in t.consumers.get(node.input[0], []):
        if reader.op_type != "Slice" or id(reader) in t.absorbed:
            continue
        try:
            theirs = _slice_ranges(t, reader)
        except Unmapped:
            continue
        if list(theirs) == [1]:
            group.append((theirs[1], reader))
    group.sort(key=lambda item: item[0])
    bounds = [r for r, _ in group]
    if not bounds or bounds[0][0] != 0 or bounds[-1][1] != channels or \
            any(a[1] != b[0] for a, b in zip(bounds, bounds[1:])):
        raise Unmapped(f"slices channels {ranges[1][0]}..{ranges[1][1]} of {channels}, and the channel slices of "
                       f"its input do not split the channels into parts (cnncalc has no channel crop)")
    sizes = [stop - first for first, stop in bounds]
    args = {"parts": len(sizes)} if len(set(sizes)) == 1 else {"sizes": sizes}
    name = t.emit(node, "split", args, [x], perm=x.perm, outputs=[])
    for i, (_, reader) in enumerate(group):
        t.acts[reader.output[0]] = Act(f"{name}.{i}", x.perm)
        t.absorbed.add(id(reader))


def _resize(t: Translator, node) -> None:
    x = t.act(node)
    before, after = t.shape(node.input[0]), t.shape(node.output[0])
    if after[:2] != before[:2]:
        raise Unmapped("resizes the batch or channel axis")
    a = attrs(node)
    ndim = len(before) - 2
    mode = a.get("mode", "nearest")
    if mode == "linear":
        mode = {1: "linear", 2: "bilinear", 3: "trilinear"}[ndim]
    elif mode != "nearest":
        raise Unmapped(f"mode {mode}")
    args: dict = {} if mode == "nearest" else {"mode": mode}
    if all(m % n == 0 for n, m in zip(before[2:], after[2:])):
        args["scale"] = _axes_value([m // n for n, m in zip(before[2:], after[2:])])
    else:
        args["size"] = _axes_value(after[2:])
    if mode != "nearest" and a.get("coordinate_transformation_mode") == "align_corners":
        args["align_corners"] = True
    t.emit(node, "upsample", args, [x])


def _lrn(t: Translator, node) -> None:
    a = attrs(node)
    args = {"size": int(a["size"]), "alpha": _float(a.get("alpha", 0.0001)), "beta": _float(a.get("beta", 0.75)),
            "k": _float(a.get("bias", 1.0))}
    t.emit(node, "lrn", args, [t.act(node)])


def _elu_args(a: dict) -> dict:
    alpha = _float(a.get("alpha", 1.0))
    return {} if alpha == 1.0 else {"alpha": alpha}


def _leaky_args(a: dict) -> dict:
    slope = _float(a.get("alpha", 0.01))
    return {} if slope == 0.01 else {"negative_slope": slope}


def _gelu_args(a: dict) -> dict:
    approximate = a.get("approximate", "none")
    return {} if approximate == "none" else {"approximate": approximate}


HANDLERS: dict[str, Callable] = {
    "Conv": _conv,
    "ConvTranspose": _conv_transpose,
    "Gemm": _gemm,
    "MatMul": _matmul,
    "BatchNormalization": _batchnorm,
    "LayerNormalization": _layernorm,
    "MaxPool": _pool("maxpool"),
    "AveragePool": _pool("avgpool"),
    "GlobalAveragePool": _global("global_avgpool"),
    "GlobalMaxPool": _global("global_maxpool"),
    "ReduceMean": _reduce("global_avgpool"),
    "ReduceMax": _reduce("global_maxpool"),
    "Relu": _unary("relu"),
    "LeakyRelu": _unary("leaky_relu", _leaky_args),
    "Elu": _unary("elu", _elu_args),
    "Sigmoid": _sigmoid,
    "HardSigmoid": _hardsigmoid,
    "HardSwish": _unary("hardswish"),
    "Tanh": _unary("tanh"),
    "Gelu": _unary("gelu", _gelu_args),
    "Div": _div,
    "Clip": _clip,
    "Softmax": _softmax,
    "Add": _merge("add"),
    "Sum": _merge("add"),
    "Mul": _merge("mul"),
    "Concat": _concat,
    "Split": _split,
    "Reshape": _reshape,
    "Flatten": _flatten,
    "Squeeze": _squeeze,
    "Unsqueeze": _squeeze,
    "Transpose": _transpose,
    "Identity": _passthrough,
    "Cast": _passthrough,
    "Dropout": _dropout,
    "Pad": _pad,
    "Slice": _slice,
    "Resize": _resize,
    "Upsample": _resize,
    "LRN": _lrn,
}


def translate(model) -> dict:
    """The spec document (a dict) of a loaded, folded :class:`cnncalc.onnximport.graph.Model`."""
    return Translator(model).run()
