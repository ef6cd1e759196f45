"""The spec's reusable parts: ``blocks:`` (parameterised sub-networks) and ``defaults:`` (arguments every
layer that takes them gets, unless it writes its own)."""

from __future__ import annotations

import re

from cnncalc.errors import Location, SpecError, brief, did_you_mean
from cnncalc.layers import lookup, registry
from cnncalc.record import field, record
from cnncalc.spec.yamlsource import LocDict, LocList


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@record
class Block:
    name: str
    args: LocDict                       # argument → default value
    layers: LocList
    location: Location
    shadows: bool = False               # a layer type has its name: the spec's block is meant (with a note)


@record
class Defaults:
    flat: dict = field(default_factory=dict)          # argument → value, for every type that takes it
    per_type: dict = field(default_factory=dict)      # type name → {argument: value}
    locations: dict = field(default_factory=dict)     # argument, or (type, argument) → where it is set

    def for_type(self, type_name: str) -> dict:
        return {**self.flat, **self.per_type.get(type_name, {})}

    def where(self, type_name: str, key: str) -> Location:
        return self.locations.get((type_name, key)) or self.locations[key]


def read_blocks(blocks, loc: Location) -> dict[str, Block]:
    if blocks is None:
        return {}
    if not isinstance(blocks, LocDict):
        raise SpecError("'blocks' must be a mapping of block name → {args, layers}", loc)
    result = {}
    for name, body in blocks.items():
        where = blocks.where(name)
        if not isinstance(name, str) or not _WORD.fullmatch(name):
            raise SpecError(f"block name {brief(name)} must be a word (letters, digits, _)", where)
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
        for arg_name in args:
            if not isinstance(arg_name, str) or not _WORD.fullmatch(arg_name):
                raise SpecError(f"argument {brief(arg_name)} of block '{name}' must be a word (letters, digits, "
                                f"_), as $name uses it", args.where(arg_name))
        layers = body.get("layers")
        if not isinstance(layers, LocList) or not layers:
            raise SpecError(f"block '{name}' needs a non-empty 'layers' list", body.where("layers")
                            if "layers" in body else body.loc)
        # a block shadows a layer type of its name, so that a type added to cnncalc never changes an existing
        # spec's meaning (plug-in types are not looked up: entry points stay unread)
        result[name] = Block(name, args, layers, where, lookup(name, plugins=False) is not None)
    return result


def read_defaults(defaults, loc: Location) -> Defaults:
    if defaults is None:
        return Defaults()
    if not isinstance(defaults, LocDict):
        raise SpecError("'defaults' must be a mapping such as {bias: false}", loc)
    result = Defaults()
    for key, value in defaults.items():
        # a built-in argument's name is a flat default, never a plug-in type (entry points stay unread)
        cls = lookup(key, plugins=key not in _all_argument_names(plugins=False)) if isinstance(key, str) else None
        if cls is not None and isinstance(value, LocDict):
            fields = {f.name for f in cls.arg_fields()}
            for arg_name in value:
                if arg_name not in fields:
                    raise SpecError(f"defaults for {key}: {cls.type_name} has no argument '{arg_name}'"
                                    f"{did_you_mean(arg_name, fields)}", value.where(arg_name))
            result.per_type[cls.type_name] = dict(value)
            result.locations.update({(cls.type_name, a): value.where(a) for a in value})
        elif key in _all_argument_names(plugins=False) or key in _all_argument_names():
            result.flat[key] = value
            result.locations[key] = defaults.where(key)
        elif cls is not None:
            raise SpecError(f"defaults for {key} must be a mapping of its arguments, such as "
                            f"{{{key}: {{bias: false}}}}; got {brief(value)}", defaults.where(key))
        else:
            raise SpecError(f"defaults: no layer type takes '{key}'{did_you_mean(key, _all_argument_names())}",
                            defaults.where(key))
    return result


def _all_argument_names(plugins: bool = True) -> set:
    """Every argument any layer type takes (``plugins=False``: any built-in type; plug-ins are read only
    for a key that no built-in type takes)."""
    return {f.name for cls in registry(plugins).values() for f in cls.arg_fields()}
