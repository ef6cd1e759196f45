"""The layer graph: named nodes, their inputs, and a stable topological order."""

from __future__ import annotations

import heapq
from collections.abc import Mapping

from cnncalc.errors import Location, SpecError
from cnncalc.layers.base import Layer
from cnncalc.record import field, record


@record(slots=True)
class Node:
    name: str                         # full path, e.g. 'layer2.1.conv2'
    layer: Layer
    inputs: tuple                     # names of the nodes it reads
    location: Location
    trainable: bool = True
    arg_locations: Mapping = field(default_factory=dict, compare=False)   # argument → where it was written
    shares: str = ""                  # the node whose weights it reuses ('share:', tied weights), else ''

    def where(self, key: str | None) -> Location:
        return self.arg_locations.get(key, self.location) if key else self.location


@record
class Graph:
    nodes: dict                       # name → Node, in the order the spec defines them
    output: str                       # the node whose output is the network's output
    # the block calls, innermost first: (scope prefix, block name, origin node, output node, {argument: its
    # value in this call}); cnncalc.export writes one class per block from them
    instances: tuple = field(default=(), compare=False)
    # nodes a runtime runs in place whatever --in-place says (cnncalc.deploy: TinyEngine's depthwise convolution)
    in_place: frozenset = field(default=frozenset(), compare=False)
    # the nodes a batch norm was folded into (cnncalc.deploy): their bias is the fold's shift
    folded: frozenset = field(default=frozenset(), compare=False)

    def topological_order(self) -> list[Node]:
        """Every node after its inputs; among ready nodes, the one defined first (so a plain sequence
        keeps its written order). A cycle is an error naming the nodes on it."""
        index = {name: i for i, name in enumerate(self.nodes)}
        if all(index[source] < i for i, node in enumerate(self.nodes.values()) for source in node.inputs):
            # every node reads only nodes written before it: the rule below would pick them in written order
            return list(self.nodes.values())
        # Kahn's algorithm on the nodes' positions (ints, lists: no name lookups in the loop)
        nodes = list(self.nodes.values())
        waiting = [0] * len(nodes)
        readers: list[list[int]] = [[] for _ in nodes]
        for i, node in enumerate(nodes):
            sources = node.inputs if len(node.inputs) < 2 else set(node.inputs)
            waiting[i] = len(sources)
            for source in sources:
                readers[index[source]].append(i)
        ready = [i for i, count in enumerate(waiting) if count == 0]
        heapq.heapify(ready)
        order = []
        pop, push = heapq.heappop, heapq.heappush
        while ready:
            i = pop(ready)
            order.append(nodes[i])
            for reader in readers[i]:
                waiting[reader] -= 1
                if waiting[reader] == 0:
                    push(ready, reader)
        if len(order) != len(nodes):
            cycle = self._find_cycle({nodes[i].name for i, count in enumerate(waiting) if count > 0}, index)
            first = self.nodes[cycle[0]]
            raise SpecError(_cycle_message(cycle), first.location, first.name)
        return order

    def _find_cycle(self, stuck: set, index: dict) -> list[str]:
        """One cycle among the nodes that could not be ordered (each has an input among them). Linear in the
        number of nodes: walk inputs from the node written first until a node repeats. ``index``: each
        node's position in the written order."""
        start = next(name for name in self.nodes if name in stuck)
        nodes = self.nodes
        path, seen = [start], {start: 0}
        while True:
            inputs = nodes[path[-1]].inputs
            nxt = inputs[0] if len(inputs) == 1 else next(name for name in inputs if name in stuck)
            if nxt in seen:
                cycle = path[seen[nxt]:][::-1]                   # in data-flow order
                i = cycle.index(min(cycle, key=index.__getitem__))      # start at the one written first
                return cycle[i:] + cycle[:i]
            seen[nxt] = len(path)
            path.append(nxt)

    def unused(self) -> list[str]:
        """Nodes whose output nobody reads and that are not the network's output."""
        read = {source for node in self.nodes.values() for source in node.inputs}
        return [name for name in self.nodes if name not in read and name != self.output]


SHOWN = 4     # names shown at each end of a long cycle


def _cycle_message(cycle: list[str]) -> str:
    """The cycle in data-flow order, back to its first layer; a long one shows its first and last SHOWN
    layers and how many are left out between them."""
    if len(cycle) <= 3 * SHOWN:
        return "the layers form a cycle: " + " → ".join([*cycle, cycle[0]])
    left_out = len(cycle) - 2 * SHOWN
    names = [*cycle[:SHOWN], f"… ({left_out:,} more)", *cycle[-SHOWN:], cycle[0]]
    return f"the layers form a cycle of {len(cycle):,} layers: " + " → ".join(names)
