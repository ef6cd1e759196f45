"""Graph assembly: the spec's layer entries → graph nodes, with blocks expanded, branches and `repeat`
unrolled, names resolved (scopes.py) and the expansion limits enforced."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Iterable, Optional

from cnncalc.errors import LayerArgError, Location, SpecError, brief, did_you_mean
from cnncalc.graph import Graph, Node
from cnncalc.layers import lookup, type_names
from cnncalc.layers.base import Layer
from cnncalc.record import MISSING, replace
from cnncalc.spec.definitions import Block, read_blocks, read_defaults
from cnncalc.spec.entries import Entry, read_entry
from cnncalc.spec.references import References
from cnncalc.spec.scopes import Scope, resolve
from cnncalc.spec.templates import Derived, expand, has_dollar, mentions, substitute, vanishes
from cnncalc.spec.ties import check_tie, tied_node
from cnncalc.spec.yamlsource import LocDict, LocList


class Builder:
    def __init__(self, doc: LocDict, max_layers: int, max_depth: int, env: Optional[dict] = None,
                 dollars: bool = True, totals: Optional[dict] = None):
        """``totals``: block name → its instances in the network ($block.count), as a build before this one
        counted them (None in the first build; a block not counted there, or past its count, reads a stand-in,
        index + 2, never below the real count's lower bound index + 1 and never 1, so that index / (count - 1)
        can be evaluated)."""
        self.doc = doc
        self.totals = totals
        self.dollars = dollars               # False: no text of the spec holds a '$' (nothing to substitute)
        self.max_layers = max_layers
        self.max_depth = max_depth
        self.env = env or {}                 # the spec's arguments (top-level 'args:', --set)
        self.blocks = read_blocks(doc.get("blocks"), doc.where("blocks"))
        defaults = doc.get("defaults")
        if has_dollar(defaults):
            defaults = substitute(defaults, self.env, doc.where("defaults"))
        self.defaults = read_defaults(defaults, doc.where("defaults"))
        self.nodes: dict[str, Node] = {}
        self.position: dict[str, int] = {}   # node → the order it was written in
        self.refs = References(self.nodes, self.position)   # forward 'from:' and 'like:': resolved later
        self.shapes: dict = {}               # node → its output shape, for $input.… (inferred when asked)
        self.instances: list = []            # block calls: (scope prefix, block name, origin node, output node,
                                             # the block's arguments' values)
        self.shared: dict = {}               # (type, its scalar arguments) → the one layer built from them
        self.classes: dict = {}              # type name → its layer class, as looked up
        self.type_defaults: dict = {}        # type name → the spec's defaults that apply to it
        self.notes: list = []                # (layer, message): a block used in place of a layer type
        self.block_counts: dict = {}         # block name → instances built so far ($block.index)
        self.counted = False                 # whether an expression read $block.count (then: build again)
        self.guessed = False                 # whether one read a stand-in for it (index + 2: not counted yet)

    def build(self, shape: tuple) -> Graph:
        loc = self.doc.where("input")
        network_input = lookup("input")
        assert network_input is not None                   # a built-in type
        self._add("input", network_input.from_args({"shape": list(shape)}), (), loc, True, {})
        layers = self.doc["layers"]
        if not isinstance(layers, LocList) or not layers:
            raise SpecError("'layers' must be a non-empty list of layers", self.doc.where("layers"))
        top = Scope(prefix="", input="input", env=self.env)
        top.names["input"] = "input"
        output = self._sequence(layers, top, "input")
        self.refs.settle_all()
        return Graph(nodes=self.nodes, output=output, instances=tuple(self.instances))

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
        if isinstance(value, LocDict) and ("if" in value or "repeat" in value):
            try:
                gone = vanishes(value, scope.env, self._shape_reader(scope))
            except SpecError as err:
                raise self._named(err, value, scope) from None
            if gone:
                return self._vanish(value, scope, previous)
        written = value
        count = self._repeat_count(value, scope) if isinstance(value, LocDict) and "repeat" in value else None
        env = scope.env if count is None else {**scope.env, "$repeat": {"index": 0, "count": count}}
        if self.dollars and has_dollar(value):
            loc = entries.where(index)
            value = self._substituted(value, env, loc, scope)
        entry = read_entry(value, loc, scope, self.max_layers, self._arguments_of)
        loc = entry.location
        block = self.blocks.get(entry.type)
        cls = None
        if block is None:
            cls = self.classes.get(entry.type)
            if cls is None:
                cls = lookup(entry.type)
                if cls is not None:
                    self.classes[entry.type] = cls
        tied = None
        if entry.share is not None and (block is not None or cls is not None or not entry.type):
            entry, tied = tied_node(entry, block, scope, self.nodes, self.position)
            cls = type(tied.layer)
        if block is not None and block.shadows and not any(n[2] == block.name for n in self.notes):
            self.notes.append((entry.label(scope), f"block '{block.name}' (defined at {block.location}) is used "
                               f"here, not the layer type of that name: a spec's own blocks shadow layer types",
                               block.name))
        if block is None and cls is None:
            choices = [*type_names(), *self.blocks]
            raise SpecError(f"unknown layer type '{entry.type}'{did_you_mean(entry.type, choices)}; "
                            f"see `cnncalc layers`", loc)
        if cls is not None and cls.arity == 0:
            raise SpecError("the network input is declared by the spec's top-level 'input:', not as a layer", loc)

        last = previous
        before = len(self.nodes)
        for rep in range(entry.repeat):
            if entry.name is None:
                local = scope.auto_name(entry.type)
            else:
                local = entry.name if entry.repeat == 1 else f"{entry.name}.{rep}"
            if local in scope.names and scope.vanished.pop(local, None) is None:
                raise SpecError(f"the name '{local}' is used twice in this scope", loc, scope.full(local))
            start = last if rep > 0 or entry.source is None else None
            full = scope.full(local)
            copy = None
            if count is not None:          # a written repeat: $repeat.index and .count of this copy
                copy = {"index": rep, "count": count}
                if rep > 0 and self.dollars and mentions(written, "$repeat."):
                    again = self._substituted(written, {**scope.env, "$repeat": copy}, entries.where(index), scope)
                    entry = replace(entry, arguments=read_entry(again, loc, scope, self.max_layers,
                                                                self._arguments_of).arguments)
            if block is not None:
                output = self._block(block, entry, scope, full, start, copy)
            else:
                assert cls is not None                          # an entry names a block or a layer type
                output = self._layer(cls, entry, scope, full, start, tied, copy)
            scope.names[local] = output
            last = output
            if rep == 0 and entry.repeat > 1:
                self._check_repeat(entry.repeat, before, loc, full)
        if entry.name is not None and entry.repeat > 1:
            scope.names[entry.name] = last
        return last

    def _substituted(self, value, env: dict, loc: Location, scope: Scope):
        try:
            return substitute(value, env, loc, self._shape_reader(scope))
        except SpecError as err:     # name the layer (or, unnamed, the block instance) it happened in
            raise self._named(err, value, scope) from None

    def _repeat_count(self, value: LocDict, scope: Scope):
        """A written ``repeat:``'s number of copies (``$repeat.count``); None if it is not a count (an error
        read_entry reports)."""
        count = value["repeat"]
        if isinstance(count, str) and "$" in count:
            try:
                count = expand(count, scope.env, value.where("repeat"), self._shape_reader(scope))
            except SpecError as err:
                raise self._named(err, value, scope) from None
        return count if type(count) is int and count >= 0 else None

    @staticmethod
    def _named(err: SpecError, value, scope: Scope) -> SpecError:
        """The error named after the layer (or, unnamed, the block instance) it happened in."""
        name = value.get("name") if isinstance(value, LocDict) else None
        return err.at(layer=scope.full(name) if isinstance(name, str) else scope.prefix or None)

    def _vanish(self, value: LocDict, scope: Scope, previous: str) -> str:
        """An entry left out (``if:`` false, ``repeat: 0``): its name, if any, means the layer before it."""
        name = value.get("name")
        if isinstance(name, str) and name not in scope.names:
            # an alternative that survives (``if:``) may take the name: only one of them is built
            scope.names[name] = previous
            scope.vanished[name] = previous
        return previous

    # -- plain layers and merges -----------------------------------------------------------------------

    def _layer(self, cls: type[Layer], entry: Entry, scope: Scope, full: str, start: Optional[str],
               tied: Optional[Node] = None, copy: Optional[dict] = None) -> str:
        args, loc, source = entry.arguments, entry.location, entry.source
        shares = "" if tied is None else tied.name        # 'share:': the node whose weights it reuses
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
        defaults = self.type_defaults.get(cls.type_name)
        if defaults is None:          # the spec's defaults for this type, merged once (read, never changed)
            defaults = self.type_defaults[cls.type_name] = self.defaults.for_type(cls.type_name)
        try:
            if tied is not None and (entry.mapping is None or entry.type not in entry.mapping):
                layer = tied.layer                          # {name: b, share: a}: a's type and arguments
            else:
                layer = self._shared_layer(cls, args, defaults)
                if tied is not None:
                    check_tie(layer, tied, args, entry, full)
        except LayerArgError as err:
            if isinstance(args, Derived) and err.key in args.refs:
                self._from_block_argument(err, args, scope, full)
            if err.key in args or err.key not in defaults:
                where = args.where(err.key) if err.key in args else entry.arguments_location
                raise SpecError(str(err), where, full) from None
            # the bad value came from the spec's defaults: point there, and say which layer took it
            where = self.defaults.where(cls.type_name, str(err.key))   # a key of 'defaults' here
            raise SpecError(f"{err} (a value from 'defaults', taken by this {cls.type_name})", where, full) from None
        arg_locations = args.key_locs
        if cls.shape_refs and layer.shape_references():
            places = [args.where(key) for key in cls.shape_refs if getattr(layer, key) is not None]
            self.refs.like(full, scope, layer.shape_references(), places)
        parts = layer.expand()
        if parts:                       # () for a layer that is one node
            return self._expanded(layer, parts, entry, scope, full, start, arg_locations, shares)

        if branches is not None:
            if source is not None and not isinstance(source, str):
                raise SpecError(f"{cls.type_name} with branches starts them all from one input; "
                                f"'from' must name one layer", loc, full)
            # without a start the entry names its source (start is None only then)
            origin = start if start is not None else resolve(scope, str(source), self.position, loc, full)
            inputs = self._branches(branches, scope, full, origin, entry.trainable, loc, copy)
            if len(inputs) < 2:
                raise SpecError(f"{cls.type_name} needs two or more branches", loc, full)
            self._add(full, layer, tuple(inputs), loc, entry.trainable, arg_locations, shares)
            return full

        if start is not None:
            if cls.arity is None:
                raise SpecError(f"{cls.type_name} merges two or more inputs: give it branches "
                                f"({cls.type_name}: [[...], [...]]) or 'from: [a, b]'", loc, full)
            if cls.arity > 1:
                raise SpecError(f"{cls.type_name} takes {cls.arity} inputs: name them with 'from: [a, b]'", loc, full)
            self._add(full, layer, (start,), loc, entry.trainable, arg_locations, shares)
        else:
            if isinstance(source, str):
                names = [source]
            elif not isinstance(source, list) or not source or not all(isinstance(n, str) for n in source):
                raise SpecError("'from' must be a layer name or a list of layer names", loc, full)
            else:
                names = source
            if cls.arity is None and len(names) < 2:
                raise SpecError(f"{cls.type_name} merges two or more inputs; 'from' names {len(names)}",
                                loc, full)
            if cls.arity is not None and len(names) != cls.arity:
                raise SpecError(f"{cls.type_name} takes {cls.arity} input{'s' if cls.arity != 1 else ''}, 'from' "
                                f"names {len(names)}", loc, full)
            now = self.refs.inputs_now(scope, names, loc, full)
            self._add(full, layer, now, loc, entry.trainable, arg_locations, shares)
            if not now:
                self.refs.wait(full, scope, names, loc)          # a forward reference: resolved at the end
        return full

    @staticmethod
    def _from_block_argument(err: LayerArgError, args: Derived, scope: Scope, full: str) -> None:
        """A bad argument value that came from a block's argument: the error points where that value was
        written (the call site, or the block's default), with the line of the block that used it."""
        for name in args.refs[err.key]:
            if name in scope.sources:
                written, path = scope.sources[name]
                used = args.where(err.key)
                raise SpecError(f"{err} ({path}, used at {used.file}:{used.line})", written, full) from None

    def _expanded(self, layer: Layer, parts: Iterable[Layer], entry: Entry, scope: Scope, full: str,
                  start: Optional[str], arg_locations: Mapping, shares: str = "") -> str:
        """An entry whose layer expands into several (``parts``, its ``expand()``: split's): one node per part,
        FULL.0, FULL.1, …, each reading the entry's one input, and named NAME.0, NAME.1, … in the scope.
        Returns the last part, which the entry's own name then means (and the next entry reads); ``shares``,
        a tie the entry wrote, is that last part's."""
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
                self.refs.wait(output, scope, names, loc)
            scope.names[name] = output
        if shares:
            self.nodes[output] = replace(self.nodes[output], shares=shares)
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

    def _branches(self, branches, scope: Scope, full: str, origin: str, trainable: bool, loc: Location,
                  copy: Optional[dict] = None) -> list[str]:
        """The branches' outputs; ``copy``: the ``$repeat`` of a repeated entry, which its branches see."""
        env = scope.env if copy is None else {**scope.env, "$repeat": copy}
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
            sub = Scope(prefix=f"{full}.{label}", input=origin, env=env, parent=scope,
                        blocks=scope.blocks, trainable=trainable, shape_from=scope.shape_from,
                        sources=scope.sources)
            self._check_depth(sub, where, full)
            sub.names["input"] = origin
            outputs.append(self._sequence(body, sub, origin))
        return outputs

    # -- blocks ---------------------------------------------------------------------------------------

    def _block(self, block: Block, entry: Entry, scope: Scope, full: str, start: Optional[str],
               copy: Optional[dict] = None) -> str:
        """A block instance; ``copy``: the ``$repeat`` of its entry, when repeated (else its scope's, if any)."""
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
        if start is None:
            if not isinstance(entry.source, str):
                raise SpecError("a block reads one input; 'from' must name one layer", loc, full)
            origin = resolve(scope, entry.source, self.position, loc, full)
        else:
            origin = start
        number = self.block_counts.get(block.name, 0)
        self.block_counts[block.name] = number + 1
        totals = self.totals
        counted = totals is not None and number < totals.get(block.name, 0)
        count = totals[block.name] if counted and totals is not None else number + 2
        special: dict = {"$block": _Position(self, not counted, index=number, count=count)}
        copy = copy or scope.env.get("$repeat")
        if copy is not None:
            special["$repeat"] = copy
        env, sources = self._block_arguments(block, args, scope, origin, full, special)
        inner = Scope(prefix=full, input=origin, env=env, parent=scope, blocks=(*scope.blocks, block.name),
                      trainable=entry.trainable, shape_from=origin, sources=sources)
        self._check_depth(inner, loc, full)
        inner.names["input"] = origin
        output = self._sequence(block.layers, inner, origin)
        self.instances.append((full, block.name, origin, output, {name: env[name] for name in block.args}))
        return output

    def _block_arguments(self, block: Block, args, scope: Scope, origin: str, full: str,
                         special: Optional[dict] = None) -> tuple:
        """The block's arguments (those of the call, then its defaults, which may be expressions of the spec's
        arguments, of the block's earlier ones, of ``$input.…``, ``$repeat.…`` and ``$block.…``), and where
        each value was written. ``special``: the ``$repeat`` and ``$block`` the block sees."""
        env: dict = dict(special or {})
        sources: dict = {}
        refs = args.refs if isinstance(args, Derived) else {}
        for name, default in block.args.items():
            if name in args:
                env[name] = args[name]
                # a value that is itself an argument of the caller ($x) was written where the caller's was
                outer = [scope.sources[n] for n in refs.get(name, ()) if n in scope.sources]
                if outer:
                    written, path = outer[0]
                    sources[name] = (written, f"{path}, then as ${name} to block '{block.name}'")
                else:
                    sources[name] = (args.where(name), f"passed as ${name} to block '{block.name}'")
            else:
                if has_dollar(default):
                    try:
                        default = substitute(default, {**self.env, **env}, block.args.where(name),
                                             lambda: self.shape_of(origin))
                    except SpecError as err:
                        raise err.at(layer=full) from None
                env[name] = default
                sources[name] = (block.args.where(name), f"the default of ${name} in block '{block.name}'")
        return env, sources

    # -- shapes while building (for $input.…) -----------------------------------------------------------

    def _shape_reader(self, scope: Scope):
        return lambda: self.shape_of(scope.shape_from)

    def shape_of(self, name: str) -> tuple:
        """The output shape of a node built so far, inferring its ancestors' shapes (memoised, iteratively).
        A layer whose 'from:' names a layer written after it cannot be inferred yet: an error."""
        shapes = self.shapes
        if name in shapes:
            return shapes[name]
        from cnncalc.analysis import infer_node          # only specs that read a block's input shape
        stack = [name]
        while stack:
            current = stack[-1]
            if current in shapes:
                stack.pop()
                continue
            node = self.nodes[current]
            if self.refs.waiting(current):
                self.refs.settle_early(current)
                node = self.nodes[current]
            missing = [source for source in node.inputs if source not in shapes]
            if missing:
                stack.extend(missing)
                continue
            stack.pop()
            shapes[current] = infer_node(node, [shapes[source] for source in node.inputs])[1]
        return shapes[name]

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
             arg_locations: Mapping, shares: str = "") -> None:
        nodes = self.nodes
        if full in nodes:
            raise SpecError(f"two layers are named '{full}'", loc, full)
        if len(nodes) > self.max_layers:
            raise SpecError(f"the spec expands to more than {self.max_layers:,} layers "
                            f"(raise the limit with --max-layers)", loc, full)
        nodes[full] = Node(full, layer, inputs if type(inputs) is tuple else tuple(inputs), loc, trainable,
                           arg_locations, shares)
        self.position[full] = len(self.position)


class _Position(dict):
    """``$block``: its ``index`` and ``count``; reading the count tells the builder, whose first build does not
    know it yet (spec/document.py builds again with the counts)."""

    __slots__ = ("builder", "stand_in")

    def __init__(self, builder: Builder, stand_in: bool, **parts):
        super().__init__(parts)
        self.builder, self.stand_in = builder, stand_in

    def __getitem__(self, key):
        if key == "count":
            self.builder.counted = True
            self.builder.guessed = self.builder.guessed or self.stand_in
        return dict.__getitem__(self, key)


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
