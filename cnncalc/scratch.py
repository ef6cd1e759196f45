"""Scratch buffers and the RAM and flash a runtime needs (docs/conventions.md, "Scratch buffers, RAM and
flash"). Pure data, exact ints; imported only under a runtime profile.

* **Scratch.** Each layer of the deployed graph says which buffers its runtime's int8 kernels allocate
  (``Layer.scratch``, the kernel library of the profile's ``scratch`` rule: cnncalc/layers/scratch.py). Where
  they live is the library's: ``cmsis-nn`` (TF-Lite Micro) asks the arena for one per operator, alive while
  the operator runs; ``tinyengine`` keeps static buffers, one per kind sized for the layer that needs the
  most. At another dtype than int8 the kernels are other ones, and none is counted (``counted`` False).
* **RAM**: the activations as the runtime holds them plus its scratch: with per-operator buffers, the most
  bytes at one step of the spec's order of the tensors alive and that step's scratch (or the arena, when a
  planner lays both out); with static ones, the activations' peak plus the static buffers.
* **Flash**: the weights as the runtime stores them: every parameter at the dtype, and at int8, for each
  layer a batch norm folds into (``takes_fold``: the layers with per-output-channel weights), a 32-bit bias
  and a 32-bit requantisation scale per output channel (TensorFlow Lite's int8 quantisation specification:
  int32 biases, per-channel scales; TinyEngine's get_bias_size and get_scale_size: 4 bytes per output
  channel each). The file's other contents (the graph, zero points, metadata) are not counted: a lower bound.
"""

from __future__ import annotations

from typing import Optional, Sequence

from cnncalc.layers.scratch import CMSIS_NN, TINYENGINE
from cnncalc.record import record

OPERATOR, STATIC = "operator", "static"
PLACEMENT = {CMSIS_NN: OPERATOR, TINYENGINE: STATIC}


@record
class LayerScratch:
    layer: str
    buffers: tuple            # (kind, bytes), by kind

    @property
    def bytes(self) -> int:
        return sum(n for _, n in self.buffers)


@record
class Scratch:
    kernels: str              # the kernel library (cnncalc/layers/scratch.py)
    placement: str            # OPERATOR (in the arena while the layer runs) or STATIC (one buffer per kind)
    counted: bool             # False: the dtype is not int8, whose kernels these are; nothing counted
    layers: tuple             # LayerScratch of every layer that needs a buffer, in the spec's order
    static: tuple             # STATIC: (kind, bytes, the layer that needs the most) per kind; else ()

    @property
    def static_bytes(self) -> int:
        return sum(n for _, n, _ in self.static)

    @property
    def largest(self) -> Optional[LayerScratch]:
        return max(self.layers, key=lambda s: s.bytes, default=None)

    def at(self, layer: str) -> int:
        return next((s.bytes for s in self.layers if s.layer == layer), 0)


def scratch_of(report, graph, kernels: str) -> Scratch:
    """The scratch buffers of the deployed network (``report``, ``graph``: cnncalc.deploy's) under the kernel
    library ``kernels``; the layers run in place are ``graph.in_place``."""
    counted = report.memory.dtype == "int8"
    shapes = {row.name: row.output_shape for row in report.rows}
    found = []
    if counted:
        for row in report.rows:
            if row.is_network_input:
                continue
            node = graph.nodes[row.name]
            buffers = node.layer.scratch(kernels, [shapes[i] for i in node.inputs], row.output_shape,
                                         row.name in graph.in_place)
            if buffers:
                found.append(LayerScratch(row.name, tuple(sorted(buffers.items()))))
    static: list = []
    if PLACEMENT[kernels] == STATIC:
        kinds = sorted({kind for s in found for kind, _ in s.buffers})
        for kind in kinds:
            n, layer = max(((dict(s.buffers).get(kind, 0), s.layer) for s in found), key=lambda x: x[0])
            static.append((kind, n, layer))
    return Scratch(kernels, PLACEMENT[kernels], counted, tuple(found), tuple(static))


def ram_bytes(scratch: Scratch, order: Sequence[str], step_bytes: Sequence[int]) -> int:
    """RAM without a planner: STATIC, the activations' peak plus the static buffers; OPERATOR, the most of
    one step's live tensors (``step_bytes``, in ``order``) and that step's scratch."""
    if scratch.placement == STATIC:
        return max(step_bytes, default=0) + scratch.static_bytes
    return max((n + scratch.at(name) for name, n in zip(order, step_bytes)), default=0)


def flash_bytes(report, graph) -> int:
    """The weights as stored (the module's docstring): params and state at the dtype, and at int8 a 32-bit
    bias and a 32-bit scale per output channel of every layer a batch norm folds into."""
    m = report.memory
    stored = m.param_bytes                  # (parameters + state) at the dtype: cnncalc.analysis's figure
    if m.dtype != "int8":
        return stored
    for row in report.rows:
        if row.is_network_input or row.shares:
            continue
        layer = graph.nodes[row.name].layer
        if not layer.takes_fold:
            continue
        channels = row.output_shape[0]
        biased = getattr(layer, "bias", True) or row.name in graph.folded
        stored += 4 * channels + (3 * channels if biased else 0)     # the scale; the bias's 3 more bytes
    return stored
