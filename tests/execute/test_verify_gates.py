"""verify on tests/data/gates_and_shuffles.yaml (every element-wise and routing type of issue 10): every
shape and every unit's field agrees with the execution; and the comparison can fail there: the field a
broadcast product would have if the gate were ignored in the union (the features' own 14/1 instead of the
whole of what they see, stride 0) is caught, as is a mul executor whose structural run is the product."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cnncalc import rf as rfmod
from cnncalc.execute import EXECUTORS, executor_for
from cnncalc.spec import read_spec
from cnncalc.verify import AGREE, MISMATCH, RF_AGREE, verify

SPEC = Path(__file__).resolve().parents[1] / "data" / "gates_and_shuffles.yaml"


def test_every_new_type_verifies():
    result = verify(read_spec(str(SPEC)))
    assert result.status == AGREE, [(n.name, n.problems) for n in result.mismatches]
    assert all(node.shape_ok and node.rf_status == RF_AGREE for node in result.nodes)
    types = {node.type for node in result.nodes}
    assert {"mul", "add", "silu", "hardswish", "hardsigmoid", "mish", "prelu", "scale", "stochastic_depth",
            "identity", "channel_shuffle"} <= types


def test_a_union_that_drops_the_gate_is_caught(monkeypatch):
    union = rfmod.union

    def without_broadcast(rfs):
        full = [rf for rf in rfs if any(a.extent > 1 for a in rf)]
        return union(full or rfs)
    monkeypatch.setattr(rfmod, "union", without_broadcast)
    result = verify(read_spec(str(SPEC)))
    assert result.status == MISMATCH
    assert "excite" in {node.name for node in result.mismatches}


def test_a_product_as_its_own_structural_run_is_caught(monkeypatch):
    executor_for("mul")
    monkeypatch.setitem(EXECUTORS, "mul", lambda layer, inputs, ctx: np.prod(np.broadcast_arrays(*inputs), axis=0))
    with pytest.raises(RuntimeError, match="mul"):      # verify stops, naming the type that breaks the rule
        verify(read_spec(str(SPEC)))
