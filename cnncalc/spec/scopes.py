"""Scopes and names: where a layer's automatic name comes from, and which node a `from:` name means.

The top of the spec, every block instance and every branch is a scope. A name written in a scope is
local to it (its node's full path is ``prefix.name``); `from:` looks outwards through the enclosing
scopes, so a block can read a layer of the network that uses it, and forward: a layer may name one written
after it (docs/spec.md, "Names and from").
"""

from __future__ import annotations

from typing import Optional

from cnncalc.errors import Location, SpecError, did_you_mean
from cnncalc.record import field, record


@record(frozen=False)
class Scope:
    prefix: str                                   # '' at the top, else 'layer2.1' etc.
    input: str                                    # full name of the node the scope starts from
    env: dict                                     # block arguments visible here
    parent: Optional["Scope"] = None
    names: dict = field(default_factory=dict)     # local name → full node name
    reserved: set = field(default_factory=set)    # names written explicitly in this scope
    counters: dict = field(default_factory=dict)
    blocks: tuple = ()                            # the block names being expanded (recursion guard)
    trainable: bool = True
    peeked: tuple = ()                            # the last peek: (type, counter then, its number, name)
    shape_from: str = "input"                     # the node whose shape $input.… reads (the block's input)
    sources: dict = field(default_factory=dict)   # argument → (where its value was written, how it came)
    vanished: dict = field(default_factory=dict)  # names of entries left out (if: false), which a kept one may take

    def full(self, local: str) -> str:
        return f"{self.prefix}.{local}" if self.prefix else local

    def auto_name(self, type_name: str, peek: bool = False) -> str:
        """The next free `type` + counter name; ``peek`` leaves the counter as it was."""
        n = self.counters.get(type_name, 0)
        if self.peeked[:2] == (type_name, n):
            # the name peeked last, if still free (the names taken only grow, so none before it came free)
            _, _, number, name = self.peeked
            if name not in self.reserved and name not in self.names:
                if not peek:
                    self.counters[type_name] = number
                return name
        start = n
        while True:
            n += 1
            name = f"{type_name}{n}"
            if name not in self.reserved and name not in self.names:
                if peek:
                    self.peeked = (type_name, start, n, name)
                else:
                    self.counters[type_name] = n
                return name

    def depth(self) -> int:
        return 0 if self.parent is None else 1 + self.parent.depth()


def resolve(scope: Scope, name: str, position: dict, loc: Location, full: str, pending: bool = False) -> str:
    """A 'from' name: the nearest enclosing scope that defines it before the layer asking (so an outer
    layer written earlier wins over an inner one written later); else a full layer path; else the
    nearest scope's later definition (a forward reference).

    ``position`` maps every node built so far to the order it was written in. While the spec is still being
    built (``pending`` false) a name nobody defined yet is an error; at the end ('' returned) the caller
    reports it.
    """
    asker = position.get(full, len(position))
    later = ""
    s: Optional[Scope] = scope
    while s is not None:
        if name in s.names:
            target = s.names[name]
            if position[target] < asker:
                return target
            later = later or target
        s = s.parent
    if name in position:
        return name
    if later:
        return later
    if not pending:
        raise SpecError(f"'from' names '{name}', but no layer defined before this one has that name"
                        f"{did_you_mean(name, [*scope.names, *position])} (blocks and branches cannot start "
                        f"from a later layer)", loc, full)
    return ""


def resolve_later(scope: Scope, name: str, position: dict, loc: Location, full: str) -> str:
    """A 'from' name once the whole spec is built: forward references included."""
    target = resolve(scope, name, position, loc, full, pending=True)
    if not target:
        raise SpecError(f"'from' names '{name}', but no layer has that name"
                        f"{did_you_mean(name, [*scope.names, *position])}", loc, full)
    return target
