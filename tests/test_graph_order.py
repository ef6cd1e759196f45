"""graph.Graph.topological_order against a brute-force reference: among the nodes whose inputs are all
placed, take the one written first, again and again (quadratic, obviously right)."""

import random

import pytest

from cnncalc.errors import Location, SpecError
from cnncalc.graph import Graph, Node


def reference_order(inputs: dict) -> list:
    placed, order = set(), []
    while len(order) < len(inputs):
        ready = [name for name in inputs if name not in placed and all(s in placed for s in inputs[name])]
        if not ready:
            return []                      # a cycle
        order.append(ready[0])
        placed.add(ready[0])
    return order


def graph_of(inputs: dict) -> Graph:
    nodes = {name: Node(name, None, tuple(sources), Location("g.yaml", i + 1, 1))
             for i, (name, sources) in enumerate(inputs.items())}
    return Graph(nodes=nodes, output=list(inputs)[-1])


def random_dag(rng: random.Random, n: int, forward: bool) -> dict:
    """n nodes over a hidden order; written in that order, or shuffled (forward references) when ``forward``."""
    hidden = [f"n{i}" for i in range(n)]
    inputs = {hidden[0]: []}
    for i in range(1, n):
        inputs[hidden[i]] = rng.sample(hidden[:i], k=min(i, rng.randint(1, 3)))
    if forward:
        written = hidden[1:]
        rng.shuffle(written)
        return {hidden[0]: [], **{name: inputs[name] for name in written}}
    return inputs


@pytest.mark.parametrize("forward", [False, True])
def test_order_is_the_reference_order(forward):
    rng = random.Random(14 + forward)
    for _ in range(300):
        inputs = random_dag(rng, rng.randint(1, 25), forward)
        got = [node.name for node in graph_of(inputs).topological_order()]
        assert got == reference_order(inputs)


def test_a_chain_written_in_order_and_reversed():
    chain = {"input": [], **{f"l{i}": [f"l{i - 1}" if i > 1 else "input"] for i in range(1, 50)}}
    assert [n.name for n in graph_of(chain).topological_order()] == list(chain)
    backwards = {"input": [], **{name: chain[name] for name in reversed(list(chain)[1:])}}
    assert [n.name for n in graph_of(backwards).topological_order()] == list(chain)


def test_a_cycle_is_refused_with_its_first_written_layer():
    inputs = {"input": [], "a": ["input", "c"], "b": ["a"], "c": ["b"], "d": ["c"]}
    assert reference_order(inputs) == []
    with pytest.raises(SpecError) as caught:
        graph_of(inputs).topological_order()
    assert caught.value.layer == "a" and caught.value.location == Location("g.yaml", 2, 1)
    assert caught.value.message == "the layers form a cycle: a → b → c → a"
