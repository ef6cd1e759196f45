"""The catalogue of layer types, built from the registry and each argument's metadata (no hand-kept list)."""

from __future__ import annotations

import inspect

from cnncalc.errors import SpecError, did_you_mean
from cnncalc.layers import lookup, registry, type_names
from cnncalc.record import MISSING, record


@record
class ArgDoc:
    name: str
    accepts: str         # what values the argument takes (its check's description)
    doc: str
    required: bool
    default: object      # the default value, when not required
    shown: str = ""      # the default as `cnncalc layers` writes it ('kernel' for pooling's stride)


@record
class TypeDoc:
    name: str
    aliases: tuple
    summary: str
    args: tuple


def _summary(cls) -> str:
    text = inspect.getdoc(cls) or ""
    return " ".join(text.split()).replace("``", "`")


def describe(cls) -> TypeDoc:
    args = []
    for f in cls.arg_fields():
        required = f.default is MISSING
        default = None if required else f.default
        args.append(ArgDoc(f.name, f.metadata["rule"].describe, f.metadata["doc"], required, default,
                           "" if required else f.metadata.get("shown") or yaml_value(default)))
    return TypeDoc(cls.type_name, tuple(cls.aliases), _summary(cls), tuple(args))


def catalog(names=()) -> list[TypeDoc]:
    """Every layer usable in a spec (not ``input``, which the top-level ``input:`` declares), sorted by name;
    or the named ones (aliases accepted)."""
    if names:
        result = []
        for name in names:
            cls = lookup(name)
            if cls is None:
                raise SpecError(f"no layer type '{name}'{did_you_mean(name, type_names())}")
            result.append(describe(cls))
        return result
    return [describe(cls) for name, cls in sorted(registry().items()) if cls.arity != 0]


def yaml_value(value) -> str:
    """A default as it would be written in YAML: true/false, null, lists in brackets."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(yaml_value(v) for v in value) + "]"
    return str(value)


def as_dict(entries: list[TypeDoc]) -> dict:
    return {
        "layers": [
            {
                "type": e.name,
                "aliases": list(e.aliases),
                "summary": e.summary,
                "args": [{"name": a.name, "accepts": a.accepts, "doc": a.doc, "required": a.required,
                          **({} if a.required else {"default": a.default if not isinstance(a.default, tuple)
                                                    else list(a.default)})}
                         for a in e.args],
            }
            for e in entries
        ]
    }
