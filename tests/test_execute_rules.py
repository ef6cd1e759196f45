"""Where executors live and what they declare (cnncalc/execute/__init__.py): the executor of a type of
cnncalc/layers/<module>.py is in cnncalc/execute/<module>.py; every registration declares its structural
run; and verify enforces the union rule, so that an executor which multiplies 0/1 probes is stopped with a
message instead of silently measuring too small a receptive field."""

from __future__ import annotations

import pkgutil
import textwrap

import numpy as np
import pytest

import cnncalc.execute
import cnncalc.layers
from cnncalc.execute import EXECUTORS, SAME, executes, executor_for, executor_module
from cnncalc.layers import REGISTRY, companion_module
from cnncalc.spec import parse_spec
from cnncalc.verify import AGREE, verify

# add: one 3×3 convolution and one 1×1 of the same input, joined. Its output at a position depends on the 3×3
# window around it (the union of the two fields), so a structural run that multiplies the two branches'
# 0/1 indicators would see only the 1×1's single position.
GATED = """
input: [1, 7, 7]
defaults: {bias: false}
layers:
  - {name: wide, conv: {out: 2, kernel: 3, padding: 1}}
  - {name: narrow, from: input, conv: {out: 2, kernel: 1}}
  - {name: gate, from: [wide, narrow], add: {}}
"""


def test_every_executor_lives_in_the_module_named_as_its_layer_module():
    for name, cls in REGISTRY.items():
        executor = executor_for(name)
        assert executor is not None, f"layer type '{name}' has no executor"
        expected = cls.__module__.replace("cnncalc.layers.", "cnncalc.execute.", 1)
        assert executor_module(cls) == expected and executor.__module__ == expected, name


def test_every_execute_module_but_the_shared_windows_matches_a_layer_module():
    layers = {m.name for m in pkgutil.iter_modules(cnncalc.layers.__path__)}
    executors = {m.name for m in pkgutil.iter_modules(cnncalc.execute.__path__)}
    assert executors - layers == set()


def test_every_registration_declares_its_structural_run():
    for name, func in EXECUTORS.items():
        assert callable(func.structural) and func.flat_unit in ("element", "vector"), name
    with pytest.raises(TypeError):
        executes("nothing")                       # structural= has no default
    with pytest.raises(TypeError):
        executes("nothing", structural=SAME, flat_unit="rows")


def test_a_plugin_outside_a_layers_package_names_its_executor_module():
    class Elsewhere:
        __module__ = "research.blocks"
        companions: dict = {}
    assert executor_module(Elsewhere) == ""
    Elsewhere.companions = {"execute": "research.blocks_numpy"}
    assert executor_module(Elsewhere) == "research.blocks_numpy"
    Elsewhere.companions, Elsewhere.__module__ = {}, "lab.layers.gates"
    assert executor_module(Elsewhere) == "lab.execute.gates"
    Elsewhere.__module__ = "lab.layers.extra.layers.gates"     # the last 'layers' part is the one replaced
    assert companion_module(Elsewhere, "pytorch") == "lab.layers.extra.pytorch.gates"
    with pytest.raises(ValueError):
        companion_module(Elsewhere, "tensorflow")


def test_a_product_executor_is_stopped_by_the_union_rule(monkeypatch):
    spec = parse_spec(textwrap.dedent(GATED), "gated.yaml")
    assert verify(spec).status == AGREE

    def product(layer, inputs, ctx):             # declared SAME: its structural run multiplies the probes
        return np.prod(inputs, axis=0)
    product.structural, product.flat_unit = product, "element"
    executor_for("add")
    monkeypatch.setitem(EXECUTORS, "add", product)
    with pytest.raises(RuntimeError, match=r"structural run of 'add' \(layer 'gate'\) loses dependencies.*"
                                           r"product of 0/1 values.*docs/adding-a-layer.md"):
        verify(spec)


def test_the_same_product_with_a_sum_as_its_structural_run_agrees(monkeypatch):
    def product(layer, inputs, ctx):
        return np.prod(inputs, axis=0)
    product.structural = lambda layer, inputs, ctx: np.sum(inputs, axis=0)
    product.flat_unit = "element"
    executor_for("add")
    monkeypatch.setitem(EXECUTORS, "add", product)
    assert verify(parse_spec(textwrap.dedent(GATED), "gated.yaml")).status == AGREE
