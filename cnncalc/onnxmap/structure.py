"""ONNX Add, Sum, Mul, Concat and Flatten → ``add``, ``mul``, ``concat``, ``flatten``
(cnncalc/layers/structure.py); a Mul by a constant is a ``scale`` (cnncalc/onnxmap/scale.py) or, as an Add
of a constant of one value, an ``arith`` (cnncalc/onnxmap/arith.py)."""

from __future__ import annotations

from typing import Optional

from cnncalc.layers.structure import Add, Concat, Flatten, Mul
from cnncalc.onnxmap.arith import with_constant
from cnncalc.onnxmap.learnable import class_token
from cnncalc.onnxmap.scale import scale
from cnncalc.onnximport.mapping import Handler, Unmapped, attrs, maps
from cnncalc.onnximport.translate import Act, Translator
from cnncalc.onnxmap.tensor import batch_at, batch_one
from cnncalc.layers.tensor import Permute


def merge(t: Translator, node, cls: type, of_constant: Optional[Handler] = None) -> None:
    """``node`` as one ``cls`` merging its activations element-wise (broadcast, same rank and layout);
    ``of_constant`` maps the operator with a constant second operand, when cnncalc has a layer for it."""
    if any(name in t.model.consts for name in node.input):
        if of_constant is not None and len(node.input) == 2:
            return of_constant(t, node)
        raise Unmapped(f"an operand is a constant; cnncalc maps {node.op_type} of activations")
    inputs = [t.act(node, i, any_layout=True) for i in range(len(node.input))]
    ranks = {len(t.shape(name)) for name in node.input}
    if len(ranks) == 1 and len({a.perm for a in inputs}) != 1 and batch_one(t):
        inputs = [inputs[0], *(relaid(t, node, i, inputs[0].perm) for i in range(1, len(inputs)))]
    if len({a.perm for a in inputs}) != 1 or len(ranks) != 1:
        raise Unmapped("its operands differ in rank or layout")
    t.emit(node, cls, {}, inputs, perm=inputs[0].perm)


def relaid(t: Translator, node, i: int, perm: tuple) -> Act:
    """Input ``i`` of ``node`` in layout ``perm`` (that of another operand): a ``permute`` of its node's axes
    when it is in another layout with the batch axis at the same place (a residual that
    nn.MultiheadAttention's export returns in its own layout)."""
    x = t.act(node, i, any_layout=True)
    if x.perm == perm or sorted(x.perm) != sorted(perm) or batch_at(x.perm) != batch_at(perm):
        return x
    # the output's node axis perm[k] is the input's node axis x.perm[k], for every tensor axis k
    source = {p: q for p, q in zip(perm, x.perm) if p != 0}
    name = t.emit(node, Permute, {"dims": [source[a] - 1 for a in sorted(source)]}, [x],
                  name=f"{t.names[id(node)]}.permute", outputs=[f"{node.input[i]}\x00relaid"], perm=perm)
    return Act(name, perm)


@maps("Add", "Sum")
def add(t: Translator, node) -> None:
    """`add` of activations of one rank and layout, broadcasting; with a constant of one value, `arith`
    (MobileOne's `+ 0`); of the activation's whole shape, `position_embedding`; other constants are refused
    (unless one is a MatMul's bias)"""
    merge(t, node, Add, of_constant=with_constant)


@maps("Mul")
def mul(t: Translator, node) -> None:
    """`mul` of activations, broadcasting, as squeeze-excitation's gate [C, 1, 1] × [C, H, W]; by a constant
    of one value, `arith` (NF-ResNet's α); with one value per channel, `scale` (ConvNeXt's layer scale); other
    constants are refused"""
    merge(t, node, Mul, of_constant=_times_constant)


def _times_constant(t: Translator, node) -> None:
    value = t.model.consts[node.input[1] if node.input[1] in t.model.consts else node.input[0]]
    return with_constant(t, node) if value.size == 1 else scale(t, node)


def channel_axis(x: Act, axis: int) -> None:
    """Unmapped unless ``axis`` of a tensor in ``x``'s layout is the channel axis."""
    if x.perm[axis % len(x.perm)] != 1:
        raise Unmapped(f"along axis {axis}, not the channel axis")


@maps("Concat")
def concat(t: Translator, node) -> None:
    """`concat` along the channels, of activations in one layout; of one input (torch's `cat([x])`), no
    layer; a constant [1, C, n] before a sequence, along its length, a `class_token`; other constant
    operands are refused"""
    if any(name in t.model.consts for name in node.input):
        if class_token(t, node):
            return
        raise Unmapped("an operand is a constant (other than a class token before a sequence)")
    inputs = [t.act(node, i, any_layout=True) for i in range(len(node.input))]
    if len(inputs) == 1:
        return t.alias(node, inputs[0])
    if len({a.perm for a in inputs}) != 1:
        raise Unmapped("its operands differ in layout")
    channel_axis(inputs[0], int(attrs(node)["axis"]))
    t.emit(node, Concat, {}, inputs, perm=inputs[0].perm)


@maps("Flatten")
def flatten(t: Translator, node) -> None:
    """`flatten` from axis 1 (of [N, F], no layer); other axes are refused"""
    x = t.act(node)
    shape = t.shape(node.input[0])
    if int(attrs(node).get("axis", 1)) % len(shape) != 1:
        raise Unmapped("flattens from an axis other than 1")
    if len(shape) == 2:
        return t.alias(node, x)
    t.emit(node, Flatten, {}, [x])
