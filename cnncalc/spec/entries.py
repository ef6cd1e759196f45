"""One layer entry of the YAML (``relu``, ``{conv: {...}, name: c1, repeat: 2}``) → an :class:`Entry`."""

from __future__ import annotations

from typing import Callable, Optional

from cnncalc.errors import Location, SpecError, brief, did_you_mean
from cnncalc.record import record
from cnncalc.spec.scopes import Scope
from cnncalc.spec.yamlsource import LocDict

META_KEYS = ("name", "from", "repeat", "trainable", "if", "share")
_META = frozenset(META_KEYS)
RESERVED_NAMES = ("input",)


@record(slots=True)
class Entry:
    """A layer entry as written, checked for everything that needs no layer type."""
    type: str                          # a layer type or a block name
    arguments: object                  # the value under the type key (None for a bare word)
    name: Optional[str]                # as written; None for an automatic name
    repeat: int
    trainable: bool                    # false when written so or when the enclosing scope is frozen
    source: object                     # 'from:' as written (a name, a list of names) or None
    location: Location                 # of the entry
    mapping: Optional[LocDict] = None  # the entry as written, when a mapping (it knows where each key is)
    share: Optional[str] = None        # 'share:' as written: the layer whose weights it reuses (tied weights)

    def label(self, scope: Scope) -> str:
        """The path its errors name, before it is built in ``scope``: its full name, or the automatic one it
        is about to get."""
        return scope.full(self.name if self.name is not None else scope.auto_name(self.type, peek=True))

    @property
    def arguments_location(self) -> Location:
        """Where the value under the type key was written (made when asked: only errors ask)."""
        return self.location if self.mapping is None else self.mapping.where(self.type)


def read_entry(value, loc: Optional[Location], scope: Scope, max_layers: int,
               arguments_of: Callable[[object], Optional[frozenset]]) -> Entry:
    """Check one entry's shape and its meta keys (name, from, repeat, trainable, if; an entry left out by
    ``if: false`` or ``repeat: 0`` does not come here). ``loc``: where the entry
    was written; a mapping entry's own location is used instead (so None will do for one).

    ``arguments_of(key)`` is the set of arguments a layer type or block takes, or None when the key is
    neither (it is used to explain an entry with two type keys)."""
    if isinstance(value, str):
        type_name, args, meta, mapping = value, None, {}, None
    elif isinstance(value, LocDict):
        type_name, args, meta = _split(value, arguments_of)
        loc, mapping = value.loc, value
    else:
        raise SpecError(f"a layer must be a type name (relu) or a mapping ({{conv: {{...}}}}), "
                        f"got {brief(value)}", loc)
    if loc is None:
        raise TypeError("read_entry needs the location of an entry that is not a mapping")
    if not meta:                       # a type and its arguments only (most entries): every default
        return Entry(type_name, args, None, 1, scope.trainable, None, loc, mapping, None)
    name = meta.get("name")
    if name is not None:
        if not isinstance(name, str) or not name or " " in name or "\t" in name or "\n" in name:
            raise SpecError(f"'name' must be a non-empty word, got {brief(name)}", loc)
        if name in RESERVED_NAMES:
            raise SpecError(f"'{name}' is reserved for the network input; choose another name", loc)
    label = scope.full(name if name is not None else scope.auto_name(type_name, peek=True))     # for errors
    repeat = meta.get("repeat", 1)
    if type(repeat) is not int or repeat < 0:          # not a bool either (a subclass of int)
        raise SpecError(f"'repeat' must be an int ≥ 0, got {brief(repeat)}", _where(value, "repeat", loc), label)
    condition = meta.get("if", True)
    if not isinstance(condition, bool):
        raise SpecError(f"'if' must be true or false (or an expression that gives one), got {brief(condition)}",
                        _where(value, "if", loc), label)
    if repeat > max_layers:
        raise SpecError(f"'repeat: {repeat:,}' is over the limit of {max_layers:,} layers "
                        f"(raise it with --max-layers)", _where(value, "repeat", loc), label)
    trainable = meta.get("trainable", True)
    if trainable is not True and trainable is not False:
        raise SpecError(f"'trainable' must be true or false, got {brief(trainable)}", _where(value, "trainable", loc),
                        label)
    share = meta.get("share")
    if share is not None and (not isinstance(share, str) or not share):
        raise SpecError(f"'share' must name a layer, got {brief(share)}", _where(value, "share", loc), label)
    return Entry(type_name, args, name, repeat, trainable and scope.trainable, meta.get("from"), loc, mapping, share)


def _where(value, key: str, loc: Location) -> Location:
    """Where a meta key of the entry was written."""
    return value.where(key) if isinstance(value, LocDict) else loc


def _split(entry: LocDict, arguments_of: Callable[[object], Optional[frozenset]]) -> tuple:
    kinds, meta = [], {}
    for key, value in entry.items():
        if key in _META:
            meta[key] = value
        else:
            kinds.append(key)
    if not kinds and "share" in meta:
        # {name: b, share: a}: the type and arguments are a's (spec/assembly.py, Builder._tied)
        return "", None, meta
    if not kinds:
        raise SpecError(f"this layer has no type: add one key such as conv: {{...}} beside "
                        f"{', '.join(map(str, entry))}", entry.loc)
    if len(kinds) > 1:
        known = [k for k in kinds if isinstance(k, str) and arguments_of(k) is not None]
        hint = ""
        if len(known) == 1:
            other = next(k for k in kinds if k != known[0])
            takes = arguments_of(known[0]) or frozenset()
            if other in takes:
                hint = f"; is '{other}' meant to be an argument of {known[0]}? It must be indented under it"
            else:
                hint = (f"; '{other}' is not a layer type, nor an entry key ({', '.join(META_KEYS)}), nor an "
                        f"argument of {known[0]}{did_you_mean(other, [*META_KEYS, *sorted(takes)])}")
        raise SpecError(f"one layer entry takes one type key, found {', '.join(map(str, kinds))}{hint}",
                        entry.where(kinds[1]))
    type_name = kinds[0]
    if not isinstance(type_name, str):
        raise SpecError(f"a layer type must be a word, got {brief(type_name)}", entry.where(type_name))
    return type_name, entry[type_name], meta
