"""Training memory at a batch size: weights, gradients, optimizer state and the activations each layer keeps
for its backward pass. Pure data, exact ints (docs/conventions.md, "Training memory").

* weights: every parameter and state element at 32 bits (the fp32 master copy), plus, with mixed
  precision, a 16-bit working copy of the trainable parameters (what autocast casts them to);
* gradients: one fp32 value per trainable parameter (tied weights, 'share:', once: their gradient is one
  tensor summed over the uses);
* optimizer state per trainable parameter (tied weights once), fp32: SGD none, SGD with momentum 1 (the
  velocity), Adam and AdamW 2 (first and second moments);
* saved activations: what each layer keeps for its backward pass, told by ``saves(row)`` (the layer
  types' own rules: :func:`layer_saves`) as a tuple of
  :class:`Saved`: graph tensors by name (a node's output, at the activation dtype, × batch) and private
  buffers (indices, masks, per-channel statistics); a layer that reuses another's weights keeps its own
  input at every use. A tensor several layers keep (a ReLU's output that the
  next conv keeps as its input) is counted once in the total, as torch keeps one storage; per layer, each
  layer's own set.

Activations are fp32, or 16 bits (fp16/bf16) with mixed precision. Not counted: the transient gradient
tensors of the backward pass, framework workspaces, allocator fragmentation.
"""

from __future__ import annotations

from typing import Callable

from cnncalc.layers.base import Grads
from cnncalc.record import record
from cnncalc.shapes import product

OPTIMIZER_STATES = {"sgd": 0, "sgd-momentum": 1, "adam": 2, "adamw": 2}   # fp32 values per trainable parameter
PRECISIONS = {"fp32": 32, "mixed-fp16": 16, "mixed-bf16": 16}            # activation bits


@record
class Saved:
    """One thing a layer keeps for backward: a graph tensor (``tensor``: the node whose output it is) or a
    private buffer of ``elements`` at ``bits`` (0: the activation dtype), per sample unless not."""
    tensor: str = ""
    elements: int = 0
    bits: int = 0
    per_sample: bool = True


@record
class LayerSaved:
    name: str
    tensors: tuple            # names of the graph tensors it keeps
    bytes: int                # its own saved bytes (its tensors once each, plus its buffers)


@record
class TrainingMemory:
    batch: int
    optimizer: str
    precision: str
    weight_bytes: int
    gradient_bytes: int
    optimizer_bytes: int
    activation_bytes: int     # saved for backward, each tensor once
    total_bytes: int
    layers: tuple             # LayerSaved, in the report's order


def _bytes(elements: int, bits: int) -> int:
    return -(-elements * bits // 8)


def layer_saves(graph, report) -> Callable[[object], tuple]:
    """``saves(row)`` from the layer types' own rules (``Layer.saved_when``), for :func:`training_memory`.

    * A gradient flows into a tensor when a trainable weight lies before it; the network input and what is
      computed from it alone need none. A layer computes only the gradients that flow, and keeps only what
      those need (``Layer.saved_when``): a layer no gradient flows through at all keeps nothing, as
      autograd records nothing for it. An input read for its shape only (``like:``) carries no gradient.
    * A layer whose output is its input's storage in torch (a view, a slice, an alias:
      ``Layer.shares_input_storage``) passes that storage on: keeping its output keeps the storage of the
      tensor it was taken from; but a layer that torch runs on a contiguous copy of a strided slice
      (``Layer.contiguous_input``) keeps that copy, the slice's size, of its own."""
    rows = {row.name: row for row in report.rows}
    needs_grad: dict[str, bool] = {}          # a gradient flows into its output
    data_inputs: dict[str, tuple] = {}        # its inputs less those read for their shape only
    trainable: dict[str, bool] = {}
    for row in report.rows:
        node = graph.nodes[row.name]
        refs = len(node.layer.shape_references())
        data_inputs[row.name] = tuple(node.inputs[:len(node.inputs) - refs])
        # a layer that reuses another's weights ('share:') has them too, though its row counts 0 of them
        trainable[row.name] = (rows[row.shares].trainable_params if row.shares else row.trainable_params) > 0
        needs_grad[row.name] = trainable[row.name] or any(needs_grad[name] for name in data_inputs[row.name])

    def root(name: str) -> str:
        while graph.nodes[name].layer.shares_input_storage():
            name = graph.nodes[name].inputs[0]
        return name

    def strided(name: str) -> bool:
        """Whether the tensor is a strided slice of a storage (a split part, a crop, or an alias of one)."""
        while True:
            layer = graph.nodes[name].layer
            if layer.strided_slice:
                return True
            if not layer.shares_input_storage():
                return False
            name = graph.nodes[name].inputs[0]

    def saves(row) -> tuple:
        if not needs_grad[row.name]:
            return ()
        node = graph.nodes[row.name]
        shapes = [rows[name].output_shape for name in node.inputs]
        grads = Grads(inputs=tuple(needs_grad[name] for name in data_inputs[row.name]),
                      weights=trainable[row.name])
        items = []
        for kept in node.layer.saved_when(shapes, row.output_shape, grads):
            if kept.output:
                items.append(Saved(tensor=root(row.name)))
            elif kept.input is not None:
                source = node.inputs[kept.input]
                if node.layer.contiguous_input and strided(source):      # torch keeps its contiguous copy
                    items.append(Saved(elements=product(rows[source].output_shape)))
                else:
                    items.append(Saved(tensor=root(source)))
            else:
                items.append(Saved(elements=kept.elements, bits=kept.bits, per_sample=kept.per_sample))
        return tuple(items)
    return saves


def training_memory(report, saves: Callable[[object], tuple], batch: int = 1, optimizer: str = "adam",
                    precision: str = "fp32") -> TrainingMemory:
    if optimizer not in OPTIMIZER_STATES:
        raise ValueError(f"unknown optimizer {optimizer!r}; one of {', '.join(OPTIMIZER_STATES)}")
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; one of {', '.join(PRECISIONS)}")
    bits = PRECISIONS[precision]
    totals = report.totals
    trainable = totals.trainable_params
    weights = _bytes(totals.params + totals.state, 32) + (_bytes(trainable, 16) if bits == 16 else 0)
    elements = {row.name: row.activation_elements * batch for row in report.rows}
    kept: set = set()
    buffers = 0
    layers = []
    for row in report.rows:
        items = saves(row)
        names = tuple(dict.fromkeys(item.tensor for item in items if item.tensor))
        own = sum(_bytes(item.elements * (batch if item.per_sample else 1), item.bits or bits)
                  for item in items if not item.tensor)
        buffers += own
        kept.update(names)
        layers.append(LayerSaved(name=row.name, tensors=names,
                                 bytes=own + sum(_bytes(elements[name], bits) for name in names)))
    activations = buffers + sum(_bytes(elements[name], bits) for name in kept)
    gradients = _bytes(trainable, 32)
    states = _bytes(trainable * OPTIMIZER_STATES[optimizer], 32)
    return TrainingMemory(batch=batch, optimizer=optimizer, precision=precision, weight_bytes=weights,
                          gradient_bytes=gradients, optimizer_bytes=states, activation_bytes=activations,
                          total_bytes=weights + gradients + states + activations, layers=tuple(layers))
