"""The quick path of reading an ONNX model, without the ``onnx`` package: the protobuf decoded here
(:mod:`cnncalc.onnximport.slim`'s walk of the wire format) and the shapes propagated by the rules below, for
a graph made only of the operators they know (a plain CNN: Conv, pooling, BatchNormalization, activations,
Add, Concat, Flatten, Gemm, Reshape to a constant shape, ...). Importing onnx alone takes longer than
reading such a model this way (docs/performance.md, "Reading ONNX models").

Anything else, and anything irregular, is left to the full path (:mod:`cnncalc.onnximport.graph`, onnx's
own parser, shape inference and folding): an operator without a rule here, an attribute it does not read
(a subgraph, a tensor), a constant stored in typed fields, a shape the model declares that disagrees with
the one propagated, a missing input. :func:`load` then returns None and reports nothing, so every error
message is the full path's. tests/onnximport/test_light.py checks that each rule gives onnx's inferred
shapes.
"""

from __future__ import annotations

import mmap
import struct
from typing import Optional

from cnncalc.errors import Location, SpecError
from cnncalc.onnximport.slim import (SMALL_BYTES, TENSOR_DATA, TENSOR_DATA_LOCATION, TENSOR_DATA_TYPE,
                                     TENSOR_DIMS, TENSOR_EXTERNAL_DATA, TENSOR_NAME, Stub, WireError,
                                     _dims, _varint, element_count, fields)

RAW_DATA = 9
# ONNX element types → numpy's (a small constant of another type goes to the full path)
NUMPY_TYPES = {1: "<f4", 2: "u1", 3: "i1", 4: "<u2", 5: "<i2", 6: "<i4", 7: "<i8", 9: "?", 10: "<f2",
               11: "<f8", 12: "<u4", 13: "<u8"}


class Fallback(Exception):
    """Something the quick path does not read: the full path reads the model."""


class Node:
    """An ONNX node, as the handlers read it (the same names as onnx's NodeProto); ``values`` its
    attributes by name, decoded."""
    __slots__ = ("name", "op_type", "domain", "input", "output", "values")

    def __init__(self):
        self.name, self.op_type, self.domain = "", "", ""
        self.input: list = []
        self.output: list = []
        self.values: dict = {}


def _text(data, start: int, stop: int) -> str:
    return bytes(data[start:stop]).decode("utf-8")


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def _attribute(data, start: int, end: int) -> tuple:
    name, value = "", None
    ints: list = []
    floats: list = []
    for number, wire, _, at, stop in fields(data, start, end):
        if number == 1:
            name = _text(data, at, stop)
        elif number == 2:
            value = struct.unpack("<f", bytes(data[at:stop]))[0]
        elif number == 3:
            value = _signed(_varint(data, at, stop)[0])
        elif number == 4:
            value = _text(data, at, stop)
        elif number == 7:
            floats += struct.unpack(f"<{(stop - at) // 4}f", bytes(data[at:stop])) if wire == 2 else \
                struct.unpack("<f", bytes(data[at:stop]))
        elif number == 8:
            ints += [_signed(v) for v in _dims(data, wire, at, stop)]
        elif number in (5, 6, 9, 10, 11, 21):       # tensors, graphs, strings, references
            raise Fallback(f"attribute field {number}")
    if value is None:
        value = ints if ints else floats if floats else None
    return name, value


def _node(data, start: int, end: int) -> Node:
    node = Node()
    for number, _, _, at, stop in fields(data, start, end):
        if number == 1:
            node.input.append(_text(data, at, stop))
        elif number == 2:
            node.output.append(_text(data, at, stop))
        elif number == 3:
            node.name = _text(data, at, stop)
        elif number == 4:
            node.op_type = _text(data, at, stop)
        elif number == 5:
            name, value = _attribute(data, at, stop)
            node.values[name] = [] if value is None else value
        elif number == 7:
            node.domain = _text(data, at, stop)
    return node


def _value_info(data, start: int, end: int) -> tuple:
    """(name, dims or None): dims an int or the symbolic name of each axis."""
    name, dims = "", None
    for number, _, _, at, stop in fields(data, start, end):
        if number == 1:
            name = _text(data, at, stop)
        elif number == 2:
            for kind, _, _, t_at, t_stop in fields(data, at, stop):
                if kind != 1:
                    raise Fallback("not a tensor")
                for field, _, _, s_at, s_stop in fields(data, t_at, t_stop):
                    if field == 2:
                        dims = []
                        for _, _, _, d_at, d_stop in fields(data, s_at, s_stop):
                            dims.append(_dimension(data, d_at, d_stop))
    return name, dims


def _dimension(data, start: int, end: int):
    size: object = "?"
    for number, _, _, at, stop in fields(data, start, end):
        if number == 1:
            value = _signed(_varint(data, at, stop)[0])
            size = value if value > 0 else "?"
        elif number == 2:
            size = _text(data, at, stop) or "?"
    return size


def _tensor(data, start: int, end: int) -> tuple:
    """(name, numpy array or Stub)."""
    import numpy

    dims: list = []
    name, elem_type, raw, held, external = "", 0, None, 0, False
    for number, wire, _, at, stop in fields(data, start, end):
        if number == TENSOR_DIMS:
            dims += _dims(data, wire, at, stop)
        elif number == TENSOR_DATA_TYPE:
            elem_type = _varint(data, at, stop)[0]
        elif number == TENSOR_NAME:
            name = _text(data, at, stop)
        elif number == RAW_DATA:
            raw, held = (at, stop), held + stop - at
        elif number in TENSOR_DATA:
            held += stop - at
            raw = None if held else raw
        elif number in (TENSOR_EXTERNAL_DATA, TENSOR_DATA_LOCATION):
            external = True
    count = element_count(dims)
    if external or held > SMALL_BYTES or count > SMALL_BYTES:
        return name, Stub(tuple(dims), elem_type)
    dtype = NUMPY_TYPES.get(elem_type)
    if raw is None or held != raw[1] - raw[0] or dtype is None or \
            numpy.dtype(dtype).itemsize * count != raw[1] - raw[0]:
        raise Fallback(f"the constant '{name}' is not raw data of a plain type")
    return name, numpy.frombuffer(bytes(data[raw[0]:raw[1]]), dtype=dtype).reshape(dims)


class Graph:
    def __init__(self):
        self.nodes: list = []
        self.consts: dict = {}
        self.inputs: list = []        # (name, dims)
        self.outputs: list = []
        self.declared: dict = {}      # name → dims of value_info and outputs
        self.opset = 0


def decode(data) -> Graph:
    graph = Graph()
    for number, wire, _, at, stop in fields(data, 0, len(data)):
        if number == 8:
            domain, version = "", 0
            for field, _, _, o_at, o_stop in fields(data, at, stop):
                if field == 1:
                    domain = _text(data, o_at, o_stop)
                elif field == 2:
                    version = _varint(data, o_at, o_stop)[0]
            if domain in ("", "ai.onnx"):
                graph.opset = version
        elif number == 7:
            _graph(data, at, stop, graph)
        elif number in (25, 20):             # local functions, training information
            raise Fallback("functions")
    return graph


def _graph(data, start: int, end: int, graph: Graph) -> None:
    for number, _, _, at, stop in fields(data, start, end):
        if number == 1:
            graph.nodes.append(_node(data, at, stop))
        elif number == 5:
            name, value = _tensor(data, at, stop)
            graph.consts[name] = value
        elif number == 11:
            graph.inputs.append(_value_info(data, at, stop))
        elif number in (12, 13):
            name, dims = _value_info(data, at, stop)
            if number == 12:
                graph.outputs.append(name)
            if dims is not None:
                graph.declared[name] = dims
        elif number == 15:
            raise Fallback("sparse initializers")


def load(path: str, input_shape: Optional[tuple]):
    """The :class:`cnncalc.onnximport.graph.Model` of the model at ``path`` by the quick path, or None when
    the full path must read it."""
    from cnncalc.onnximport.graph import Model, input_sizes

    try:
        with open(path, "rb") as handle:
            if handle.seek(0, 2) == 0:
                return None
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
                graph = decode(data)
        inputs = [(name, dims) for name, dims in graph.inputs if name not in graph.consts]
        if len(inputs) != 1 or len(graph.outputs) != 1:
            return None
        (name, written), = inputs
        batch, sizes = input_sizes(name, written, input_shape, Location(path))
        shapes = {name: (batch, *sizes)}
        for key, value in graph.consts.items():
            shapes[key] = tuple(int(n) for n in value.shape)
        kept = []
        for node in graph.nodes:
            if all(name in graph.consts for name in node.input if name):
                # of constants only: an Identity (torch's alias of a shared weight) is its input; the
                # full path folds anything else
                if node.op_type != "Identity" or node.domain not in ("", "ai.onnx") or len(node.input) != 1:
                    raise Fallback(f"{node.op_type} of constants")
                graph.consts[node.output[0]] = graph.consts[node.input[0]]
                shapes[node.output[0]] = shapes[node.input[0]]
                continue
            infer(node, shapes, graph.consts, graph.opset)
            kept.append(node)
        for key, dims in graph.declared.items():
            if all(isinstance(d, int) for d in dims) and shapes.get(key) != tuple(dims):
                return None
    except (Fallback, WireError, SpecError, OSError, IndexError, UnicodeDecodeError, ValueError, struct.error):
        return None
    return Model(path=path, nodes=kept, consts=graph.consts, shapes=shapes, input=name,
                 output=graph.outputs[0], input_shape=tuple(sizes), opset=graph.opset)


# ----------------------------------------------------------------------------- the shape rules

def _same(node, shapes, consts, opset) -> list:
    return [shapes[node.input[0]]]


def _broadcast(node, shapes, consts, opset) -> list:
    ins = [shapes[name] for name in node.input]
    rank = max(len(s) for s in ins)
    out = []
    for axis in range(rank):
        sizes = {s[axis - rank + len(s)] for s in ins if axis - rank + len(s) >= 0} - {1}
        if len(sizes) > 1:
            raise Fallback("shapes do not broadcast")
        out.append(sizes.pop() if sizes else 1)
    return [tuple(out)]


def _window(node, shapes, kernel: list, a: dict, ceil: bool = False) -> list:
    shape = shapes[node.input[0]]
    n = len(kernel)
    strides = a.get("strides", [1] * n)
    dilations = a.get("dilations", [1] * n)
    pads = a.get("pads", [0] * 2 * n)
    auto = a.get("auto_pad", "NOTSET")
    if ceil or len(strides) != n or len(dilations) != n or len(pads) != 2 * n or len(shape) != n + 2 or \
            auto not in ("NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"):
        raise Fallback("window")
    out = []
    for size, k, s, d, before, after in zip(shape[2:], kernel, strides, dilations, pads[:n], pads[n:]):
        span = d * (k - 1) + 1
        if auto in ("SAME_UPPER", "SAME_LOWER"):
            out.append(-(-size // s))
        else:
            total = size - span + (before + after if auto == "NOTSET" else 0)
            if total < 0 or s < 1:
                raise Fallback("window larger than its input")
            out.append(total // s + 1)
    return out


def _conv(node, shapes, consts, opset) -> list:
    weight = consts.get(node.input[1])
    shape = shapes[node.input[0]]
    if weight is None or len(weight.shape) != len(shape) or len(node.input) > 3:
        raise Fallback("conv")
    a = node.values
    group = a.get("group", 1)
    if weight.shape[1] * group != shape[1] or weight.shape[0] % group or \
            list(a.get("kernel_shape", weight.shape[2:])) != list(weight.shape[2:]):
        raise Fallback("conv")
    if len(node.input) == 3 and node.input[2] and tuple(shapes.get(node.input[2], ())) != (weight.shape[0],):
        raise Fallback("conv bias")
    return [(shape[0], int(weight.shape[0]), *_window(node, shapes, list(weight.shape[2:]), a))]


def _pool(node, shapes, consts, opset) -> list:
    a = node.values
    if len(node.output) > 1 or "kernel_shape" not in a:
        raise Fallback("pool")
    shape = shapes[node.input[0]]
    return [(*shape[:2], *_window(node, shapes, list(a["kernel_shape"]), a, ceil=bool(a.get("ceil_mode", 0))))]


def _global(node, shapes, consts, opset) -> list:
    shape = shapes[node.input[0]]
    return [(*shape[:2], *[1] * (len(shape) - 2))]


def _flatten(node, shapes, consts, opset) -> list:
    shape = shapes[node.input[0]]
    axis = node.values.get("axis", 1)
    axis = axis + len(shape) if axis < 0 else axis          # ONNX: −r ≤ axis ≤ r
    return [(element_count(shape[:axis]), element_count(shape[axis:]))]


def _gemm(node, shapes, consts, opset) -> list:
    a, b = shapes[node.input[0]], shapes[node.input[1]]
    if len(a) != 2 or len(b) != 2:
        raise Fallback("gemm")
    m, k = a[::-1] if node.values.get("transA", 0) else a
    k2, n = b[::-1] if node.values.get("transB", 0) else b
    if k != k2 or (len(node.input) > 2 and node.input[2] and
                   _broadcast_to(shapes[node.input[2]], (m, n)) is None):
        raise Fallback("gemm")
    return [(m, n)]


def _broadcast_to(shape, target):
    if len(shape) > len(target) or any(s not in (1, t) for s, t in zip(shape[::-1], target[::-1])):
        return None
    return target


def _reshape(node, shapes, consts, opset) -> list:
    target = consts.get(node.input[1])
    if target is None or isinstance(target, Stub) or node.values.get("allowzero", 0):
        raise Fallback("reshape")
    shape = shapes[node.input[0]]
    out = [shape[i] if int(v) == 0 else int(v) for i, v in enumerate(target.reshape(-1))]
    if out.count(-1) > 1 or any(v < -1 for v in out):
        raise Fallback("reshape")
    total = element_count(shape)
    if -1 in out:
        rest = element_count([v for v in out if v != -1])
        if rest == 0 or total % rest:
            raise Fallback("reshape")
        out[out.index(-1)] = total // rest
    if element_count(out) != total:
        raise Fallback("reshape")
    return [tuple(out)]


def _concat(node, shapes, consts, opset) -> list:
    ins = [shapes[name] for name in node.input]
    rank = len(ins[0])
    axis = node.values["axis"] % rank
    if any(len(s) != rank or any(s[i] != ins[0][i] for i in range(rank) if i != axis) for s in ins):
        raise Fallback("concat")
    return [tuple(sum(s[axis] for s in ins) if i == axis else n for i, n in enumerate(ins[0]))]


def _dropout(node, shapes, consts, opset) -> list:
    if len(node.output) > 1 and node.output[1]:
        raise Fallback("dropout mask")
    return [shapes[node.input[0]]]


def _batchnorm(node, shapes, consts, opset) -> list:
    shape = shapes[node.input[0]]
    if any(name for name in node.output[1:]) or \
            any(tuple(shapes[name]) != (shape[1],) for name in node.input[1:5]):
        raise Fallback("batchnorm")
    return [shape]


RULES = {"Relu": _same, "Sigmoid": _same, "Tanh": _same, "LeakyRelu": _same, "HardSigmoid": _same,
         "HardSwish": _same, "Identity": _same, "Clip": _same, "Elu": _same, "Softplus": _same,
         "Add": _broadcast, "Mul": _broadcast, "Sum": _broadcast, "Sub": _broadcast,
         "Div": _broadcast, "Pow": _broadcast, "Sqrt": _same, "Conv": _conv, "MaxPool": _pool,
         "AveragePool": _pool, "GlobalAveragePool": _global, "GlobalMaxPool": _global, "Flatten": _flatten,
         "Gemm": _gemm, "Reshape": _reshape, "Concat": _concat, "Dropout": _dropout,
         "BatchNormalization": _batchnorm}


def infer(node: Node, shapes: dict, consts: dict, opset: int) -> None:
    """The shapes of ``node``'s outputs into ``shapes`` (Fallback for an operator or a form without a rule)."""
    rule = RULES.get(node.op_type)
    if rule is None or node.domain not in ("", "ai.onnx") or not node.input or \
            any(name and name not in shapes for name in node.input) or not node.output:
        raise Fallback(node.op_type)
    for name, shape in zip(node.output, rule(node, shapes, consts, opset)):
        shapes[name] = tuple(int(n) for n in shape)
