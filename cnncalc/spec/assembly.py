"""Graph assembly: the spec's layer entries → graph nodes, with blocks expanded, branches and `repeat`
unrolled, names resolved (scopes.py) and the expansion limits enforced."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Iterable, Optional

from cnncalc.errors import LayerArgError, Location, SpecError, brief, did_you_mean
from cnncalc.graph import Graph, Node
from cnncalc.layers import lookup, type_names
from cnncalc.layers.base import Layer
from cnncalc.record import MISSING
from cnncalc.spec.definitions import Block, read_blocks, read_defaults
from cnncalc.spec.entries import Entry, read_entry
from cnncalc.spec.scopes import Scope, resolve, resolve_later
from cnncalc.spec.templates import has_dollar, substitute
from cnncalc.spec.yamlsource import LocDict, LocList


class Builder:
    def __init__(self, doc: LocDict, max_layers: int, max_depth: int):
        self.doc = doc
        self.max_layers = max_layers
        self.max_depth = max_depth
        self.blocks = read_blocks(doc.get("blocks"), doc.where("blocks"))
        self.defaults = read_defaults(doc.get("defaults"), doc.where("defaults"))
        self.nodes: dict[str, Node] = {}
        self.position: dict[str, int] = {}   # node → the order it was written in
        self.pending: list = []              # (node name, scope, from names, location) to resolve at the end
        self.shared: dict = {}               # (type, its scalar arguments) → the one layer built from them

    def build(self, shape: tuple) -> Graph:
        loc = self.doc.where("input")
        network_input = lookup("input")
        assert network_input is not None                   # a built-in type
        self._add("input", network_input.from_args({"shape": list(shape)}), (), loc, True, {})
        layers = self.doc["layers"]
        if not isinstance(layers, LocList) or not layers:
            raise SpecError("'layers' must be a non-empty list of layers", self.doc.where("layers"))
        top = Scope(prefix="", input="input", env={})
        top.names["input"] = "input"
        output = self._sequence(layers, top, "input")
        self._resolve_pending()
        return Graph(nodes=self.nodes, output=output)

    # -- sequences and entries -------------------------------------------------------------------------

    def _sequence(self, entries: LocList, scope: Scope, previous: str) -> str:
        """Build entries one after another; returns the full name of the last output."""
        for entry in entries:
            if isinstance(entry, LocDict) and isinstance(entry.get("name"), str):
                scope.reserved.add(entry["name"])
        for index, entry in enumerate(entries):
            previous = self._entry(entry, entries, index, scope, previous)
        return previous

    def _arguments_of(self, key) -> Optional[frozenset]:
        if key in self.blocks:
            return frozenset(self.blocks[key].args)
        cls = lookup(key)
        return None if cls is None else frozenset(f.name for f in cls.arg_fields())

    def _entry(self, value, entries: LocList, index: int, scope: Scope, previous: str) -> str:
        # a mapping entry carries its own location: the item's is made only when it is used
        loc = None if isinstance(value, LocDict) else entries.where(index)
        if scope.env or has_dollar(value):
            loc = entries.where(index)
            try:
                value = substitute(value, scope.env, loc)
            except SpecError as err:     # name the layer (or, unnamed, the block instance) it happened in
                name = value.get("name") if isinstance(value, LocDict) else None
                raise err.at(layer=scope.full(name) if isinstance(name, str) else scope.prefix or None) from None
        entry = read_entry(value, loc, scope, self.max_layers, self._arguments_of)
        loc = entry.location
        block = self.blocks.get(entry.type)
        cls = lookup(entry.type) if block is None else None
        if block is None and cls is None:
            choices = [*type_names(), *self.blocks]
            raise SpecError(f"unknown layer type '{entry.type}'{did_you_mean(entry.type, choices)}", loc)
        if cls is not None and cls.arity == 0:
            raise SpecError("the network input is declared by the spec's top-level 'input:', not as a layer", loc)

        last = previous
        before = len(self.nodes)
        for rep in range(entry.repeat):
            if entry.name is None:
                local = scope.auto_name(entry.type)
            else:
                local = entry.name if entry.repeat == 1 else f"{entry.name}.{rep}"
            if local in scope.names:
                raise SpecError(f"the name '{local}' is used twice in this scope", loc, scope.full(local))
            start = last if rep > 0 or entry.source is None else None
            full = scope.full(local)
            if block is not None:
                output = self._block(block, entry, scope, full, start)
            else:
                assert cls is not None                          # an entry names a block or a layer type
                output = self._layer(cls, entry, scope, full, start)
            scope.names[local] = output
            last = output
            if rep == 0 and entry.repeat > 1:
                self._check_repeat(entry.repeat, before, loc, full)
        if entry.name is not None and entry.repeat > 1:
            scope.names[entry.name] = last
        return last

    # -- plain layers and merges -----------------------------------------------------------------------

    def _layer(self, cls: type[Layer], entry: Entry, scope: Scope, full: str, start: Optional[str]) -> str:
        args, loc, source = entry.arguments, entry.location, entry.source
        branches = None
        if cls.has_branches and isinstance(args, (LocList, LocDict)) and args:
            branches = args
            args = None
        if args is None:
            args = LocDict()
            args.loc, args.key_locs = entry.arguments_location, {}
        if not isinstance(args, LocDict):
            raise SpecError(f"the arguments of {cls.type_name} must be a mapping{_example(cls)}, "
                            f"got {brief(args)}", entry.arguments_location, full)
        defaults = self.defaults.for_type(cls.type_name)
        try:
            layer = self._shared_layer(cls, args, defaults)
        except LayerArgError as err:
            if err.key in args or err.key not in defaults:
                where = args.where(err.key) if err.key in args else entry.arguments_location
                raise SpecError(str(err), where, full) from None
            # the bad value came from the spec's defaults: point there, and say which layer took it
            where = self.defaults.where(cls.type_name, str(err.key))   # a key of 'defaults' here
            raise SpecError(f"{err} (a value from 'defaults', taken by this {cls.type_name})", where, full) from None
        arg_locations = args.key_locs
        parts = layer.expand()
        if parts:                       # () for a layer that is one node
            return self._expanded(layer, parts, entry, scope, full, start, arg_locations)

        if branches is not None:
            if source is not None and not isinstance(source, str):
                raise SpecError(f"{cls.type_name} with branches starts them all from one input; "
                                f"'from' must name one layer", loc, full)
            # without a start the entry names its source (start is None only then)
            origin = start if start is not None else resolve(scope, str(source), self.position, loc, full)
            inputs = self._branches(branches, scope, full, origin, entry.trainable, loc)
            if len(inputs) < 2:
                raise SpecError(f"{cls.type_name} needs two or more branches", loc, full)
            self._add(full, layer, tuple(inputs), loc, entry.trainable, arg_locations)
            return full

        if start is not None:
            if cls.arity is None:
                raise SpecError(f"{cls.type_name} merges two or more inputs: give it branches "
                                f"({cls.type_name}: [[...], [...]]) or 'from: [a, b]'", loc, full)
            self._add(full, layer, (start,), loc, entry.trainable, arg_locations)
        else:
            names = [source] if isinstance(source, str) else source
            if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
                raise SpecError("'from' must be a layer name or a list of layer names", loc, full)
            if cls.arity is None and len(names) < 2:
                raise SpecError(f"{cls.type_name} merges two or more inputs; 'from' names {len(names)}",
                                loc, full)
            if cls.arity is not None and len(names) != cls.arity:
                raise SpecError(f"{cls.type_name} takes {cls.arity} input, 'from' names {len(names)}", loc, full)
            self._add(full, layer, (), loc, entry.trainable, arg_locations)
            self.pending.append((full, scope, names, loc))
        return full

    def _expanded(self, layer: Layer, parts: Iterable[Layer], entry: Entry, scope: Scope, full: str,
                  start: Optional[str], arg_locations: Mapping) -> str:
        """An entry whose layer expands into several (``parts``, its ``expand()``: split's): one node per part,
        FULL.0, FULL.1, …, each reading the entry's one input, and named NAME.0, NAME.1, … in the scope.
        Returns the last part, which the entry's own name then means (and the next entry reads)."""
        loc, source = entry.location, entry.source
        names = [source] if isinstance(source, str) else source
        if start is None and (not isinstance(names, list) or len(names) != 1 or not isinstance(names[0], str)):
            raise SpecError(f"{layer.type_name} reads one input; 'from' must name one layer", loc, full)
        local = full[len(scope.prefix) + 1:] if scope.prefix else full
        output = full
        for index, part in enumerate(parts):
            name = f"{local}.{index}"
            if name in scope.names:
                raise SpecError(f"the name '{name}' is used twice in this scope", loc, scope.full(name))
            output = scope.full(name)
            self._add(output, part, (start,) if start is not None else (), loc, entry.trainable, arg_locations)
            if start is None:
                self.pending.append((output, scope, names, loc))
            scope.names[name] = output
        return output

    def _shared_layer(self, cls: type[Layer], args: LocDict, defaults) -> Layer:
        """``cls.from_args(args, defaults)``, built once for each distinct set of int, text or boolean
        arguments: layers are frozen records, so a chain of identical convs shares one (each node keeps its
        own name, inputs and locations). Arguments of other kinds (lists, floats) are built every time."""
        key: tuple = (cls,)
        for name, value in args.items():
            kind = type(value)
            if kind is not int and kind is not str and kind is not bool and value is not None:
                return cls.from_args(args, defaults)
            key += (name, kind, value)
        layer = self.shared.get(key)
        if layer is None:
            layer = self.shared[key] = cls.from_args(args, defaults)
        return layer

    def _branches(self, branches, scope: Scope, full: str, origin: str, trainable: bool, loc: Location) -> list[str]:
        if isinstance(branches, LocDict):
            items = [(str(key), value, branches.where(key)) for key, value in branches.items()]
        else:
            items = [(f"b{i}", value, branches.where(i)) for i, value in enumerate(branches)]
        outputs = []
        for label, body, where in items:
            if body is None or (isinstance(body, LocList) and not body):
                outputs.append(origin)          # an empty branch is the identity (a shortcut)
                continue
            if not isinstance(body, LocList):
                raise SpecError(f"branch '{label}' must be a list of layers ([] for the identity)", where, full)
            sub = Scope(prefix=f"{full}.{label}", input=origin, env=scope.env, parent=scope,
                        blocks=scope.blocks, trainable=trainable)
            self._check_depth(sub, where, full)
            sub.names["input"] = origin
            outputs.append(self._sequence(body, sub, origin))
        return outputs

    # -- blocks ---------------------------------------------------------------------------------------

    def _block(self, block: Block, entry: Entry, scope: Scope, full: str, start: Optional[str]) -> str:
        loc = entry.location
        args: Any = entry.arguments         # a LocDict, or None / {} for a call without arguments
        if block.name in scope.blocks:
            chain = " → ".join([*scope.blocks, block.name])
            raise SpecError(f"block '{block.name}' uses itself ({chain})", loc, full)
        if args is None:
            args = {}
        if not isinstance(args, LocDict) and args != {}:
            raise SpecError(f"the arguments of block '{block.name}' must be a mapping, got {brief(args)}",
                            entry.arguments_location, full)
        for key in args:
            if key not in block.args:
                known = ", ".join(block.args) or "none"
                raise SpecError(f"block '{block.name}' has no argument '{key}'{did_you_mean(key, block.args)}; "
                                f"it takes: {known}", args.where(key), full)
        env = {**block.args, **args}
        if start is None:
            if not isinstance(entry.source, str):
                raise SpecError("a block reads one input; 'from' must name one layer", loc, full)
            origin = resolve(scope, entry.source, self.position, loc, full)
        else:
            origin = start
        inner = Scope(prefix=full, input=origin, env=env, parent=scope, blocks=(*scope.blocks, block.name),
                      trainable=entry.trainable)
        self._check_depth(inner, loc, full)
        inner.names["input"] = origin
        return self._sequence(block.layers, inner, origin)

    # -- limits and nodes -----------------------------------------------------------------------------

    def _check_repeat(self, repeat: int, before: int, loc: Location, full: str) -> None:
        """After the first copy of a repeated entry: refuse at once if all copies would pass the limit
        (a repeated block of repeated blocks multiplies), instead of building up to the limit first."""
        per_copy = len(self.nodes) - before
        if before + per_copy * repeat > self.max_layers + 1:
            raise SpecError(f"'repeat: {repeat:,}' of {per_copy:,} layers each makes the spec expand to more "
                            f"than {self.max_layers:,} layers (raise the limit with --max-layers)", loc, full)

    def _check_depth(self, scope: Scope, loc: Location, full: str) -> None:
        if scope.depth() > self.max_depth:
            raise SpecError(f"blocks and branches are nested more than {self.max_depth} deep", loc, full)

    def _add(self, full: str, layer: Layer, inputs: tuple, loc: Location, trainable: bool,
             arg_locations: Mapping) -> None:
        if full in self.nodes:
            raise SpecError(f"two layers are named '{full}'", loc, full)
        if len(self.nodes) >= self.max_layers + 1:
            raise SpecError(f"the spec expands to more than {self.max_layers:,} layers "
                            f"(raise the limit with --max-layers)", loc, full)
        self.nodes[full] = Node(full, layer, tuple(inputs), loc, trainable, arg_locations)
        self.position[full] = len(self.position)

    def _resolve_pending(self) -> None:
        for full, scope, names, loc in self.pending:
            inputs = tuple(resolve_later(scope, name, self.position, loc, full) for name in names)
            # the node was made here and nobody has seen it yet: complete it in place (not a second Node)
            object.__setattr__(self.nodes[full], "inputs", inputs)


_SAMPLES = (3, 64, True, "same", 0.5, [2, 2])


def _example(cls: type[Layer]) -> str:
    """' such as {kernel: 3}': one argument of the type (a required one first) with a value it accepts."""
    if cls.has_branches:
        return " or branches such as [[...], [...]]"
    fields = sorted(cls.arg_fields(), key=lambda f: f.default is not MISSING or f.default_factory is not MISSING)
    for f in fields:
        own = [f.default] if type(f.default) in (int, float, str) else []
        for sample in (*own, *_SAMPLES):
            try:
                f.metadata["rule"](sample, f.name)
            except LayerArgError:
                continue
            shown = str(sample).lower() if isinstance(sample, bool) else str(sample)
            return f" such as {{{f.name}: {shown}}}"
    return f", such as {{}} ({cls.type_name} takes no arguments)" if not fields else ""
