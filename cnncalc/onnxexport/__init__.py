"""A spec as an ONNX model that a runtime runs (`cnncalc export SPEC --to onnx`; the onnx extra).

The weights are those cnncalc's numpy executors draw for ``verify`` (seeded: :class:`cnncalc.execute.Context`),
so the model's output can be checked against the numpy run (:func:`export` returns both), stored as float32.
One ONNX node (or a short fixed pattern) per layer, each written so that `cnncalc analyze model.onnx`
(cnncalc/onnximport) reads it back as the same layer with the same figures; the nodes' outputs are named
after the layers.

**Where a layer's writer lives**: in the ``onnxwrite`` companion of its layer module (``PKG/layers/M.py`` →
``PKG/onnxwrite/M.py``, or the class's ``companions = {"onnxwrite": ...}``), registered with :func:`writes`;
a type the ONNX standard cannot express says why with :func:`cannot_write` there. A type with neither is
refused naming the missing companion (docs/adding-a-layer.md).

A writer is ``(b, node, in_shapes, out_shape, weights) -> None``: ``b`` the :class:`Builder`, ``node`` the
graph node (``node.layer`` its layer, ``b.inputs(node)`` the names of its input tensors), ``weights`` the
arrays the executor drew for it by name (``weight``, ``bias``, ``running_mean``, ...). It adds nodes with
:meth:`Builder.op` whose last output is ``node.name``.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from cnncalc.errors import CnncalcError
from cnncalc.record import record

OPSET = 17
MAX_LAYER_WEIGHTS = 2 * 10**8     # drawn as float64 by the executors: 1.6 GB for the largest layer
MAX_WEIGHTS = (2**31 - 2**24) // 4   # protobuf's 2 GiB limit on a model, less 16 MiB for the rest
IR_VERSION = 8                # ONNX Runtime reads IR 8 (opset 17) on every release since 1.14

Writer = Callable[..., None]
WRITERS: dict[str, Writer] = {}
CANNOT: dict[str, str] = {}   # type name → why the ONNX standard cannot express it as one re-importable layer


class ExportRefused(CnncalcError):
    """The spec cannot be written as ONNX; the message names the layer and why."""


def writes(*type_names: str) -> Callable[[Writer], Writer]:
    """Decorator: ``func`` writes the layer types ``type_names`` (canonical names) as ONNX nodes."""
    def decorate(func: Writer) -> Writer:
        for name in type_names:
            if name in WRITERS:
                raise RuntimeError(f"two ONNX writers for layer type '{name}'")
            WRITERS[name] = func
        return func
    return decorate


def cannot_write(reason: str, *type_names: str) -> None:
    """Declare that ONNX cannot express the layer types ``type_names`` as layers that read back the same, and
    why."""
    for name in type_names:
        CANNOT[name] = reason


def writer_for(cls: type) -> tuple[Optional[Writer], str]:
    """(the writer of a layer class, "") or (None, why it has none)."""
    from cnncalc.layers import companion_module, load_companion

    name = getattr(cls, "type_name", "")
    if name not in WRITERS and name not in CANNOT:
        load_companion(cls, "onnxwrite")
    if name in WRITERS:
        return WRITERS[name], ""
    if name in CANNOT:
        return None, CANNOT[name]
    return None, (f"no ONNX writer: none is registered in {companion_module(cls, 'onnxwrite') or 'an onnxwrite companion'} "
                  "(docs/adding-a-layer.md)")


class Builder:
    """Collects the nodes and the initializers (float32) of the model being written."""

    def __init__(self) -> None:
        self.nodes: list = []
        self.initializers: list = []
        self.tensor: dict[str, str] = {}     # layer name → the name of its output tensor
        self._names: set = set()             # node names
        self._tensors: set = set()           # tensor names (initializers and node outputs)

    def inputs(self, node) -> list[str]:
        return [self.tensor[name] for name in node.inputs]

    def constant(self, name: str, value, dtype: str = "float32") -> str:
        """An initializer ``name`` holding ``value`` (an array or a list), float32 or int64."""
        import numpy as np
        from onnx import numpy_helper
        name = self._unique(name, self._tensors)
        self.initializers.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def op(self, op_type: str, inputs: list, output: str, name: str = "", **attributes: Any) -> str:
        """A node of ``op_type`` reading ``inputs`` ("" for an omitted optional input) and writing ``output``."""
        from onnx import helper
        if output in self._tensors:
            raise RuntimeError(f"the tensor '{output}' is written twice")
        self._tensors.add(output)
        self.nodes.append(helper.make_node(op_type, inputs, [output], name=self._unique(name or output, self._names),
                                           **attributes))
        return output

    def _unique(self, name: str, taken: set) -> str:
        base, n = name, 1
        while name in taken or (taken is self._tensors and name in self.tensor):
            name, n = f"{base}_{n}", n + 1
        taken.add(name)
        return name


@record
class Exported:
    model: Any                # onnx.ModelProto
    input: Any                # the numpy input the reference run used ([1, *input_shape], float64)
    output: Any               # the numpy executors' output on it (float64)


def refusals(spec) -> list[tuple[str, str, str]]:
    """(layer name, type, why) for every layer of ``spec`` that cannot be written; [] when all can."""
    from cnncalc.execute import executor_for
    out = []
    for node in spec.graph.topological_order():
        cls = type(node.layer)
        writer, why = writer_for(cls)
        if writer is None:
            out.append((node.name, cls.type_name, why))
        elif executor_for(cls.type_name) is None:
            out.append((node.name, cls.type_name, "no numpy executor to draw its weights"))
        elif node.shares:
            out.append((node.name, cls.type_name, "tied weights ('share:'): ONNX would hold a copy per use"))
    return out


def export(spec, report, seed: int = 0, reference: bool = True) -> Exported:
    """The ONNX model of ``spec`` (its analysis ``report``) with the executors' seeded weights; the first
    layer that cannot be written is an :class:`ExportRefused` naming it and why. ``reference`` False: the
    executors run on an empty batch, which draws the same weights without computing any output (a model to
    time, not to check: ``output`` is then empty)."""
    from onnx import TensorProto, helper

    from cnncalc.execute import Context, executor_for
    refused = refusals(spec) or [(row.name, row.type, f"{row.params + row.state:,} weights, over the "
                                  f"{MAX_LAYER_WEIGHTS:,} cnncalc draws for one layer")
                                 for row in report.rows if row.params + row.state > MAX_LAYER_WEIGHTS]
    total = report.totals.params + report.totals.state
    if not refused and total > MAX_WEIGHTS:
        raise ExportRefused(f"{total:,} weights: an ONNX file holds at most 2 GiB, {MAX_WEIGHTS:,} float32 weights")
    if refused:
        name, type_name, why = refused[0]
        more = f" (and {len(refused) - 1} more layer{'s' if len(refused) > 2 else ''})" if len(refused) > 1 else ""
        raise ExportRefused(f"layer '{name}' ({type_name}) cannot be written as ONNX: {why}{more}")
    shapes = {row.name: tuple(row.output_shape) for row in report.rows}
    ctx = Context(structural=False, seed=seed)
    x = ctx.rng.standard_normal((1 if reference else 0, *spec.input_shape))
    values: dict = {}
    b = Builder()
    order = spec.graph.topological_order()
    for node in order:
        layer = node.layer
        inputs = [values[name] for name in node.inputs] if node.inputs else [x]
        executor = executor_for(layer.type_name)
        assert executor is not None
        values[node.name] = ctx.run(executor, layer, inputs)
        writer, _ = writer_for(type(layer))
        assert writer is not None
        if not node.inputs:
            b.tensor[node.name] = node.name
            continue
        writer(b, node, [shapes[name] for name in node.inputs], shapes[node.name], dict(ctx.drawn))
        b.tensor[node.name] = node.name
    source = [n for n in order if not n.inputs][0].name
    output = spec.graph.output
    graph = helper.make_graph(
        b.nodes, spec.name or "cnncalc",
        [helper.make_tensor_value_info(source, TensorProto.FLOAT, [1, *spec.input_shape])],
        [helper.make_tensor_value_info(output, TensorProto.FLOAT, [1, *shapes[output]])],
        b.initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="cnncalc",
                              doc_string=f"written by cnncalc from {spec.source or spec.name}; seeded random "
                                         f"weights (seed {seed})")
    model.ir_version = IR_VERSION
    return Exported(model=model, input=x, output=values[output])
