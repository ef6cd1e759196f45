"""cnncalc/layers/activation.py (and dropout): element-wise layers keep the shape; FLOPs per element
from the operations listed in docs/conventions.md.
"""

from __future__ import annotations

import pytest

from conftest import one_layer


# FLOPs per element of each activation, from the operations listed in docs/conventions.md
@pytest.mark.parametrize("layer, per_element", [
    ("relu", 1), ("relu6", 2), ("leaky_relu", 2), ("elu", 4), ("gelu", 5), ("{gelu: {approximate: tanh}}", 9),
    ("tanh", 1), ("sigmoid", 4), ("softmax", 3), ("dropout", 0),
    # x·sigmoid(x): sigmoid's negate, exp, add, divide, then × x
    ("silu", 5), ("swish", 5),
    # x·relu6(x + 3)/6: add 3, max 0, min 6, × x, ÷ 6; the hard sigmoid without the × x
    ("hardswish", 5), ("hardsigmoid", 4),
    # x·tanh(log(1 + exp(x))): exp, add 1, log, tanh, × x
    ("mish", 5),
])
def test_elementwise_layers(layer, per_element):
    row = one_layer((6, 4, 5), layer)
    assert row.output_shape == (6, 4, 5)
    assert row.params == 0 and row.macs == 0
    assert row.flops == per_element * 6 * 4 * 5


def test_prelu_slopes():
    # nn.PReLU(): one slope for the layer; nn.PReLU(C): one per channel. x if x > 0 else a·x: compare and
    # multiply, 2 FLOPs for each of 6·4·5 = 120 elements
    shared = one_layer((6, 4, 5), "prelu")
    per_channel = one_layer((6, 4, 5), "{prelu: {per_channel: true}}")
    assert (shared.params, per_channel.params) == (1, 6)
    assert shared.flops == per_channel.flops == 2 * 120 and shared.macs == 0
    # on a flat [N] input the channels are the N features
    assert one_layer((10,), "{prelu: {per_channel: true}}").params == 10


def test_swish_is_silu():
    from cnncalc.layers import lookup
    assert lookup("swish") is lookup("silu")
