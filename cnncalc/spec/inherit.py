"""Specs built on specs (docs/spec.md, "Specs built on specs"): ``extends:`` (inherit another spec's
arguments, defaults, blocks, input and layers, and override what differs) and ``imports:`` (take blocks from
another spec). The documents are merged here, before any layer is built, into one document whose every key
still knows the file and line it came from.

A base is a ``zoo:``/``seed:`` name or a path relative to the spec that names it, which must stay inside the
folder of the spec being read (the first one; a shipped spec's is the shipped specs' folder): a spec never
makes cnncalc read outside its own folder tree. Every file read counts towards the spec's byte limit, and a
spec reads at most ``MAX_FILES`` files in all.
"""

from __future__ import annotations

import os
from typing import Optional

from cnncalc.errors import Location, SpecError, brief, did_you_mean
from cnncalc.record import record
from cnncalc.spec import yamlsource
from cnncalc.spec.yamlsource import LocDict, LocList

MAX_FILES = 16               # files one spec may read through extends: and imports: (itself included)
LAYER_EDITS = ("until", "replace", "insert_after", "append")


@record(frozen=False)
class Reading:
    """What the reading of one spec and its bases shares: the limits, the folder it is confined to, the
    files being read (to find a cycle) and the budget of files and bytes left."""
    limits: object                # ReadLimits
    files: int = 1
    bytes: int = 0


def compose(doc: LocDict, dollars: bool, source: str, path: Optional[str], reading: Reading,
            root: Optional[str] = None, chain: tuple = ()) -> tuple:
    """The document with its ``extends:`` and ``imports:`` done: (document, whether a '$' may appear).
    ``path``: the file the document was read from (None for text: then only zoo:/seed: bases are allowed);
    ``root``: the folder bases must stay in (default the folder of ``path``); ``chain``: the files being read."""
    if path is not None:
        path = os.path.realpath(path)
        root = root or os.path.dirname(path)
        chain = (*chain, path)
    if "imports" in doc:
        doc, more = _imports(doc, source, path, reading, root, chain)
        dollars = dollars or more
    if "extends" not in doc:
        return doc, dollars
    written = doc["extends"]
    where = doc.where("extends")
    base, base_dollars = _read(written, where, source, path, reading, root, chain)
    return _merge(base, doc, where), dollars or base_dollars


def _read(written, where: Location, source: str, path: Optional[str], reading: Reading, root: Optional[str],
          chain: tuple) -> tuple:
    """The spec ``written`` names (from ``source``), read and composed: (document, dollars)."""
    from cnncalc import zoo
    if not isinstance(written, str) or not written.strip():
        raise SpecError(f"'extends' names one spec: a path relative to this one, or zoo:NAME / seed:NAME; got "
                        f"{brief(written)}", where)
    if zoo.is_shipped(written):
        try:
            file = zoo.path(written)
        except SpecError as err:
            raise SpecError(err.message, where) from None
        shown, root = written, zoo.root()
    else:
        if path is None:
            raise SpecError(f"'{written}': a spec not read from a file names its base as zoo:NAME or seed:NAME "
                            f"(a relative path needs the spec's own folder)", where)
        if os.path.isabs(written) or written.startswith("~"):
            raise SpecError(f"'{written}': a base is a path relative to this spec's folder, not an absolute one",
                            where)
        file = os.path.normpath(os.path.join(os.path.dirname(path), written))
        shown = os.path.normpath(os.path.join(os.path.dirname(source), written)) \
            if not source.startswith(("<", "zoo:", "seed:")) else written
        assert root is not None
        real = os.path.realpath(file)
        if os.path.commonpath([real, root]) != root:
            raise SpecError(f"'{written}' is outside the spec's folder {root}; a spec reads only specs in its "
                            f"folder tree (or zoo:/seed: ones)", where)
    real = os.path.realpath(file)
    if os.path.exists(real) and not os.path.isfile(real):      # a folder, a pipe, a device: never opened
        raise SpecError(f"'{written}' is not a spec file", where)
    if real in chain:
        names = [os.path.basename(f) for f in chain[chain.index(real):]]
        raise SpecError(f"'{written}' is being read already: a spec cannot extend or import itself "
                        f"({' → '.join([*names, os.path.basename(real)])})", where)
    if len(chain) >= MAX_FILES or reading.files >= MAX_FILES:
        raise SpecError(f"more than {MAX_FILES} specs are read through extends and imports", where)
    limits = reading.limits
    budget = limits.max_bytes - reading.bytes          # type: ignore[attr-defined]
    try:
        data = yamlsource.read_file(file, budget)
    except SpecError as err:
        if budget < limits.max_bytes and "limit" in err.message:        # type: ignore[attr-defined]
            raise SpecError(f"'{written}': the spec and its bases are over {limits.max_bytes:,} bytes "  # type: ignore[attr-defined]
                            f"together (raise the limit with --max-spec-bytes)", where) from None
        raise SpecError(f"'{written}': {err.message}", where) from None
    reading.files += 1
    reading.bytes += len(data)
    base, dollars = yamlsource.load_document(
        data, shown, max_bytes=budget, max_nodes=limits.max_yaml_nodes,          # type: ignore[attr-defined]
        max_depth=limits.max_yaml_depth, max_layers=limits.max_layers)           # type: ignore[attr-defined]
    if not isinstance(base, LocDict):
        raise SpecError(f"'{written}' is not a spec (a mapping with 'input' and 'layers')", where)
    from cnncalc.spec.document import check_keys
    check_keys(base)
    return compose(base, dollars, shown, real, reading, root, chain)


# -------------------------------------------------------------------------------------------- merging

def _merge(base: LocDict, child: LocDict, where: Location) -> LocDict:
    """``child`` over ``base``: arguments, defaults and blocks merged key by key (the child's win; new ones
    after the base's), input, description and budget the child's if written, layers edited or replaced."""
    out = _new(child)
    for key in ("description", "input", "budget"):
        _put(out, key, child if key in child else base if key in base else None)
    if "name" in child:
        _put(out, "name", child)
    for key in ("args", "blocks"):
        merged = _union(base.get(key), child.get(key), key, base, child)
        if merged is not None:
            out[key] = merged
            out._keys[key] = merged.loc
    defaults = _merge_defaults(base.get("defaults"), child.get("defaults"), base, child)
    if defaults is not None:
        out["defaults"] = defaults
        out._keys["defaults"] = defaults.loc
    if "layers" not in child:
        _put(out, "layers", base if "layers" in base else None)
    elif isinstance(child["layers"], LocDict):
        if "layers" not in base or not isinstance(base["layers"], LocList):
            raise SpecError("the base has no list of 'layers' to edit", child.where("layers"))
        out["layers"] = edit_layers(base["layers"], child["layers"])
        out._keys["layers"] = child.where("layers")
    else:
        _put(out, "layers", child)
    return out


def _new(like: LocDict) -> LocDict:
    out = LocDict()
    out.loc, out.key_locs = like.loc, {}
    return out


def _put(out: LocDict, key: str, source: Optional[LocDict]) -> None:
    if source is not None and key in source:
        out[key] = source[key]
        out._keys[key] = source.where(key)


def _union(base, child, key: str, base_doc: LocDict, child_doc: LocDict) -> Optional[LocDict]:
    """Two mappings of name → definition: the base's, each replaced by the child's of its name, then the
    child's new ones."""
    if base is None and child is None:
        return None
    for value, doc in ((base, base_doc), (child, child_doc)):
        if value is not None and not isinstance(value, LocDict):
            what = "argument → default value" if key == "args" else "block name → {args, layers}"
            raise SpecError(f"'{key}' must be a mapping of {what}", doc.where(key))
    out = _new(child if child is not None else base)
    for part in (base, child):
        for name, value in (part or {}).items():
            out[name] = value
            out._keys[name] = part.where(name)
    return out


def _merge_defaults(base, child, base_doc: LocDict, child_doc: LocDict) -> Optional[LocDict]:
    """Defaults merged per argument, and per argument of one type (``{conv: {bias: false}}``)."""
    if not isinstance(base, LocDict) or not isinstance(child, LocDict):
        return child if child is not None else base      # a wrong kind is the defaults reader's error
    out = _union(base, child, "defaults", base_doc, child_doc)
    assert out is not None
    for key, value in child.items():
        old = base.get(key)
        if isinstance(value, LocDict) and isinstance(old, LocDict):
            both = _new(value)
            for part in (old, value):
                for name, item in part.items():
                    both[name] = item
                    both._keys[name] = part.where(name)
            out[key] = both
    return out


def edit_layers(layers: LocList, edits: LocDict) -> LocList:
    """The base's top-level layers edited by name: ``until: NAME`` keeps them up to NAME (the rest dropped),
    ``replace: {NAME: [entries]}`` puts the entries in place of the layer NAME (``[]`` removes it),
    ``insert_after: {NAME: [entries]}`` adds entries after it (after its replacement, if replaced),
    ``append: [entries]`` at the end. A name is an entry's ``name:`` in the base; entries that share it
    (``if:`` alternatives) are replaced together. One pass over the layers, whatever the edits."""
    for key in edits:
        if key not in LAYER_EDITS:
            raise SpecError(f"unknown layer edit '{key}'{did_you_mean(str(key), LAYER_EDITS)}; 'layers' of a spec "
                            f"that extends another is a list (all new layers) or a mapping of "
                            f"{', '.join(LAYER_EDITS)}", edits.where(key))
    named: dict = {}                         # name → the positions of the base's layers with it
    for i, item in enumerate(layers):
        name = _name(item)
        if name is not None:
            named.setdefault(name, []).append(i)

    def find(name, where: Location) -> list:
        if not isinstance(name, str):
            raise SpecError(f"a layer edit names a top-level layer by its 'name', got {brief(name)}", where)
        if name not in named:
            raise SpecError(f"the base has no top-level layer named '{name}'{did_you_mean(name, list(named))}", where)
        return named[name]

    def entries(value, what: str, where: Location) -> list:
        if not isinstance(value, LocList):
            raise SpecError(f"{what} takes a list of layer entries ([] for none)", where)
        return [(value[i], value.where(i)) for i in range(len(value))]

    end = len(layers)
    if "until" in edits:
        end = find(edits["until"], edits.where("until"))[-1] + 1
    replaced: dict = {}                      # position → the entries in its place
    after: dict = {}                         # position → the entries after it
    for key, table_of in (("replace", replaced), ("insert_after", after)):
        if key not in edits:
            continue
        table = edits[key]
        if not isinstance(table, LocDict):
            raise SpecError(f"'{key}' is a mapping of layer name → list of entries", edits.where(key))
        for name, new in table.items():
            at = find(name, table.where(name))
            if at[0] >= end:
                raise SpecError(f"'{key}: {name}': the layer '{name}' is after 'until: {edits['until']}', so "
                                f"dropped already", table.where(name))
            added = entries(new, f"'{key}: {name}'", table.where(name))
            if key == "replace":
                for i in at:
                    replaced[i] = added if i == at[0] else []
            else:
                after[at[-1]] = added
    items: list = []
    for i in range(end):
        items += replaced[i] if i in replaced else [(layers[i], layers.where(i))]
        items += after.get(i, ())
    if "append" in edits:
        items += entries(edits["append"], "'append'", edits.where("append"))
    out = LocList(item for item, _ in items)
    out.loc = edits.loc
    out.item_locs = [where for _, where in items]
    if not out:
        raise SpecError("the layer edits leave no layers", edits.loc)
    return out


def _name(entry) -> Optional[str]:
    name = entry.get("name") if isinstance(entry, LocDict) else None
    return name if isinstance(name, str) else None


# ------------------------------------------------------------------------------------------- imports

def _imports(doc: LocDict, source: str, path: Optional[str], reading: Reading, root: Optional[str],
             chain: tuple) -> tuple:
    """The document with the blocks it imports added to its own (``imports: [zoo:x, {from: y, blocks:
    [a]}]``); a block brings the blocks of its spec that it uses. A name defined twice is an error."""
    written = doc["imports"]
    where = doc.where("imports")
    if not isinstance(written, LocList):
        raise SpecError("'imports' is a list of specs (zoo:NAME, seed:NAME or a relative path), each alone or as "
                        "{from: SPEC, blocks: [names]}", where)
    own = doc.get("blocks")
    if own is not None and not isinstance(own, LocDict):
        raise SpecError("'blocks' must be a mapping of block name → {args, layers}", doc.where("blocks"))
    blocks = _new(own if own is not None else doc)
    origin: dict = {}                     # block name → where it was defined
    for name, body in (own or {}).items():
        blocks[name] = body
        blocks._keys[name] = own.where(name)          # type: ignore[union-attr]
        origin[name] = own.where(name)                # type: ignore[union-attr]
    dollars = False
    for i, item in enumerate(written):
        item_where = written.where(i)
        wanted = None
        if isinstance(item, LocDict):
            for key in item:
                if key not in ("from", "blocks"):
                    raise SpecError(f"unknown key '{key}' in an import{did_you_mean(str(key), ('from', 'blocks'))}; "
                                    f"an import is {{from: SPEC, blocks: [names]}}", item.where(key))
            if "from" not in item:
                raise SpecError("an import needs 'from: SPEC'", item_where)
            wanted = item.get("blocks")
            if wanted is not None and (not isinstance(wanted, LocList)
                                       or not all(isinstance(n, str) for n in wanted)):
                raise SpecError("'blocks' of an import is a list of block names", item.where("blocks"))
            item_where, item = item.where("from"), item["from"]
        base, more = _read(item, item_where, source, path, reading, root, chain)
        dollars = dollars or more
        theirs = base.get("blocks")
        if not isinstance(theirs, LocDict) or not theirs:
            raise SpecError(f"'{item}' has no blocks to import", item_where)
        for name in wanted or []:
            if name not in theirs:
                raise SpecError(f"'{item}' has no block '{name}'{did_you_mean(name, list(theirs))}; its blocks: "
                                f"{', '.join(map(str, theirs))}", item_where)
        for name in _with_uses(theirs, list(wanted) if wanted is not None else list(theirs)):
            defined = theirs.where(name)
            if name in origin and origin[name] != defined:      # the same definition twice is no conflict
                raise SpecError(f"block '{name}' of '{item}' is also defined at {origin[name]}; a spec defines "
                                f"each block name once (rename one, or import fewer)", item_where)
            blocks[name] = theirs[name]
            blocks._keys[name] = defined
            origin[name] = defined
    out = _new(doc)
    for key, value in doc.items():
        if key != "imports":
            out[key] = value
            out._keys[key] = doc.where(key)
    out["blocks"] = blocks
    out._keys["blocks"] = doc.where("blocks") if "blocks" in doc else where
    return out, dollars


def _with_uses(blocks: LocDict, names: list) -> list:
    """``names`` and every block of ``blocks`` they use, directly or through others (any text or key in a
    block's layers or argument defaults that names one of them: a default may pass a block as a value)."""
    result: dict = {}                       # in the order found (a dict: linear however many blocks)
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in result:
            continue
        result[name] = None
        body = blocks[name]
        todo.extend(word for word in _words([body.get("args"), body.get("layers")] if isinstance(body, LocDict)
                                            else None)
                    if word in blocks and word not in result)
    return list(result)


def _words(value) -> list:
    found: list = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, dict):
            found.extend(k for k in item if isinstance(k, str))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found
