"""Tied weights, `share: a` (docs/spec.md, "Tied weights"): which node's weights an entry reuses, and the
check that a sharing entry which writes its type and arguments writes those of the layer it shares.

The weights belong to their first use: `a` is found as `from:` finds a name (scopes.resolve), but only
among layers written before the entry, and a layer that shares one that shares shares the original.
"""

from __future__ import annotations

from typing import Optional

from cnncalc.errors import SpecError, did_you_mean
from cnncalc.graph import Node
from cnncalc.layers import lookup
from cnncalc.layers.base import Layer
from cnncalc.record import replace
from cnncalc.spec.definitions import Block
from cnncalc.spec.entries import Entry
from cnncalc.spec.scopes import Scope, resolve
from cnncalc.spec.yamlsource import LocDict


def tied_node(entry: Entry, block: Optional[Block], scope: Scope, nodes: dict,
              position: dict) -> tuple[Entry, Node]:
    """The node whose weights ``entry`` reuses (the original when 'a' shares too), and the entry with a's
    type when it wrote none. ``nodes`` and ``position``: the nodes built so far and their written order."""
    assert entry.share is not None and entry.mapping is not None      # a meta key of a mapping entry
    where, label, name = entry.mapping.where("share"), entry.label(scope), entry.share
    if block is not None:
        raise SpecError(f"'share' ties the weights of one layer and '{entry.type}' is a block; "
                        f"share each of its layers instead", where, label)
    target = resolve(scope, name, position, where, label, pending=True)
    if not target:
        raise SpecError(f"'share' names '{name}', but no layer written before this one has that name"
                        f"{did_you_mean(name, [*scope.names, *position])}", where, label)
    if target != name and not target.endswith("." + name):
        raise SpecError(f"'share' names '{name}', a block or a repeated entry (its output is '{target}'); "
                        f"name one layer", where, label)
    node = nodes[target]
    node = nodes[node.shares] if node.shares else node
    if node.layer.arity == 0:
        raise SpecError("'share' names the network input, which has no weights", where, label)
    if entry.type and lookup(entry.type) is not type(node.layer):
        raise SpecError(f"this {entry.type} cannot share the weights of '{node.name}', "
                        f"a {node.layer.type_name}", where, label)
    if entry.trainable != node.trainable:
        state = "trainable" if node.trainable else "frozen"
        raise SpecError(f"'{node.name}', whose weights it shares, is {state}: tied weights are trained or "
                        f"frozen together", entry.mapping.where("trainable") if "trainable" in entry.mapping
                        else where, label)
    if not entry.type:
        entry = replace(entry, type=node.layer.type_name)
    return entry, node


def check_tie(layer: Layer, tied: Node, args: LocDict, entry: Entry, full: str) -> None:
    """A 'share:' entry that writes its arguments must write the ones of the layer it shares."""
    for f in type(layer).arg_fields():
        mine, theirs = getattr(layer, f.name), getattr(tied.layer, f.name)
        if mine != theirs or type(mine) is not type(theirs):
            where = args.where(f.name) if f.name in args else entry.arguments_location
            raise SpecError(f"it shares the weights of '{tied.name}', so its arguments must be the same: "
                            f"{f.name} is {_shown(mine)} here, {_shown(theirs)} in '{tied.name}'", where, full)


def _shown(value) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, tuple):
        return "[" + ", ".join(map(_shown, value)) + "]"
    return str(value)
