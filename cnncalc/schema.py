"""JSON Schemas (draft 2020-12) of a spec and of a budget file, generated from the layer registry: every
type with its arguments (each argument's rule, default and documentation), so that an editor (VS Code's
YAML extension) completes and checks specs. The schema is a guide for editors; `cnncalc analyze` remains
the judge, as some rules need the input shape or the whole spec.

What the schema cannot know, and so accepts:

* block names: in a spec with ``blocks:`` (or ``extends:``/``imports:``, which bring blocks), an entry keyed
  by a name that is no layer type is taken as a block call (in a spec without blocks it is an error, as in
  cnncalc); a block named like a layer type is checked as that type;
* what a spec that ``extends:`` another inherits: ``input`` and ``layers`` may be left out;
* any value may be a ``$argument`` template or an expression (``$width * 4``): any text holding a ``$`` is
  accepted where a value goes (the input shape, layer arguments, meta keys, defaults, a whole entry);
* arguments a spec's ``defaults:`` supplies, so no argument is marked required.
"""

from __future__ import annotations

from cnncalc.catalog import describe
from cnncalc.layers import registry
from cnncalc.record import MISSING

DRAFT = "https://json-schema.org/draft/2020-12/schema"
META_KEYS = ("name", "from", "repeat", "trainable", "if", "share")
TEMPLATE = {"type": "string", "pattern": r"\$", "description": "an argument ($name) or an expression of "
                                                                "arguments ('make_divisible($c * $width, 8)')"}
# the three contexts of a layer list: a spec without blocks (layer types only), a spec with blocks (block
# calls too), and a block's own layers (templates too)
STRICT, CALLS, TEMPLATES = "strict", "calls", "templates"
COUNT_TEXT = r"^\s*[0-9][0-9_]*(\.[0-9]+)?([eE][-+]?[0-9]+)?\s*[kKMGT]?\s*$"
BYTES_TEXT = r"^\s*[0-9][0-9_]*(\.[0-9]+)?([eE][-+]?[0-9]+)?\s*([kK]B|[MGT]B|[KMGT]iB|B)?\s*$"


def _json(value):
    return list(_json(v) for v in value) if isinstance(value, (list, tuple)) else value


def _types() -> dict:
    """{name or alias: class} of every type a spec can use (not ``input``)."""
    found = {}
    for name, cls in sorted(registry().items()):
        if cls.arity == 0:
            continue
        for key in (name, *cls.aliases):
            found[key] = cls
    return found


def _argument(field, mode: str) -> dict:
    rule = field.metadata["rule"]
    accepts = dict(rule.schema) if rule.schema is not None else {}
    if field.default is None:
        accepts = {"anyOf": [accepts, {"type": "null"}]}
    accepts = {"anyOf": [accepts, TEMPLATE]}          # expressions go anywhere a value goes
    accepts["description"] = f"{field.metadata['doc']} ({rule.describe})"
    if field.default is not MISSING:
        accepts["default"] = _json(field.default)
    else:
        accepts["description"] += "; required unless `defaults:` gives it"
    return accepts


def _arguments(cls, mode: str) -> dict:
    properties = {f.name: _argument(f, mode) for f in cls.arg_fields()}
    mapping: dict = {"type": "object", "properties": properties}
    if cls.has_branches:            # branches by name: any further key is one
        mapping["additionalProperties"] = _ref(f"branch.{mode}")
        return {"description": describe(cls).summary, "anyOf": [{"type": "null"}, mapping,
                {"type": "array", "items": _ref(f"branch.{mode}"), "minItems": 1}]}
    mapping["additionalProperties"] = False
    return {"description": describe(cls).summary, "anyOf": [{"type": "null"}, mapping]}


def _ref(name: str) -> dict:
    return {"$ref": f"#/$defs/{name}"}


def _meta(mode: str) -> dict:
    repeat: dict = {"anyOf": [{"type": "integer", "minimum": 0}, TEMPLATE]}
    return {"name": {"type": "string", "minLength": 1, "pattern": r"^\S+$",
                     "description": "the layer's name in its scope (a path: layer2.1.conv2)"},
            "from": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}, "minItems": 1}],
                     "description": "the input: a layer name, or a list of names for a merge"},
            "repeat": {**repeat, "description": "build the entry this many times in a chain (0: leave it out)"},
            "trainable": {"type": "boolean", "description": "false freezes the parameters"},
            "if": {"anyOf": [{"type": "boolean"}, TEMPLATE], "description": "false leaves the entry out"},
            "share": {"type": "string", "minLength": 1,
                      "description": "reuse that layer's weights (tied weights: counted once, MACs at every use)"}}


def _entry(types: dict, mode: str) -> dict:
    meta = _meta(mode)
    alternatives: list = [{"type": "string", "enum": sorted(types)} if mode == STRICT else
                          {"type": "string", "description": "a layer type or a block name", "anyOf": [
                              {"enum": sorted(types)}, {"pattern": r"^\S+$"}]}]
    for name in sorted(types):
        alternatives.append({"type": "object", "properties": {name: _ref(f"args.{types[name].type_name}.{mode}"),
                                                              **meta},
                             "required": [name], "additionalProperties": False})
    alternatives.append({"type": "object", "description": "{name: b, share: a}: a's type and arguments",
                         "properties": meta, "required": ["share"], "additionalProperties": False})
    if mode != STRICT:
        alternatives.append({"type": "object", "description": "a block call: {block name: {arguments}}",
                             "properties": meta, "additionalProperties": {"type": ["object", "null"]},
                             "propertyNames": {"not": {"enum": sorted(types)}},
                             "not": {"propertyNames": {"enum": list(META_KEYS)}}})
    alternatives.append(TEMPLATE)
    return {"anyOf": alternatives}


def _limits() -> dict:
    from cnncalc.metrics import BUDGET_KEYS, BY_KEY
    from cnncalc.units import BYTES

    properties = {}
    for key in BUDGET_KEYS:
        metric = BY_KEY[key]
        text = BYTES_TEXT if metric.kind == BYTES else COUNT_TEXT
        example = "100MiB" if metric.kind == BYTES else "25M"
        properties[key] = {"anyOf": [{"type": "number", "minimum": 0}, {"type": "string", "pattern": text}],
                           "description": f"the largest allowed {metric.label}, such as {example}"}
    return {"type": "object", "properties": properties, "additionalProperties": False,
            "description": "size limits checked by `cnncalc check` (docs/ci.md)"}


def _defaults(types: dict) -> dict:
    by_argument: dict = {}
    for cls in {id(c): c for c in types.values()}.values():
        for f in cls.arg_fields():
            by_argument.setdefault(f.name, {})[repr(f.metadata["rule"].schema)] = _argument(f, STRICT)
    properties = {name: (next(iter(forms.values())) if len(forms) == 1 else {"anyOf": list(forms.values())})
                  for name, forms in sorted(by_argument.items())}
    for name, cls in sorted(types.items()):
        properties[name] = {"type": "object", "additionalProperties": False,
                            "properties": {f.name: _argument(f, STRICT) for f in cls.arg_fields()},
                            "description": f"defaults for {name} layers only"}
    return {"type": "object", "properties": properties, "additionalProperties": False,
            "description": "argument values for every layer that takes them, or {type: {argument: value}}"}


def spec_schema() -> dict:
    """The JSON Schema of a spec (docs/spec.md)."""
    types = _types()
    defs: dict = {"limits": _limits(), "defaults": _defaults(types)}
    for mode in (STRICT, CALLS, TEMPLATES):
        defs[f"layers.{mode}"] = {"type": "array", "items": _ref(f"entry.{mode}"), "minItems": 1}
        branch: dict = {"type": "array", "items": _ref(f"entry.{mode}")}
        defs[f"branch.{mode}"] = {"anyOf": [branch, TEMPLATE]} if mode == TEMPLATES else branch
        defs[f"entry.{mode}"] = _entry(types, mode)
        for cls in {c.type_name: c for c in types.values()}.values():
            defs[f"args.{cls.type_name}.{mode}"] = _arguments(cls, mode)
    entries = {"type": "array", "items": _ref(f"entry.{CALLS}")}
    edits = {"type": "object", "additionalProperties": False, "minProperties": 1,
             "description": "edits of the base's top-level layers, by name (docs/spec.md, 'Specs built on specs')",
             "properties": {"until": {"type": "string", "description": "keep the base's layers up to this one"},
                            "replace": {"type": "object", "additionalProperties": entries,
                                        "description": "layer name → the entries in its place ([] removes it)"},
                            "insert_after": {"type": "object", "additionalProperties": entries,
                                             "description": "layer name → entries added after it"},
                            "append": {**entries, "description": "entries added at the end"}}}
    base = {"type": "string", "minLength": 1, "description": "zoo:NAME, seed:NAME or a path relative to this spec"}
    block = {"type": "object", "required": ["layers"], "additionalProperties": False,
             "properties": {"args": {"type": "object", "description": "every argument with its default"},
                            "layers": _ref(f"layers.{TEMPLATES}")}}
    return {
        "$schema": DRAFT,
        "title": "cnncalc spec",
        "description": "A network for cnncalc (docs/spec.md); generated by `cnncalc schema`.",
        "type": "object",
        "anyOf": [{"required": ["input", "layers"]}, {"required": ["extends"]}],
        "additionalProperties": False,
        "properties": {
            "name": {"type": "string", "description": "the network's name; default the file name"},
            "description": {"type": "string"},
            "extends": {**base, "description": "the spec this one builds on: its arguments, defaults, blocks, "
                                               "input and layers, changed by what this spec writes"},
            "imports": {"type": "array", "description": "specs whose blocks this one uses",
                        "items": {"anyOf": [base, {"type": "object", "required": ["from"],
                                                   "additionalProperties": False,
                                                   "properties": {"from": base, "blocks": {
                                                       "type": "array", "items": {"type": "string"}}}}]}},
            "args": {"type": "object", "propertyNames": {"pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
                     "description": "the spec's arguments with their defaults ($name below; --set NAME=VALUE)"},
            "variants": {"type": "object", "minProperties": 1,
                         "additionalProperties": {"type": "object",
                                                  "propertyNames": {"pattern": "^[A-Za-z_][A-Za-z0-9_]*$"}},
                         "description": "a tabulated family: variant name → {argument: value}, chosen by the "
                                        "argument 'variant' (--set variant=NAME)"},
            "input": {"type": "array", "items": {"anyOf": [{"type": "integer", "minimum": 1}, TEMPLATE]},
                      "minItems": 1, "maxItems": 4,
                      "description": "the input shape, channels first, no batch: [C], [C, L], [C, H, W], "
                                     "[C, D, H, W]"},
            "defaults": _ref("defaults"),
            "budget": _ref("limits"),
            "blocks": {"type": "object", "additionalProperties": block,
                       "description": "named, parameterised sub-networks (a block named like a layer type "
                                      "shadows it)"},
            "layers": {"anyOf": [_ref(f"layers.{CALLS}"), edits]},
        },
        "if": {"not": {"anyOf": [{"required": [key]} for key in ("blocks", "extends", "imports")]}},
        "then": {"properties": {"layers": _ref(f"layers.{STRICT}")}},
        "$defs": defs,
    }


def budget_schema() -> dict:
    """The JSON Schema of a budget file (docs/ci.md): ``specs: {path or glob: {metric: limit}}``."""
    return {
        "$schema": DRAFT,
        "title": "cnncalc budget file",
        "description": "Size limits per spec path or glob, relative to this file (docs/ci.md); generated by "
                       "`cnncalc schema --budget`.",
        "type": "object",
        "required": ["specs"],
        "additionalProperties": False,
        "properties": {"specs": {"type": "object", "minProperties": 1, "additionalProperties": _ref("limits")}},
        "$defs": {"limits": _limits()},
    }
