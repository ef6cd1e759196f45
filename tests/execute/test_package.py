"""cnncalc/execute/__init__.py: every layer type has an executor, and the structural run maps zero to
zero and marks exactly the output elements that read a marked input (positions derived by hand).
"""

from __future__ import annotations

import numpy as np
import pytest

from cnncalc.execute import EXECUTORS, executable_types
from cnncalc.layers import REGISTRY

from .helpers import make, run


STRUCTURAL = [("sigmoid", {}), ("softmax", {}), ("relu", {}), ("tanh", {}), ("gelu", {}), ("elu", {}),
              ("batchnorm", {}), ("conv", {"out": 2, "kernel": 3, "padding": 1}), ("avgpool", {"kernel": 2}),
              ("maxpool", {"kernel": 3, "stride": 2, "padding": 1, "ceil_mode": True})]


@pytest.mark.parametrize("name, args", STRUCTURAL)
def test_structural_run_maps_zero_to_zero_and_marks_what_depends(name, args):
    layer = make(name, **args)
    zero, _ = run(layer, np.zeros((2, 5, 5), np.float32), structural=True)
    assert not zero.any()
    marked = np.zeros((2, 5, 5), np.float32)
    marked[1, 2, 2] = 1.0
    out, _ = run(layer, marked, structural=True)
    assert out.min() >= 0
    # every output element that reads input (1, 2, 2) is non-zero: position (2, 2) for element-wise and
    # softmax (softmax: every channel there), (1, 1) for the 2×2 pool, (1, 1) in ceil-mode max pool
    # (window rows 1..3), every channel of the 3×3 conv at rows 1..3
    if name == "sigmoid" or name in ("relu", "tanh", "gelu", "elu", "batchnorm"):
        assert set(zip(*np.nonzero(out))) == {(1, 2, 2)}
    elif name == "softmax":
        assert set(zip(*np.nonzero(out))) == {(0, 2, 2), (1, 2, 2)}
    elif name == "conv":
        assert set(zip(*np.nonzero(out))) == {(c, h, w) for c in range(2) for h in (1, 2, 3) for w in (1, 2, 3)}
    else:
        assert set(zip(*np.nonzero(out))) == {(1, 1, 1)}


def test_every_core_layer_type_has_an_executor():
    core = {"conv", "maxpool", "avgpool", "sumpool", "global_avgpool", "global_maxpool", "dense", "flatten",
            "relu", "leaky_relu", "elu", "gelu", "tanh", "sigmoid", "softmax", "batchnorm", "dropout", "concat",
            "add", "input"}
    assert core <= set(executable_types())
    assert set(EXECUTORS) <= set(REGISTRY), "an executor is registered under a name no layer type has"


def test_every_layer_type_has_an_executor():
    assert set(REGISTRY) == set(executable_types())
