"""Walk the layer graph in topological order and produce an Analysis: pure data, exact ints, no printing."""

from __future__ import annotations

from cnncalc import rf as rfmod
from cnncalc.errors import LayerArgError, SpecError
from cnncalc.layers.base import ELEMENTWISE, WHOLE, Facts, Window
from cnncalc.record import field, record
from cnncalc.shapes import product
from cnncalc.spec import Spec

# Sizes and receptive-field values beyond these are refused: no real network comes near them, and past them
# Python's exact big-int arithmetic (and its int-to-text conversion) becomes slow, then fails.
MAX_SIZE = 10**18
MAX_RF = 10**100

DTYPE_BITS = {"float64": 64, "float32": 32, "float16": 16, "bfloat16": 16, "int8": 8, "int4": 4}


@record(slots=True)
class Row:
    name: str
    type: str
    label: str
    inputs: tuple
    output_shape: tuple
    params: int
    trainable_params: int
    state: int
    macs: int
    flops: int
    rf: tuple                 # rf.AxisRF per spatial axis of the network input
    activation_elements: int
    shares: str = ""          # the layer whose weights it reuses (tied weights: its params and state are 0 here)

    @property
    def is_network_input(self) -> bool:
        """The row of the network's input: the one node that reads no other."""
        return not self.inputs


@record
class Totals:
    params: int
    trainable_params: int
    non_trainable_params: int
    state: int
    macs: int
    flops: int
    activation_elements: int


@record
class Memory:
    """Bytes at one dtype and batch size. Parameters and state do not scale with the batch."""
    dtype: str
    batch: int
    param_bytes: int          # (parameters + state) · bits / 8
    activation_bytes: int     # every layer's output, input excluded, · batch
    input_bytes: int          # the input tensor · batch


@record
class LayerWarning:
    """Something a layer's figures do not say by themselves (an unknown receptive field, an unused output)."""
    layer: str
    message: str


@record
class Analysis:
    name: str
    description: str
    source: str
    input_shape: tuple
    output_shape: tuple
    output_rf: tuple
    rows: tuple
    totals: Totals
    memory: Memory
    warnings: tuple = field(default=())
    output: str = ""          # the layer whose output is the network's (the graph's output)


def bytes_for(elements: int, bits: int) -> int:
    return -(-elements * bits // 8)


def infer_node(node, in_shapes: list) -> tuple:
    """A node's Facts and output shape from its input shapes; a problem is a SpecError at the node."""
    try:
        facts = node.layer.infer(in_shapes)
    except LayerArgError as err:
        raise SpecError(str(err), node.where(err.key), node.name) from None
    output = tuple(facts.output)
    if output and min(output) < 1:
        raise SpecError(f"the output shape {list(output)} has a size below 1", node.location, node.name)
    if output and max(output) > MAX_SIZE:
        raise SpecError(f"the output shape has a size above 10^18 ({len(str(max(output)))} digits)",
                        node.location, node.name)
    return facts, output


def analyze(spec: Spec, dtype: str = "float32", batch: int = 1) -> Analysis:
    if dtype not in DTYPE_BITS:
        raise ValueError(f"unknown dtype {dtype!r}")
    graph = spec.graph
    shapes: dict[str, tuple] = {}
    receptive_fields: dict[str, tuple] = {}
    rows, warnings = [], [LayerWarning(layer, message) for layer, message in getattr(spec, "notes", ())]
    tied: list = []           # (node, its Facts): layers that reuse another's weights, checked at the end
    inferred: dict = {}       # (layer, input shapes) → (Facts, output, its elements): a layer shared by many
    #                           nodes (spec/assembly.py); the last few hundred only
    for node in graph.topological_order():
        in_shapes = [shapes[name] for name in node.inputs]
        known = (id(node.layer), *in_shapes)
        hit = inferred.get(known)
        if hit is not None:
            facts, output, elements = hit
        else:
            facts, output = infer_node(node, in_shapes)
            elements = product(output)
            if len(inferred) >= 512:
                inferred.clear()
            inferred[known] = facts, output, elements
        shapes[node.name] = output
        # a shape-only input (upsample's or crop's `like:`) is an edge of the graph but no part of the field
        data_inputs = node.inputs[:len(node.inputs) - len(node.layer.shape_references())] \
            if node.layer.shape_refs else node.inputs
        input_rfs = [receptive_fields[name] for name in data_inputs]
        node_rf, disagree = _receptive_field(node, facts, output, input_rfs, spec.input_shape)
        receptive_fields[node.name] = node_rf
        # an input's field passed on is checked already
        if not (input_rfs and (node_rf is input_rfs[0] or any(node_rf is rf for rf in input_rfs))) \
                and _any_huge(node_rf):
            raise SpecError("the receptive field (its size, stride or start) grows beyond 10^100 input positions; "
                            "cnncalc does not track numbers that large", node.location, node.name)
        for axis in disagree:
            warnings.append(LayerWarning(node.name, f"inputs disagree in effective stride on spatial axis {axis}; "
                                                f"the receptive field from here on is unknown"))
        if facts.warnings:
            warnings.extend(LayerWarning(node.name, text) for text in facts.warnings)
        label, params, state = facts.label or node.layer.type_name, facts.params, facts.state
        if node.shares:       # tied weights: counted once, at the layer that owns them
            tied.append((node, facts))
            label, params, state = f"{label} shares {node.shares}", 0, 0
        # positional, in Row's field order (name, type, label, inputs, output_shape, params, trainable_params,
        # state, macs, flops, rf, activation_elements, shares): keywords cost more a hundred thousand times
        rows.append(Row(node.name, node.layer.type_name, label, node.inputs, output, params,
                        params if node.trainable else 0, state, facts.macs, facts.flops, node_rf, elements,
                        node.shares))
    if tied:
        _check_tied(graph, tied, shapes, {row.name: row for row in rows})
    for name in graph.unused():
        warnings.append(LayerWarning(name, "its output is not used by any layer (it still counts in the totals)"))

    totals, memory = count(rows, dtype, batch, bytes_for(product(spec.input_shape) * batch, DTYPE_BITS[dtype]))
    return Analysis(name=spec.name, description=spec.description, source=spec.source,
                  input_shape=tuple(spec.input_shape), output_shape=shapes[graph.output],
                  output_rf=receptive_fields[graph.output], rows=tuple(rows), totals=totals, memory=memory,
                  warnings=tuple(warnings), output=graph.output)


def count(rows, dtype: str, batch: int, input_bytes: int) -> tuple[Totals, Memory]:
    """The totals of ``rows`` and their memory at ``dtype`` and ``batch`` (the input's row counts in the
    parameters, not in the activations)."""
    body = [row for row in rows if not row.is_network_input]
    params = sum(row.params for row in rows)
    trainable = sum(row.trainable_params for row in rows)
    state = sum(row.state for row in rows)
    totals = Totals(params=params, trainable_params=trainable, non_trainable_params=params - trainable,
                    state=state, macs=sum(row.macs for row in rows), flops=sum(row.flops for row in rows),
                    activation_elements=sum(row.activation_elements for row in body))
    bits = DTYPE_BITS[dtype]
    memory = Memory(dtype=dtype, batch=batch, param_bytes=bytes_for(params + state, bits),
                    activation_bytes=bytes_for(totals.activation_elements * batch, bits), input_bytes=input_bytes)
    return totals, memory


def _check_tied(graph, tied: list, shapes: dict, rows: dict) -> None:
    """The weights of a layer fit where another layer reuses them ('share:'): the same parameters and state
    on inputs of the same shape as far as the weights are shaped by it (``Layer.tie_shape``: the input
    channels, or more: layernorm over all takes the whole input shape)."""
    for node, facts in tied:
        owner, first = rows[node.shares], graph.nodes[node.shares]
        mine = (facts.params, facts.state, node.layer.tie_shape([shapes[i] for i in node.inputs]))
        theirs = (owner.params, owner.state, first.layer.tie_shape([shapes[i] for i in first.inputs]))
        if mine != theirs:
            def on(key: tuple, unit: str) -> str:
                return f"{key[0]:,}{unit}" if len(key) == 1 else f"inputs shaped {list(key)}"
            raise SpecError(f"it shares the weights of '{owner.name}', which do not fit its input: '{owner.name}' "
                            f"has {theirs[0]:,} parameters and {theirs[1]:,} state on {on(theirs[2], ' input channels')},"
                            f" here it would need {mine[0]:,} and {mine[1]:,} on {on(mine[2], '')}",
                            node.location, node.name)


def _any_huge(rf) -> bool:
    """Whether a size, stride or start of the field (ints or Fractions: both have numerator and denominator)
    is too large to keep exact cheaply."""
    for a in rf:
        for value in (a.size, a.stride, a.start):
            if value is not None and (type(value) is int and not -MAX_RF <= value <= MAX_RF or type(value) is not int
                                      and (abs(value.numerator) > MAX_RF or value.denominator > MAX_RF)):
                return True
    return False


def _receptive_field(node, facts: Facts, output: tuple, input_rfs: list, input_shape: tuple):
    """Compose the node's receptive field from its inputs' (union first when it has several)."""
    if not node.inputs:
        return rfmod.identity(input_shape[1:]), []
    disagree: list[int] = []
    if len(input_rfs) == 1:
        composed = input_rfs[0]
    else:
        composed, disagree = rfmod.union(input_rfs)
    spatial = output[1:]
    op = facts.rf
    if op == ELEMENTWISE:
        if len(spatial) == len(composed):
            composed = rfmod.with_extents(composed, spatial)
    elif op == WHOLE:
        composed = rfmod.whole(composed)
        if len(spatial) == len(composed):
            composed = rfmod.with_extents(composed, spatial)
    elif isinstance(op, Window) and len(op.spans) == len(composed) == len(spatial):
        reads = op.reads or (None,) * len(spatial)
        composed = tuple(rfmod.step(a, span, stride, offset, n, r) for a, span, stride, offset, n, r
                         in zip(composed, op.spans, op.strides, op.offsets, spatial, reads))
    elif isinstance(op, Window) and not spatial and len(op.spans) == len(composed):
        # a flat output that sees one window of its input (spp whose levels stop short of the end)
        composed = tuple(rfmod.step(a, span, stride, offset, 1)
                         for a, span, stride, offset in zip(composed, op.spans, op.strides, op.offsets))
    else:  # UNKNOWN, or a window whose axes no longer line up with the input's
        composed = tuple(rfmod.AxisRF(None, None, None, a.extent) for a in composed)
    return composed, disagree
