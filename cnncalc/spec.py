"""YAML spec → validated layer graph. The language is documented in docs/spec.md.

Every error carries the file, line and column and, once known, the layer path.
"""

from __future__ import annotations

import ast
import operator
import re
from pathlib import Path
from typing import Optional

from cnncalc import yamlsource
from cnncalc.errors import LayerArgError, Location, SpecError, brief, did_you_mean
from cnncalc.graph import Graph, Node
from cnncalc.layers import lookup, registry, type_names
from cnncalc.layers.base import Layer
from cnncalc.record import field, record
from cnncalc.yamlsource import LocDict, LocList

TOP_KEYS = ("name", "description", "input", "defaults", "budget", "blocks", "layers")
META_KEYS = ("name", "from", "repeat", "trainable")
RESERVED_NAMES = ("input",)


@record
class Limits:
    """Guards against specs that would expand without end (docs/spec.md, "Limits").

    max_layers, max_bytes and max_yaml_nodes are adjustable from the command line; max_depth (nested
    blocks and branches) and max_yaml_depth (YAML nesting) protect Python's stack and are fixed.
    """
    max_layers: int = 200_000
    max_depth: int = 64
    max_bytes: int = yamlsource.MAX_SPEC_BYTES
    max_yaml_nodes: int = yamlsource.MAX_NODES
    max_yaml_depth: int = yamlsource.MAX_DEPTH


@record
class Spec:
    name: str
    description: str
    source: str
    input_shape: tuple
    graph: Graph
    budget: Optional[LocDict] = None


def read_spec(path: str, input_shape: Optional[tuple] = None, limits: Limits = Limits(), stdin=None) -> Spec:
    """Read a spec file ('-' for standard input) and build its graph."""
    if path == "-":
        # one byte more than the limit is enough to know that the spec is too big
        data, source = (stdin.read(limits.max_bytes + 1) if stdin is not None else b""), "<stdin>"
    else:
        source = path
        p = Path(path)
        try:
            if p.is_dir():
                raise SpecError("is a directory, not a spec file", Location(source))
            size = p.stat().st_size
            if size > limits.max_bytes:        # refused before reading
                raise SpecError(yamlsource.too_big_message(size, limits.max_bytes), Location(source))
            with p.open("rb") as handle:
                data = handle.read(limits.max_bytes + 1)     # a file that grew since stat() is still bounded
        except FileNotFoundError:
            raise SpecError("no such file", Location(source)) from None
        except OSError as err:
            raise SpecError(f"cannot read the file: {err.strerror or err}", Location(source)) from None
        except ValueError as err:              # a path with a NUL byte
            raise SpecError(f"cannot read the file: {err}", Location(source)) from None
    return parse_spec(data, source, input_shape, limits)


def parse_spec(text, source: str = "<spec>", input_shape: Optional[tuple] = None,
               limits: Limits = Limits()) -> Spec:
    doc = yamlsource.load(text, source, max_bytes=limits.max_bytes, max_nodes=limits.max_yaml_nodes,
                          max_depth=limits.max_yaml_depth)
    here = Location(source, 1, 1)
    if doc is None:
        raise SpecError("the spec is empty; it needs at least 'input' and 'layers'", here)
    if not isinstance(doc, LocDict):
        raise SpecError("a spec is a mapping with 'input' and 'layers' (see docs/spec.md)",
                        getattr(doc, "loc", here))
    for key in doc:
        if key not in TOP_KEYS:
            raise SpecError(f"unknown top-level key '{key}'{did_you_mean(key, TOP_KEYS)}; a spec has "
                            f"{', '.join(TOP_KEYS)}", doc.where(key))
    for key in ("input", "layers"):
        if key not in doc:
            raise SpecError(f"the spec has no '{key}'", doc.loc)
    name = doc.get("name", Path(source).stem if source not in ("<spec>", "<stdin>") else "network")
    if not isinstance(name, str):
        raise SpecError("'name' must be text", doc.where("name"))
    description = doc.get("description") or ""
    if not isinstance(description, str):
        raise SpecError("'description' must be text", doc.where("description"))
    shape = input_shape if input_shape is not None else _input_shape(doc["input"], doc.where("input"))
    budget = doc.get("budget")
    if budget is not None and not isinstance(budget, LocDict):
        raise SpecError("'budget' must be a mapping such as {params: 25M, macs: 4G}", doc.where("budget"))
    builder = _Builder(doc, limits)
    graph = builder.build(shape)
    return Spec(name=name, description=description.strip(), source=source, input_shape=tuple(shape),
                graph=graph, budget=budget)


def _input_shape(value, loc: Location) -> tuple:
    if not isinstance(value, list) or not 1 <= len(value) <= 4:
        raise SpecError("'input' must be a list of 1 to 4 positive ints, channels first and no batch: "
                        "[C], [C, L], [C, H, W] or [C, D, H, W]", loc)
    for item in value:
        if not isinstance(item, int) or isinstance(item, bool) or item < 1:
            raise SpecError(f"'input' sizes must be positive ints, got {brief(item)}", loc)
    return tuple(value)


# ----------------------------------------------------------------------------- block arguments

_VAR = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.FloorDiv: operator.floordiv,
        ast.Mod: operator.mod}


def _evaluate(expression: str, loc: Location):
    """Integer arithmetic (+ − * // % and parentheses) on ints, nothing else."""
    def walk(node):
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
            return node.value
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            value = walk(node.operand)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            left, right = walk(node.left), walk(node.right)
            if isinstance(node.op, (ast.FloorDiv, ast.Mod)) and right == 0:
                raise SpecError(f"division by zero in '{expression}'", loc)
            return _OPS[type(node.op)](left, right)
        raise SpecError(f"'{expression}' is not integer arithmetic (+ - * // % on ints)", loc)
    if len(expression) > 200:
        raise SpecError("an argument expression is longer than 200 characters", loc)
    try:
        tree = ast.parse(expression, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise SpecError(f"'{expression}' is not a valid expression", loc) from None
    value = walk(tree)
    if abs(value) > yamlsource.MAX_INT:
        raise SpecError(f"'{expression}' is {len(str(abs(value)))} digits long; spec integers are at most 10^18",
                        loc)
    return value


def _substitute(value, env: dict, loc: Location):
    """Replace $name (the argument's value, any type) and expressions such as '$width * 4' (ints)."""
    if isinstance(value, str) and "$" in value:
        whole = _VAR.fullmatch(value.strip())
        names = _VAR.findall(value)
        for name in names:
            if name not in env:
                known = ", ".join(f"${n}" for n in env) or "none here"
                raise SpecError(f"unknown argument ${name}{did_you_mean(name, env)}; known: {known}", loc)
        if whole:
            return env[whole.group(1)]
        for name in names:
            if not isinstance(env[name], int) or isinstance(env[name], bool):
                raise SpecError(f"${name} is {brief(env[name])}; only ints can be used in arithmetic", loc)
        return _evaluate(_VAR.sub(lambda m: str(env[m.group(1)]), value), loc)
    if isinstance(value, LocDict):
        out = LocDict()
        out.loc, out.key_locs = value.loc, value.key_locs
        for key, item in value.items():
            out[key] = _substitute(item, env, value.where(key))
        return out
    if isinstance(value, LocList):
        out = LocList(_substitute(item, env, value.where(i)) for i, item in enumerate(value))
        out.loc, out.item_locs = value.loc, value.item_locs
        return out
    return value


# ----------------------------------------------------------------------------- the graph builder

@record(frozen=False)
class _Scope:
    prefix: str                                   # '' at the top, else 'layer2.1' etc.
    input: str                                    # full name of the node the scope starts from
    env: dict                                     # block arguments visible here
    parent: Optional["_Scope"] = None
    names: dict = field(default_factory=dict)     # local name → full node name
    reserved: set = field(default_factory=set)    # names written explicitly in this scope
    counters: dict = field(default_factory=dict)
    blocks: tuple = ()                            # the block names being expanded (recursion guard)
    trainable: bool = True

    def full(self, local: str) -> str:
        return f"{self.prefix}.{local}" if self.prefix else local

    def auto_name(self, type_name: str, peek: bool = False) -> str:
        """The next free `type` + counter name; ``peek`` leaves the counter as it was."""
        n = self.counters.get(type_name, 0)
        while True:
            n += 1
            name = f"{type_name}{n}"
            if name not in self.reserved and name not in self.names:
                if not peek:
                    self.counters[type_name] = n
                return name

    def depth(self) -> int:
        return 0 if self.parent is None else 1 + self.parent.depth()


@record
class _Block:
    name: str
    args: LocDict
    layers: LocList
    location: Location


class _Builder:
    def __init__(self, doc: LocDict, limits: Limits):
        self.doc = doc
        self.limits = limits
        self.blocks = self._read_blocks(doc.get("blocks"), doc.where("blocks"))
        self.default_locations: dict = {}     # argument, or (type, argument) → where 'defaults' sets it
        self.defaults, self.type_defaults = self._read_defaults(doc.get("defaults"), doc.where("defaults"))
        self.nodes: dict[str, Node] = {}
        self.position: dict[str, int] = {}   # node → the order it was written in
        self.pending: list = []          # (node name, scope, from value, location) to resolve at the end

    # -- top level ------------------------------------------------------------------------------------

    def build(self, shape: tuple) -> Graph:
        loc = self.doc.where("input")
        self._add("input", lookup("input").from_args({"shape": list(shape)}), (), loc, True, {})
        layers = self.doc["layers"]
        if not isinstance(layers, LocList) or not layers:
            raise SpecError("'layers' must be a non-empty list of layers", self.doc.where("layers"))
        top = _Scope(prefix="", input="input", env={})
        top.names["input"] = "input"
        output = self._sequence(layers, top, "input")
        self._resolve_pending()
        return Graph(nodes=self.nodes, output=output)

    def _read_blocks(self, blocks, loc) -> dict:
        if blocks is None:
            return {}
        if not isinstance(blocks, LocDict):
            raise SpecError("'blocks' must be a mapping of block name → {args, layers}", loc)
        result = {}
        for name, body in blocks.items():
            where = blocks.where(name)
            if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                raise SpecError(f"block name {brief(name)} must be a word (letters, digits, _)", where)
            if lookup(name, plugins=False) is not None:     # a block shadows a plug-in type of its name
                raise SpecError(f"block '{name}' has the name of a layer type; choose another", where)
            if not isinstance(body, LocDict):
                raise SpecError(f"block '{name}' must be a mapping with 'layers' (and optional 'args')", where)
            for key in body:
                if key not in ("args", "layers", "description"):
                    raise SpecError(f"unknown key '{key}' in block '{name}'"
                                    f"{did_you_mean(key, ('args', 'layers', 'description'))}", body.where(key))
            args = body.get("args")
            if args is None:
                args = LocDict()
                args.loc, args.key_locs = body.loc, {}
            if not isinstance(args, LocDict):
                raise SpecError(f"'args' of block '{name}' must be a mapping of argument → default value",
                                body.where("args"))
            layers = body.get("layers")
            if not isinstance(layers, LocList) or not layers:
                raise SpecError(f"block '{name}' needs a non-empty 'layers' list", body.where("layers")
                                if "layers" in body else body.loc)
            result[name] = _Block(name, args, layers, where)
        return result

    def _read_defaults(self, defaults, loc) -> tuple[dict, dict]:
        if defaults is None:
            return {}, {}
        if not isinstance(defaults, LocDict):
            raise SpecError("'defaults' must be a mapping such as {bias: false}", loc)
        flat, per_type = {}, {}
        for key, value in defaults.items():
            # a built-in argument's name is a flat default, never a plug-in type (entry points stay unread)
            cls = lookup(key, plugins=key not in _all_argument_names(plugins=False)) if isinstance(key, str) else None
            if cls is not None and isinstance(value, LocDict):
                fields = {f.name for f in cls.arg_fields()}
                for arg_name in value:
                    if arg_name not in fields:
                        raise SpecError(f"defaults for {key}: {cls.type_name} has no argument '{arg_name}'"
                                        f"{did_you_mean(arg_name, fields)}", value.where(arg_name))
                per_type[cls.type_name] = dict(value)
                self.default_locations.update({(cls.type_name, a): value.where(a) for a in value})
            elif key in _all_argument_names(plugins=False) or key in _all_argument_names():
                flat[key] = value
                self.default_locations[key] = defaults.where(key)
            elif cls is not None:
                raise SpecError(f"defaults for {key} must be a mapping of its arguments, such as "
                                f"{{{key}: {{bias: false}}}}; got {brief(value)}", defaults.where(key))
            else:
                raise SpecError(f"defaults: no layer type takes '{key}'{did_you_mean(key, _all_argument_names())}",
                                defaults.where(key))
        return flat, per_type

    # -- sequences and entries -------------------------------------------------------------------------

    def _sequence(self, entries: LocList, scope: _Scope, previous: str) -> str:
        """Build entries one after another; returns the full name of the last output."""
        for index, entry in enumerate(entries):
            if isinstance(entry, LocDict) and isinstance(entry.get("name"), str):
                scope.reserved.add(entry["name"])
        for index, entry in enumerate(entries):
            previous = self._entry(entry, entries.where(index), scope, previous)
        return previous

    def _entry(self, entry, loc: Location, scope: _Scope, previous: str) -> str:
        if scope.env or _has_dollar(entry):
            try:
                entry = _substitute(entry, scope.env, loc)
            except SpecError as err:     # name the layer (or, unnamed, the block instance) it happened in
                name = entry.get("name") if isinstance(entry, LocDict) else None
                raise err.at(layer=scope.full(name) if isinstance(name, str) else scope.prefix or None) from None
        if isinstance(entry, str):
            type_name, args, meta, args_loc = entry, None, {}, loc
        elif isinstance(entry, LocDict):
            type_name, args, meta, args_loc = self._split_entry(entry, loc)
            loc = entry.loc
        else:
            raise SpecError(f"a layer must be a type name (relu) or a mapping ({{conv: {{...}}}}), "
                            f"got {brief(entry)}", loc)
        name = meta.get("name")
        if name is not None:
            if not isinstance(name, str) or not name or any(c in name for c in " \t\n"):
                raise SpecError(f"'name' must be a non-empty word, got {brief(name)}", loc)
            if name in RESERVED_NAMES:
                raise SpecError(f"'{name}' is reserved for the network input; choose another name", loc)
        # the path this entry's errors name: its own name, or the automatic name it is about to get
        label = scope.full(name if name is not None else scope.auto_name(type_name, peek=True))

        def meta_loc(key):
            return entry.where(key) if isinstance(entry, LocDict) else loc
        repeat = meta.get("repeat", 1)
        if not isinstance(repeat, int) or isinstance(repeat, bool) or repeat < 1:
            raise SpecError(f"'repeat' must be a positive int, got {brief(repeat)}", meta_loc("repeat"), label)
        if repeat > self.limits.max_layers:
            raise SpecError(f"'repeat: {repeat:,}' is over the limit of {self.limits.max_layers:,} layers "
                            f"(raise it with --max-layers)", meta_loc("repeat"), label)
        trainable = meta.get("trainable", True)
        if not isinstance(trainable, bool):
            raise SpecError(f"'trainable' must be true or false, got {brief(trainable)}", meta_loc("trainable"),
                            label)
        trainable = trainable and scope.trainable
        source = meta.get("from")

        block = self.blocks.get(type_name)
        cls = lookup(type_name) if block is None else None
        if block is None and cls is None:
            choices = [*type_names(), *self.blocks]
            raise SpecError(f"unknown layer type '{type_name}'{did_you_mean(type_name, choices)}", loc)
        if cls is not None and cls.arity == 0:
            raise SpecError("the network input is declared by the spec's top-level 'input:', not as a layer", loc)

        last = previous
        before = len(self.nodes)
        for rep in range(repeat):
            if name is None:
                local = scope.auto_name(type_name)
            else:
                local = name if repeat == 1 else f"{name}.{rep}"
            if local in scope.names:
                raise SpecError(f"the name '{local}' is used twice in this scope", loc, scope.full(local))
            start = last if rep > 0 or source is None else None
            full = scope.full(local)
            if block is not None:
                output = self._block(block, args, args_loc, loc, scope, full, start, source, trainable)
            else:
                output = self._layer(cls, args, args_loc, loc, scope, full, start, source, trainable)
            scope.names[local] = output
            last = output
            if rep == 0 and repeat > 1:
                self._check_repeat(repeat, before, loc, full)
        if name is not None and repeat > 1:
            scope.names[name] = last
        return last

    def _split_entry(self, entry: LocDict, loc: Location):
        kinds = [key for key in entry if key not in META_KEYS]
        if not kinds:
            raise SpecError(f"this layer has no type: add one key such as conv: {{...}} beside "
                            f"{', '.join(map(str, entry))}", entry.loc)
        if len(kinds) > 1:
            known = [k for k in kinds if isinstance(k, str) and (lookup(k) or k in self.blocks)]
            hint = ""
            if len(known) == 1:
                others = [k for k in kinds if k != known[0]]
                hint = (f"; is '{others[0]}' meant to be an argument of {known[0]}? It must be indented "
                        f"under it")
            raise SpecError(f"one layer entry takes one type key, found {', '.join(map(str, kinds))}{hint}",
                            entry.where(kinds[1]))
        type_name = kinds[0]
        if not isinstance(type_name, str):
            raise SpecError(f"a layer type must be a word, got {brief(type_name)}", entry.where(type_name))
        meta = {key: entry[key] for key in META_KEYS if key in entry}
        return type_name, entry[type_name], meta, entry.where(type_name)

    # -- plain layers and merges -----------------------------------------------------------------------

    def _layer(self, cls, args, args_loc, loc, scope, full, start, source, trainable) -> str:
        branches = None
        if cls.has_branches and isinstance(args, (LocList, LocDict)) and args:
            branches = args
            args = None
        if args is None:
            args = LocDict()
            args.loc, args.key_locs = args_loc, {}
        if not isinstance(args, LocDict):
            raise SpecError(f"the arguments of {cls.type_name} must be a mapping such as {{out: 64}}, "
                            f"got {brief(args)}", args_loc, full)
        defaults = {**self.defaults, **self.type_defaults.get(cls.type_name, {})}
        try:
            layer = cls.from_args(args, defaults)
        except LayerArgError as err:
            if err.key in args or err.key not in defaults:
                raise SpecError(str(err), args.where(err.key) if err.key in args else args_loc, full) from None
            # the bad value came from the spec's defaults: point there, and say which layer took it
            where = self.default_locations.get((cls.type_name, err.key)) or self.default_locations[err.key]
            raise SpecError(f"{err} (a value from 'defaults', taken by this {cls.type_name})", where, full) from None
        arg_locations = {key: args.where(key) for key in args}

        if branches is not None:
            if source is not None and not isinstance(source, str):
                raise SpecError(f"{cls.type_name} with branches starts them all from one input; "
                                f"'from' must name one layer", loc, full)
            origin = start
            if origin is None:
                origin = self._resolve(scope, source, loc, full)
            inputs = self._branches(branches, scope, full, origin, trainable, loc)
            if len(inputs) < 2:
                raise SpecError(f"{cls.type_name} needs two or more branches", loc, full)
            self._add(full, layer, tuple(inputs), loc, trainable, arg_locations)
            return full

        if start is not None:
            if cls.arity is None:
                raise SpecError(f"{cls.type_name} merges two or more inputs: give it branches "
                                f"({cls.type_name}: [[...], [...]]) or 'from: [a, b]'", loc, full)
            self._add(full, layer, (start,), loc, trainable, arg_locations)
        else:
            names = [source] if isinstance(source, str) else source
            if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
                raise SpecError("'from' must be a layer name or a list of layer names", loc, full)
            if cls.arity is None and len(names) < 2:
                raise SpecError(f"{cls.type_name} merges two or more inputs; 'from' names {len(names)}",
                                loc, full)
            if cls.arity is not None and len(names) != cls.arity:
                raise SpecError(f"{cls.type_name} takes {cls.arity} input, 'from' names {len(names)}", loc, full)
            self._add(full, layer, (), loc, trainable, arg_locations)
            self.pending.append((full, scope, names, loc))
        return full

    def _branches(self, branches, scope, full, origin, trainable, loc) -> list[str]:
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
            sub = _Scope(prefix=f"{full}.{label}", input=origin, env=scope.env, parent=scope,
                         blocks=scope.blocks, trainable=trainable)
            self._check_depth(sub, where, full)
            sub.names["input"] = origin
            outputs.append(self._sequence(body, sub, origin))
        return outputs

    # -- blocks ---------------------------------------------------------------------------------------

    def _block(self, block: _Block, args, args_loc, loc, scope, full, start, source, trainable) -> str:
        if block.name in scope.blocks:
            chain = " → ".join([*scope.blocks, block.name])
            raise SpecError(f"block '{block.name}' uses itself ({chain})", loc, full)
        if args is None:
            args = {}
        if not isinstance(args, LocDict) and args != {}:
            raise SpecError(f"the arguments of block '{block.name}' must be a mapping, got {brief(args)}", args_loc, full)
        for key in args:
            if key not in block.args:
                known = ", ".join(block.args) or "none"
                raise SpecError(f"block '{block.name}' has no argument '{key}'{did_you_mean(key, block.args)}; "
                                f"it takes: {known}", args.where(key), full)
        env = {**block.args, **args}
        if start is None:
            if not isinstance(source, str):
                raise SpecError("a block reads one input; 'from' must name one layer", loc, full)
            origin = self._resolve(scope, source, loc, full)
        else:
            origin = start
        inner = _Scope(prefix=full, input=origin, env=env, parent=scope, blocks=(*scope.blocks, block.name),
                       trainable=trainable)
        self._check_depth(inner, loc, full)
        inner.names["input"] = origin
        return self._sequence(block.layers, inner, origin)

    def _check_repeat(self, repeat: int, before: int, loc, full) -> None:
        """After the first copy of a repeated entry: refuse at once if all copies would pass the limit
        (a repeated block of repeated blocks multiplies), instead of building up to the limit first."""
        per_copy = len(self.nodes) - before
        if before + per_copy * repeat > self.limits.max_layers + 1:
            raise SpecError(f"'repeat: {repeat:,}' of {per_copy:,} layers each makes the spec expand to more "
                            f"than {self.limits.max_layers:,} layers (raise the limit with --max-layers)", loc, full)

    def _check_depth(self, scope: _Scope, loc, full) -> None:
        if scope.depth() > self.limits.max_depth:
            raise SpecError(f"blocks and branches are nested more than {self.limits.max_depth} deep", loc, full)

    # -- nodes and names ------------------------------------------------------------------------------

    def _add(self, full, layer: Layer, inputs, loc, trainable, arg_locations) -> None:
        if full in self.nodes:
            raise SpecError(f"two layers are named '{full}'", loc, full)
        if len(self.nodes) >= self.limits.max_layers + 1:
            raise SpecError(f"the spec expands to more than {self.limits.max_layers:,} layers "
                            f"(raise the limit with --max-layers)", loc, full)
        self.nodes[full] = Node(full, layer, tuple(inputs), loc, trainable, arg_locations)
        self.position[full] = len(self.position)

    def _resolve(self, scope: _Scope, name: str, loc, full, pending: bool = False) -> str:
        """A 'from' name: the nearest enclosing scope that defines it before the layer asking (so an outer
        layer written earlier wins over an inner one written later); else a full layer path; else the
        nearest scope's later definition (a forward reference)."""
        asker = self.position.get(full, len(self.nodes))
        later = ""
        s = scope
        while s is not None:
            if name in s.names:
                target = s.names[name]
                if self.position[target] < asker:
                    return target
                later = later or target
            s = s.parent
        if name in self.nodes:
            return name
        if later:
            return later
        if not pending:
            choices = [*scope.names, *self.nodes]
            raise SpecError(f"'from' names '{name}', but no layer defined before this one has that name"
                            f"{did_you_mean(name, choices)} (blocks and branches cannot start from a later "
                            f"layer)", loc, full)
        return ""

    def _resolve_pending(self) -> None:
        for full, scope, names, loc in self.pending:
            inputs = []
            for name in names:
                target = self._resolve(scope, name, loc, full, pending=True)
                if not target:
                    choices = [*scope.names, *self.nodes]
                    raise SpecError(f"'from' names '{name}', but no layer has that name"
                                    f"{did_you_mean(name, choices)}", loc, full)
                inputs.append(target)
            node = self.nodes[full]
            self.nodes[full] = Node(node.name, node.layer, tuple(inputs), node.location, node.trainable,
                                    node.arg_locations)


def _all_argument_names(plugins: bool = True) -> set:
    """Every argument any layer type takes (``plugins=False``: any built-in type; plug-ins are read only
    for a key that no built-in type takes)."""
    return {f.name for cls in registry(plugins).values() for f in cls.arg_fields()}


def _has_dollar(value) -> bool:
    if isinstance(value, str):
        return "$" in value
    if isinstance(value, dict):
        return any(_has_dollar(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_dollar(v) for v in value)
    return False
