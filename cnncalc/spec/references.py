"""References settled after their layer is made: a `from:` that names a layer written later (a forward
reference), and a shape reference (upsample's or crop's `like:`, ``Layer.shape_refs``), which becomes an
extra input after the node's data inputs.

Which node a name means is scopes.resolve's rule; this module only says *when* it is asked: at the end
of the spec (forward references included), or early, while the spec is still being built, for a node whose
shape a block's `$input` needs (then every name must mean a layer written before it). A node is never
changed: its completed inputs make a new node, which takes its place in the builder's table.
"""

from __future__ import annotations

from cnncalc.errors import Location, SpecError, did_you_mean
from cnncalc.graph import Node
from cnncalc.record import replace
from cnncalc.spec.scopes import Scope, resolve, resolve_later


def _with_inputs(node: Node, inputs: tuple) -> Node:
    """``node`` reading ``inputs`` (a new record, every other field the same)."""
    return replace(node, inputs=inputs)


class References:
    """The references of the nodes being built that wait to be resolved. ``nodes`` (name → Node, in the
    order written) and ``position`` (name → that order) are the builder's tables, read and, when a node
    is completed, given the new node."""

    def __init__(self, nodes: dict, position: dict):
        self.nodes = nodes
        self.position = position
        self.pending: dict = {}          # node name → (scope, from names, location): a forward 'from:'
        self.shape_refs: dict = {}       # node name → (scope, names, their locations): Layer.shape_refs

    def inputs_now(self, scope: Scope, names: list, loc: Location, full: str) -> tuple:
        """The nodes 'from:' names, when each is a layer built already (the usual case); else () and the
        names wait for the end. The end would resolve them the same way: a name bound later in this scope or
        an enclosing one means a node built later, which never wins over one built before (scopes.resolve)."""
        inputs = []
        for name in names:      # the asker is not in position yet: resolve places it after every node
            target = resolve(scope, name, self.position, loc, full, pending=True)
            if not target:
                return ()
            inputs.append(target)
        return tuple(inputs)

    def wait(self, full: str, scope: Scope, names, loc: Location) -> None:
        """Node ``full``'s 'from:' ``names`` are resolved at the end (or early, if its shape is needed)."""
        self.pending[full] = (scope, names, loc)

    def like(self, full: str, scope: Scope, names, places: list) -> None:
        """Node ``full``'s shape references ``names``, written at ``places``, are resolved at the end."""
        self.shape_refs[full] = (scope, names, places)

    def waiting(self, full: str) -> bool:
        return full in self.pending or full in self.shape_refs

    def settle_early(self, full: str) -> None:
        """Complete one node's references now, while the spec is being built (its shape is needed for
        $input): each must name a layer written before it."""
        if full in self.pending:
            self._resolve_early(full)
        if full in self.shape_refs:
            self._resolve_refs_of(full, early=True)

    def settle_all(self) -> None:
        """At the end of the spec: every forward 'from:', then every shape reference."""
        position, nodes = self.position, self.nodes
        for full, (scope, names, loc) in self.pending.items():
            if len(names) == 1:
                inputs: tuple = (resolve_later(scope, names[0], position, loc, full),)
            else:
                inputs = tuple(resolve_later(scope, name, position, loc, full) for name in names)
            nodes[full] = _with_inputs(nodes[full], inputs)
        self.pending.clear()
        for full in list(self.shape_refs):
            self._resolve_refs_of(full)

    def _resolve_early(self, full: str) -> None:
        """Complete a node's 'from:' inputs now, when they name layers written before it (then the end would
        resolve them the same way)."""
        scope, names, loc = self.pending[full]
        inputs = []
        for name in names:
            target = resolve(scope, name, self.position, loc, full, pending=True)
            if not target or self.position[target] >= self.position[full]:
                raise SpecError(f"the shape of '{full}' is needed here (a block reads its input shape with "
                                f"$input), but its 'from' names '{name}', a layer not built yet", loc, full)
            inputs.append(target)
        self.nodes[full] = _with_inputs(self.nodes[full], tuple(inputs))
        del self.pending[full]

    def _resolve_refs_of(self, full: str, early: bool = False) -> None:
        """One node's shape references, appended to its inputs; ``early``: while the spec is being built
        (for $input), when each must name a layer written before it."""
        scope, names, where = self.shape_refs.pop(full)
        refs = []
        for name, loc in zip(names, where):
            target = resolve(scope, name, self.position, loc, full, pending=True)
            if not target:
                raise SpecError(f"'like' names '{name}', but no layer has that name"
                                f"{did_you_mean(name, [*scope.names, *self.position])}", loc, full)
            if early and self.position[target] >= self.position[full]:
                raise SpecError(f"the shape of '{full}' is needed here (a block reads its input shape with "
                                f"$input), but its 'like' names '{name}', a layer not built yet", loc, full)
            refs.append(target)
        node = self.nodes[full]
        self.nodes[full] = _with_inputs(node, node.inputs + tuple(refs))
