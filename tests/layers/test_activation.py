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
])
def test_elementwise_layers(layer, per_element):
    row = one_layer((6, 4, 5), layer)
    assert row.output_shape == (6, 4, 5)
    assert row.params == 0 and row.macs == 0
    assert row.flops == per_element * 6 * 4 * 5
