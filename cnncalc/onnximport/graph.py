"""An ONNX model made ready to map: loaded, its input shape fixed, every tensor's shape inferred, and every
value that does not depend on the input's data folded to a constant (numpy).

Folding covers the shape-computing subgraphs of exports (Shape → Gather → Unsqueeze → Concat → Reshape,
Constant, Cast, ConstantOfShape, ...): a node whose inputs are all constants is evaluated by onnx's own
reference implementation of its operator, and ``Shape``/``Size`` of an activation read its inferred shape.
Folded values are written back as initializers and the shapes inferred again, until nothing changes, so a
Reshape whose target was computed from shapes gets its output shape too.
"""

from __future__ import annotations

from typing import Optional

from cnncalc.errors import Location, SpecError
from cnncalc.onnximport import EXTRA_HINT
from cnncalc.record import field, record


@record
class Model:
    """What the mapping needs: the nodes not folded, constants, shapes (batch axis included), the graph's
    input and output tensor names."""
    path: str
    nodes: list           # onnx NodeProto, topological order, folded ones removed
    consts: dict          # tensor name → numpy array
    shapes: dict          # tensor name → tuple of ints (batch axis first); missing when unknown
    input: str
    output: str
    input_shape: tuple    # without the batch axis
    opset: int
    # a constant computed from others by folding → the node that computed it (:func:`fold`); the other
    # constants are the file's initializers. What a weight was computed from: :func:`learned`
    computed: dict = field(default_factory=dict)


def learned(model: Model, tensor: str) -> bool:
    """Whether the constant ``tensor`` holds values of the file's initializers (learned weights, as torch
    exports its parameters and buffers), through the nodes folding computed it; a Constant node's values,
    or a shape, are not."""
    seen: set = set()
    todo = [tensor]
    while todo:
        name = todo.pop()
        if name in seen or not name:
            continue
        seen.add(name)
        node = model.computed.get(name)
        if node is None:
            if name in model.consts:
                return True
            continue
        todo.extend(name for i, name in enumerate(node.input) if i in _VALUE_INPUTS.get(node.op_type, range(len(node.input))))
    return False


# the inputs whose values an operator's output holds, where not all do: the others give a shape or a type
_VALUE_INPUTS = {"Shape": (), "Size": (), "ConstantOfShape": (), "CastLike": (0,), "Expand": (0,), "Reshape": (0,),
                 "Tile": (0,), "Slice": (0,), "Squeeze": (0,), "Unsqueeze": (0,), "Gather": (0,), "Pad": (0, 2)}


def _onnx(here: Location):
    try:
        import onnx
    except ImportError:
        raise SpecError(EXTRA_HINT, here) from None
    return onnx


def load(path: str, input_shape: Optional[tuple] = None) -> Model:
    """The model at ``path`` made ready to map: by the quick path (:mod:`cnncalc.onnximport.light`, without
    importing onnx) when it reads it, else by onnx (its parser, shape inference and folding)."""
    here = Location(path)
    from importlib.util import find_spec
    try:
        installed = find_spec("onnx") is not None
    except ImportError:
        installed = False
    if not installed:
        raise SpecError(EXTRA_HINT, here)
    from cnncalc.onnximport import light
    quick = light.load(path, input_shape)
    if quick is not None:
        return quick
    onnx = _onnx(here)
    from cnncalc.onnximport import slim
    try:
        data, stubs = slim.read(path)
        model = onnx.ModelProto.FromString(data)
    except FileNotFoundError:
        raise SpecError("no such file", here) from None
    except OSError as err:
        raise SpecError(f"cannot read the file: {err.strerror or err}", here) from None
    except Exception as err:      # slim's WireError, protobuf's DecodeError and kin: not an ONNX model
        raise SpecError(f"not an ONNX model ({type(err).__name__}: {err})", here) from None
    graph = model.graph
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)
    initializers = {t.name for t in graph.initializer}
    inputs = [v for v in graph.input if v.name not in initializers]
    if len(inputs) != 1:
        raise SpecError(f"cnncalc analyses a network with one input; this model has {len(inputs)}"
                        f"{': ' + ', '.join(v.name for v in inputs) if inputs else ''}", here)
    if len(graph.output) != 1:
        raise SpecError(f"cnncalc analyses a network with one output; this model has {len(graph.output)}: "
                        f"{', '.join(v.name for v in graph.output)}", here)
    shape = _fix_input(inputs[0], input_shape, here)
    return fold(onnx, model, stubs, path, inputs[0].name, graph.output[0].name, shape, opset, here)


def _fix_input(value, input_shape: Optional[tuple], here: Location) -> tuple:
    """Set the graph input's dimensions: the batch axis to 1 unless fixed, the rest from ``--input`` or the
    model (:func:`input_sizes`)."""
    tensor = value.type.tensor_type
    written = [d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else (d.dim_param or "?")
               for d in tensor.shape.dim] if tensor.HasField("shape") else None
    batch, sizes = input_sizes(value.name, written, input_shape, here)
    for d, size in zip(tensor.shape.dim, [batch, *sizes]):
        d.Clear()
        d.dim_value = size
    return tuple(sizes)


def input_sizes(name: str, written: Optional[list], input_shape: Optional[tuple], here: Location) -> tuple:
    """(the batch size, the other sizes) of the graph input ``name`` whose dimensions are ``written`` (ints,
    or the names of symbolic ones; None without a shape): the batch 1 unless fixed, the rest from ``--input``
    or the model; a symbolic dimension other than the batch needs ``--input``."""
    if written is None or len(written) < 2:
        raise SpecError(f"the input '{name}' needs a shape with a batch axis and channels "
                        f"(got rank {len(written or [])})", here)
    if input_shape is not None:
        if len(input_shape) != len(written) - 1:
            raise SpecError(f"--input has {len(input_shape)} sizes; the model's input '{name}' "
                            f"{_show(written)} has {len(written) - 1} besides the batch axis", here)
        sizes = list(input_shape)
    else:
        symbolic = [str(d) for d in written[1:] if not isinstance(d, int)]
        if symbolic:
            raise SpecError(f"the model's input '{name}' {_show(written)} has symbolic sizes "
                            f"({', '.join(symbolic)}); give them with --input (without the batch axis), "
                            f"e.g. --input {','.join(str(d) if isinstance(d, int) else 'N' for d in written[1:])}",
                            here)
        sizes = list(written[1:])
    return (written[0] if isinstance(written[0], int) else 1), sizes


def _show(dims: list) -> str:
    return "[" + ", ".join(map(str, dims)) + "]"


FOLD_ROUNDS = 32
# the most elements of a value folding computes (1 MiB of float32: Swin's attention mask [64, 49, 49] is 153,664)
FOLD_ELEMENTS = 1 << 18


# the nodes fold() takes, as docs/onnx.md's table shows them (its row's text is fold's docstring)
FOLDED = ("Constant, Shape, Size, Gather, Unsqueeze, Concat, Cast, CastLike, ConstantOfShape, Range, … on values that do not "
          "depend on the input's data")


def fold(onnx, model, stubs, path, input_name, output_name, input_shape, opset, here) -> Model:
    """folded: evaluated with onnx's reference implementation, shapes from ONNX shape inference; not layers

    The :class:`Model` of the loaded ``model``, every node whose outputs do not depend on the input's data
    evaluated (:func:`_evaluate`) and its values made constants, ONNX shape inference run again after each
    round, until a round folds nothing (at most ``FOLD_ROUNDS``). The weights left in the file
    (``stubs``, :mod:`cnncalc.onnximport.slim`) are constants of known shape without values: a node of them
    gives stubs of its inferred shapes, as does one whose output would be larger than ``FOLD_ELEMENTS``."""
    from onnx import numpy_helper

    consts: dict = {}
    for tensor in model.graph.initializer:
        if tensor.name in stubs:
            consts[tensor.name] = stubs[tensor.name]
            continue
        try:
            consts[tensor.name] = numpy_helper.to_array(tensor)
        except Exception as err:      # data that disagrees with its dims or type: the user's model
            raise SpecError(f"the initializer '{tensor.name}' cannot be read: {type(err).__name__}: {err}",
                            here) from None
    nodes = list(model.graph.node)
    shapes: dict = {}
    computed: dict = {}
    for _ in range(FOLD_ROUNDS):
        shapes, types = _infer(onnx, model, nodes, consts, here)
        kept, folded = [], False
        for node in nodes:
            values = _evaluate(node, consts, shapes, types, opset)
            if values is None:
                kept.append(node)
                continue
            folded = True
            for name, value in zip(node.output, values):
                consts[name] = value
                computed[name] = node
        nodes = kept
        if not folded:
            break
    for name, value in consts.items():
        shapes.setdefault(name, tuple(int(n) for n in value.shape))
    return Model(path=path, nodes=nodes, consts=consts, shapes=shapes, input=input_name, output=output_name,
                 input_shape=input_shape, opset=opset, computed=computed)


def _infer(onnx, model, nodes, consts, here) -> tuple:
    """(every tensor's shape, every tensor's ONNX element type) by onnx's shape inference, the folded values
    given as initializers and the stubs as inputs of their shape."""
    from onnx import helper, numpy_helper

    from cnncalc.onnximport.slim import Stub

    small = [numpy_helper.from_array(_array(v), name) for name, v in consts.items() if not isinstance(v, Stub)]
    given = [helper.make_tensor_value_info(name, v.elem_type, list(v.shape)) for name, v in consts.items()
             if isinstance(v, Stub)]
    graph = helper.make_graph(nodes, model.graph.name or "g", [*model.graph.input, *given], list(model.graph.output),
                              small)
    trial = helper.make_model(graph, opset_imports=list(model.opset_import), ir_version=model.ir_version)
    try:
        inferred = onnx.shape_inference.infer_shapes(trial, strict_mode=True, data_prop=True)
    except Exception as err:      # onnx raises InferenceError and kin on a model that is inconsistent
        raise SpecError(f"the model is inconsistent at the input shape given: {str(err).strip()}", here) from None
    shapes, types = {}, {}
    for value in [*inferred.graph.input, *inferred.graph.value_info, *inferred.graph.output]:
        tensor = value.type.tensor_type
        types[value.name] = tensor.elem_type
        if tensor.HasField("shape") and all(d.HasField("dim_value") for d in tensor.shape.dim):
            shapes[value.name] = tuple(int(d.dim_value) for d in tensor.shape.dim)
    return shapes, types


def _array(value):
    import numpy
    return numpy.asarray(value)


# operators whose value depends only on their inputs' shapes
_SHAPE_OPS = ("Shape", "Size")


def _evaluate(node, consts: dict, shapes: dict, types: dict, opset: int) -> Optional[list]:
    """The outputs of ``node`` when they do not depend on the input's data (numpy arrays, or stubs for a
    node of stubs or a large output); else None. A node of constants whose output shapes are not inferred
    is not evaluated (its outputs could be of any size)."""
    import numpy

    from cnncalc.onnximport.slim import Stub, element_count

    if node.op_type in _SHAPE_OPS:
        shape = shapes.get(node.input[0], consts[node.input[0]].shape if node.input[0] in consts else None)
        if shape is None:
            return None
        if node.op_type == "Size":
            return [numpy.array(numpy.prod(shape, dtype=numpy.int64), dtype=numpy.int64)]
        attrs = {a.name: a.i for a in node.attribute}
        start, end = attrs.get("start", 0), attrs.get("end", len(shape))
        return [numpy.array(shape[start:end], dtype=numpy.int64)]
    if node.op_type == "CastLike" and len(node.input) == 2 and types.get(node.input[1]) and \
            node.input[0] in consts and not isinstance(consts[node.input[0]], Stub):
        # its second input gives only the element type (known from shape inference, activation or weight)
        from onnx.helper import tensor_dtype_to_np_dtype
        return [numpy.asarray(consts[node.input[0]]).astype(tensor_dtype_to_np_dtype(types[node.input[1]]))]
    if any(name and name not in consts for name in node.input):
        return None
    outputs = [name for name in node.output if name]
    if any(name not in shapes for name in outputs):
        return None
    if any(isinstance(consts[name], Stub) for name in node.input if name) or \
            any(element_count(shapes[name]) > FOLD_ELEMENTS for name in outputs):
        return [Stub(shapes.get(name, ()), types.get(name, 0)) for name in node.output]
    return _run(node, consts, opset)


def _run(node, consts: dict, opset: int) -> list:
    from onnx.reference import ReferenceEvaluator

    try:
        evaluator = ReferenceEvaluator(node, opsets={"": opset})
        return list(evaluator.run(None, {name: consts[name] for name in node.input if name}))
    except Exception as err:      # an operator onnx cannot evaluate, or bad constants: the user's model
        raise SpecError(f"node '{node.name or node.output[0]}' ({node.op_type}) on constants: "
                        f"{type(err).__name__}: {err}") from None
