"""`$`-templates (docs/spec.md, "Arguments and expressions"): in any text of a spec, ``$name`` stands for a
spec argument (top-level ``args:``) or, inside a block, a block argument; ``$input.channels`` and the like
for the shape of the block's input. A text that is one ``$name`` becomes the argument's value, of any type;
any other text with a ``$`` is an expression (cnncalc/spec/expressions.py)."""

from __future__ import annotations

import re
from typing import Callable, Optional

from cnncalc.errors import Location, SpecError, brief, did_you_mean
from cnncalc.spec.expressions import evaluate, exact
from cnncalc.spec.yamlsource import LocDict, LocList

__all__ = ["Derived", "evaluate", "expand", "has_dollar", "input_part", "mentions", "substitute", "vanishes"]

_REF = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)(?:\.([A-Za-z_][A-Za-z0-9_]*))?")
# a value pasted onto another ('$a$c', '$a $c') or onto text ('conv$i'): no operator between them
_PASTED = re.compile(r"\$[A-Za-z_][\w.]*\s*\$|[\w)\]'\"]\$")
_SPATIAL = {1: (), 2: ("length",), 3: ("height", "width"), 4: ("depth", "height", "width")}
PARTS = ("channels", "depth", "height", "width", "length", "shape")

Shape = Optional[Callable[[], tuple]]


class Derived(LocDict):
    """A mapping after substitution that remembers, for each key whose value had a ``$``, the names it read
    (so an error in that value can point where the argument's value was written)."""

    __slots__ = ("refs",)
    refs: dict


def input_part(shape: tuple, part: str, loc: Location, written: str):
    """``$input.PART`` of a block's input shape."""
    axes = _SPATIAL[len(shape)]
    if part == "shape":
        return list(shape)
    if part == "channels":
        return shape[0]
    if part in axes:
        return shape[1 + axes.index(part)]
    has = ", ".join(("channels", *axes, "shape"))
    if part in PARTS:
        raise SpecError(f"'{written}': the block's input {list(shape)} has no {part} (it has: {has})", loc)
    raise SpecError(f"'{written}': $input has no part '{part}'{did_you_mean(part, PARTS)}; it has: {has}", loc)


def _lookup(name: str, part: Optional[str], env: dict, loc: Location, shape: Shape, written: str):
    if name == "input" and name not in env:
        if shape is None:
            raise SpecError(f"'{written}': $input.{part or 'channels'} reads the input shape of a block, and is "
                            f"written inside a block's layers (or its call)", loc)
        if part is None:
            raise SpecError(f"'{written}': write $input.channels, $input.height, ... or $input.shape "
                            f"(the block's input shape)", loc)
        return input_part(shape(), part, loc, written)
    if name in SPECIAL and name not in env:
        info = env.get("$" + name)
        if info is None:
            raise SpecError(f"'{written}': ${name}.… is read {SPECIAL[name]}", loc)
        if part not in info:
            raise SpecError(f"'{written}': ${name} has {' and '.join(f'${name}.{p}' for p in info)}", loc)
        return info[part]
    if name not in env:
        words = [n for n in env if not n.startswith("$")]
        known = ", ".join(f"${n}" for n in words) or "none here"
        raise SpecError(f"unknown argument ${name}{did_you_mean(name, words)}; known: {known}", loc)
    if part is not None:
        raise SpecError(f"'{written}': ${name} has no parts (only $input.channels etc. do)", loc)
    return env[name]


# what $repeat.index / .count (the copy of a repeated entry) and $block.index (the instance of a block,
# counted over the whole network) are read in, when not an argument of that name
SPECIAL = {"repeat": "in a repeated entry (one that writes repeat:) and in the blocks and branches it builds",
           "block": "inside a block"}

_PLACEHOLDER = "__v"      # the name each $reference's value takes inside the evaluated expression


def expand(text: str, env: dict, loc: Location, shape: Shape = None):
    """One text with a ``$``: the value of ``$name`` alone (any type), else of the expression."""
    written = text.strip()
    whole = _REF.fullmatch(written)
    if whole:
        return _lookup(whole.group(1), whole.group(2), env, loc, shape, written)
    pasted = _PASTED.search(written)
    if pasted:
        raise SpecError(f"'{written}' pastes values together ('{pasted.group(0).strip()}'): write an operator "
                        f"between them (text can be chosen with X if C else Y)", loc)
    if _PLACEHOLDER in _REF.sub(" ", written):    # a written name that would pass for one of the values below
        raise SpecError(f"'{written}': names starting with {_PLACEHOLDER} are not allowed (arguments are written "
                        f"$name)", loc)
    values: dict = {}

    def place(match) -> str:
        value = _lookup(match.group(1), match.group(2), env, loc, shape, written)
        if isinstance(value, float):
            try:
                value = exact(value)
            except ValueError:
                raise SpecError(f"'{written}': {match.group(0)} is {value}, not a finite number", loc) from None
        elif not isinstance(value, (int, str)) and not hasattr(value, "denominator"):
            raise SpecError(f"'{written}': {match.group(0)} is {brief(value)}; an expression takes numbers, "
                            f"true/false and text", loc)
        key = f"{_PLACEHOLDER}{len(values)}"
        values[key] = value
        return f" {key} "

    return evaluate(_REF.sub(place, written), loc, values.__getitem__, shown=written)


def substitute(value, env: dict, loc: Location, shape: Shape = None):
    """The value with every text containing a ``$`` replaced (mappings and lists copied, their locations
    kept). ``shape``: gives the block's input shape for ``$input.…`` (only when asked)."""
    if isinstance(value, str):
        return expand(value, env, loc, shape) if "$" in value else value
    if isinstance(value, LocDict):
        if ("if" in value or "repeat" in value) and vanishes(value, env, shape):
            out = LocDict(value)                  # an entry left out: the rest of it is not evaluated
            out.located_like(value)
            out["if"] = False
            return out
        refs = {}
        values = {}
        renamed = {}                              # a '$name' key → the type it became
        for key, item in value.items():
            where = value.where(key)
            if isinstance(item, str) and "$" in item:
                refs[key] = tuple(m.group(1) for m in _REF.finditer(item))
            item = substitute(item, env, where, shape)
            if isinstance(key, str) and "$" in key:
                new, item = type_key(key, item, env, where, shape)
                if new in values or new in value:
                    raise SpecError(f"'{key}' is '{new}', a key this mapping has already", where)
                renamed[key] = new
                refs.pop(key, None)
                key = new
            values[key] = item
        if refs:
            derived = Derived(values)
            derived.refs = refs
            out = derived
        else:
            out = LocDict(values)
        out.located_like(value)
        if renamed:
            out.key_locs = {renamed.get(k, k): value.where(k) for k in value}
        return out
    if isinstance(value, LocList):
        items = LocList(substitute(item, env, value.where(i), shape) for i, item in enumerate(value))
        items.located_like(value)
        return items
    return value


def type_key(key: str, item, env: dict, loc: Location, shape: Shape = None) -> tuple:
    """A key written ``$name`` (a layer type or block passed as an argument: ``{name: act, $act: {}}``) → (the
    type, its arguments). The argument is a type or block name, or ``{TYPE: {arguments}}``, whose arguments
    come first and the ones written beside the key override them."""
    if not _REF.fullmatch(key.strip()):
        raise SpecError(f"'{key}': a key with '$' is one $name, an argument naming a layer type or block", loc)
    value = expand(key, env, loc, shape)
    if isinstance(value, str) and value:
        return value, item
    if isinstance(value, dict) and len(value) == 1:
        (kind, args), = value.items()
        if isinstance(kind, str) and (args is None or isinstance(args, LocDict)):
            if item is None or (isinstance(item, dict) and not item):
                return kind, args
            if isinstance(args, LocDict) and isinstance(item, LocDict):
                merged = LocDict({**args, **item})
                merged.located_like(item)
                merged.key_locs = {**{k: args.where(k) for k in args}, **{k: item.where(k) for k in item}}
                return kind, merged
            if args is None or not args:
                return kind, item
    raise SpecError(f"'{key}' is {brief(value)}; an argument used as a layer's type names a layer type or a block "
                    f"(relu, bottleneck), or gives one with arguments ({{bottleneck: {{out: 64}}}})", loc)


def vanishes(entry: LocDict, env: dict, shape: Shape = None) -> bool:
    """Whether an entry is left out: its ``if:`` is false, or its ``repeat:`` 0 (each may be an expression)."""
    condition = entry.get("if", True)
    if isinstance(condition, str) and "$" in condition:
        condition = expand(condition, env, entry.where("if"), shape)
    if not isinstance(condition, bool):
        raise SpecError(f"'if' must be true or false (or an expression that gives one), got {brief(condition)}",
                        entry.where("if"))
    if not condition:
        return True
    repeat = entry.get("repeat", 1)
    if isinstance(repeat, str) and "$" in repeat:
        repeat = expand(repeat, env, entry.where("repeat"), shape)
    return repeat == 0 and type(repeat) is int


def mentions(value, text: str) -> bool:
    """Whether ``text`` appears in any text (or key) of the value."""
    if isinstance(value, str):
        return text in value
    if isinstance(value, dict):
        return any(mentions(v, text) or (isinstance(k, str) and text in k) for k, v in value.items())
    if isinstance(value, list):
        return any(mentions(v, text) for v in value)
    return False


def has_dollar(value) -> bool:
    """Whether a `$` appears in any text or key of the value (so it needs substituting even outside a block)."""
    return mentions(value, "$")
