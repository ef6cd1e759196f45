"""ONNX activations → the types of cnncalc/layers/activation.py: Relu, LeakyRelu, Elu, Sigmoid, HardSigmoid,
HardSwish, Tanh, Gelu (GELU's erf form is matched from its Div: cnncalc/onnxmap/arith.py), Clip to [0, 6] or [0, ∞),
Softmax along any axis but the batch;
x·Sigmoid(x) and x·HardSigmoid(x) are silu and hardswish (cnncalc/onnximport/patterns.py)."""

from __future__ import annotations

from cnncalc.layers.activation import (ELU, GELU, Hardsigmoid, Hardswish, LeakyReLU, ReLU, ReLU6, Sigmoid, SiLU,
                                       Softmax, Tanh)
from cnncalc.onnximport.mapping import Unmapped, attrs, differing, float32, maps
from cnncalc.onnximport.patterns import gated
from cnncalc.onnximport.translate import Translator

# ONNX's defaults
LEAKY_ALPHA = 0.01
ELU_ALPHA = 1.0
HARDSIGMOID_ALPHA, HARDSIGMOID_BETA = 0.2, 0.5
# PyTorch's hardsigmoid, relu6(x + 3) / 6, as ONNX writes it: α = 1/6, β = 0.5 (cnncalc's hardsigmoid)
TORCH_HARDSIGMOID = (1 / 6, 0.5)


def elementwise(t: Translator, node, cls: type, args: dict) -> None:
    """``node`` as one layer of class ``cls`` that works on each element alone (in any layout)."""
    x = t.act(node, any_layout=True)
    t.emit(node, cls, args, [x], perm=x.perm)


# the operators that are a type of the same name, with no argument
PLAIN = {"Relu": ReLU, "Tanh": Tanh, "HardSwish": Hardswish}


@maps(*PLAIN)
def plain(t: Translator, node) -> None:
    """`relu`, `tanh`, `hardswish`"""
    elementwise(t, node, PLAIN[node.op_type], {})


@maps("LeakyRelu")
def leaky_relu(t: Translator, node) -> None:
    """`leaky_relu`: `alpha` → `negative_slope`"""
    slope = float32(attrs(node).get("alpha", LEAKY_ALPHA))
    elementwise(t, node, LeakyReLU, differing(LeakyReLU, negative_slope=slope))


@maps("Elu")
def elu(t: Translator, node) -> None:
    """`elu`: `alpha`"""
    elementwise(t, node, ELU, differing(ELU, alpha=float32(attrs(node).get("alpha", ELU_ALPHA))))


@maps("Gelu")
def gelu(t: Translator, node) -> None:
    """`gelu`: `approximate` (`none` or `tanh`)"""
    elementwise(t, node, GELU, differing(GELU, approximate=attrs(node).get("approximate", "none")))


@maps("Sigmoid")
def sigmoid(t: Translator, node) -> None:
    """`sigmoid`

    Unless it is the gate of x · Sigmoid(x): that is one ``silu`` (:func:`cnncalc.onnximport.patterns.gated`)."""
    if not gated(t, node, SiLU):
        elementwise(t, node, Sigmoid, {})


@maps("HardSigmoid")
def hardsigmoid(t: Translator, node) -> None:
    """`hardsigmoid`: PyTorch's α = 1/6, β = 0.5 only

    The gate of x · HardSigmoid(x) is one ``hardswish`` (:func:`cnncalc.onnximport.patterns.gated`)."""
    a = attrs(node)
    alpha, beta = float32(a.get("alpha", HARDSIGMOID_ALPHA)), float32(a.get("beta", HARDSIGMOID_BETA))
    if abs(alpha - TORCH_HARDSIGMOID[0]) > 1e-6 or beta != TORCH_HARDSIGMOID[1]:
        raise Unmapped("alpha and beta other than PyTorch's hardsigmoid (1/6, 0.5)")
    if not gated(t, node, Hardswish):
        elementwise(t, node, Hardsigmoid, {})


@maps("Clip")
def clip(t: Translator, node) -> None:
    """`relu6` for [0, 6], `relu` for [0, ∞); other bounds are refused"""
    a = attrs(node)
    low, high = a.get("min"), a.get("max")
    if len(node.input) > 1:
        value = t.const(node, 1, "minimum")
        low = None if value is None else float(value)
    if len(node.input) > 2:
        value = t.const(node, 2, "maximum")
        high = None if value is None else float(value)
    if low == 0 and high == 6:
        elementwise(t, node, ReLU6, {})
    elif low == 0 and high is None:
        elementwise(t, node, ReLU, {})
    else:
        raise Unmapped(f"clips to [{low}, {high}]; cnncalc maps [0, 6] (relu6) and [0, ∞) (relu)")


@maps("Softmax")
def softmax(t: Translator, node) -> None:
    """`softmax` along the node's axis (in any layout); the batch axis is refused, and before opset 13, which
    softmaxes every axis from `axis` on together, an axis that is not the last"""
    x = t.act(node, any_layout=True)
    rank = len(t.shape(node.input[0]))
    axis = int(attrs(node).get("axis", -1 if t.model.opset >= 13 else 1)) % rank
    if x.perm[axis] == 0 or (t.model.opset < 13 and axis != rank - 1):
        raise Unmapped(f"softmax over axis {axis}: the batch axis, or (before opset 13) several axes together")
    t.emit(node, Softmax, differing(Softmax, axis=x.perm[axis] - 1), [x], perm=x.perm)
