"""ONNX Add, Sum, Mul, Concat and Flatten → ``add``, ``mul``, ``concat``, ``flatten``
(cnncalc/layers/structure.py); a Mul by a constant is a ``scale`` (cnncalc/onnxmap/scale.py)."""

from __future__ import annotations

from typing import Optional

from cnncalc.layers.structure import Add, Concat, Flatten, Mul
from cnncalc.onnxmap.scale import scale
from cnncalc.onnximport.mapping import Handler, Unmapped, attrs, maps
from cnncalc.onnximport.translate import Act, Translator


def _elementwise(cls: type, of_constant: Optional[Handler] = None) -> Handler:
    """The element-wise merge of activations (broadcast, as squeeze-excitation's gate [C, 1, 1] × [C, H, W]);
    ``of_constant`` maps the operator with a constant second operand, when cnncalc has a layer for it."""
    def handle(t: Translator, node) -> None:
        if any(name in t.model.consts for name in node.input):
            if of_constant is not None and len(node.input) == 2:
                return of_constant(t, node)
            raise Unmapped(f"an operand is a constant; cnncalc maps {node.op_type} of activations")
        inputs = [t.act(node, i, any_layout=True) for i in range(len(node.input))]
        ranks = {len(t.shape(name)) for name in node.input}
        if len({a.perm for a in inputs}) != 1 or len(ranks) != 1:
            raise Unmapped("its operands differ in rank or layout")
        t.emit(node, cls, {}, inputs, perm=inputs[0].perm)
    return handle


maps("Add", "Sum")(_elementwise(Add))
maps("Mul")(_elementwise(Mul, of_constant=scale))


def channel_axis(x: Act, axis: int) -> None:
    """Unmapped unless ``axis`` of a tensor in ``x``'s layout is the channel axis."""
    if x.perm[axis % len(x.perm)] != 1:
        raise Unmapped(f"along axis {axis}, not the channel axis")


@maps("Concat")
def concat(t: Translator, node) -> None:
    if any(name in t.model.consts for name in node.input):
        raise Unmapped("an operand is a constant")
    inputs = [t.act(node, i, any_layout=True) for i in range(len(node.input))]
    if len({a.perm for a in inputs}) != 1:
        raise Unmapped("its operands differ in layout")
    channel_axis(inputs[0], int(attrs(node)["axis"]))
    t.emit(node, Concat, {}, inputs, perm=inputs[0].perm)


@maps("Flatten")
def flatten(t: Translator, node) -> None:
    x = t.act(node)
    shape = t.shape(node.input[0])
    if int(attrs(node).get("axis", 1)) % len(shape) != 1:
        raise Unmapped("flattens from an axis other than 1")
    if len(shape) == 2:
        return t.alias(node, x)
    t.emit(node, Flatten, {}, [x])
