"""Read YAML with safe_load semantics, keeping the line and column of every mapping, key and value.

Mappings become :class:`LocDict` and sequences :class:`LocList`: plain dicts and lists that also remember
where they (and, for a mapping, each key's value) stood in the file. Only the standard YAML tags are
accepted; ``!!python/object`` and every other non-safe tag is refused, exactly as ``yaml.safe_load`` does.

Hostile documents are refused before anything is built from them (docs/spec.md, "Read limits"):
a file over ``max_bytes``; nesting deeper than ``max_depth`` (Python's own stack would run out further
down); more than ``max_nodes`` nodes once every alias is expanded (a "billion laughs" alias bomb is a few
hundred bytes that expand to billions of nodes); an integer beyond ``MAX_INT`` (Python's big-int
arithmetic and text conversion slow down, then fail, on numbers thousands of digits long).
"""

from __future__ import annotations

import os
import re
import sys
from array import array
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import yaml

from cnncalc.errors import Location, SpecError, brief

if TYPE_CHECKING:
    from yaml import SafeLoader as _Base
else:
    _Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_SPEC_BYTES = 16 * 1024 * 1024    # a bigger spec is refused before it is read
MAX_NODES = 5_000_000                # YAML nodes, aliases counted at their full size each time they are used
MAX_DEPTH = 100                      # nesting levels of YAML collections
MAX_INT = 10**18                     # the largest integer (in magnitude) a spec may contain
MAX_NUMBERS = 10_000                 # numbers in one list of a spec (refused while the file is read)
_MAX_INT_CHARS = 100                 # longer integer literals are refused before Python converts them


def _located(file: str, at) -> Location:
    """A Location from a packed position (``line << 32 | column``, both 1-based) or a Location itself."""
    if type(at) is int:
        return Location(file, at >> 32, at & 0xFFFFFFFF)
    return at


def _pack(mark) -> int:
    return (mark.line + 1) << 32 | (mark.column + 1)


class KeyLocations(Mapping):
    """Where each key of a :class:`LocDict` was written: a read-only mapping key → Location, whose Locations
    are made only when asked for (a big spec has millions of keys, and only an error needs a location)."""

    __slots__ = ("_file", "_keys")

    def __init__(self, file: str, keys: dict):
        self._file, self._keys = file, keys

    def __getitem__(self, key) -> Location:
        return _located(self._file, self._keys[key])

    def get(self, key, default=None):
        at = self._keys.get(key)
        return default if at is None else _located(self._file, at)

    def __contains__(self, key) -> bool:
        return key in self._keys

    def __iter__(self):
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


class _Located:
    """``loc``: where a collection starts, made from its packed position when asked."""

    __slots__: tuple[str, ...] = ()      # the subclasses' slots hold _file and _at
    _file: str
    _at: object

    @property
    def loc(self) -> Location:
        return _located(self._file, self._at)

    @loc.setter
    def loc(self, value: Location) -> None:
        self._file, self._at = value.file, value      # type: ignore[misc]  # slots of the subclasses


class LocDict(_Located, dict):
    """A dict that knows its own location and the location of each of its keys. Positions are kept packed
    and become Location records only when ``loc``, ``where`` or ``key_locs`` is asked."""

    __slots__ = ("_file", "_at", "_keys")

    @property
    def key_locs(self) -> KeyLocations:
        return KeyLocations(self._file, self._keys)

    @key_locs.setter
    def key_locs(self, value) -> None:
        self._keys = dict(value)

    def where(self, key) -> Location:
        at = self._keys.get(key)
        return _located(self._file, self._at if at is None else at)

    def located_like(self, other: "LocDict") -> None:
        """Take the locations of ``other`` (a copy of it, with the same keys)."""
        self._file, self._at, self._keys = other._file, other._at, other._keys


class LocList(_Located, list):
    """A list that knows its own location and the location of each item."""

    __slots__ = ("_file", "_at", "_items")

    @property
    def item_locs(self) -> list:
        return [_located(self._file, at) for at in self._items]

    @item_locs.setter
    def item_locs(self, value: list) -> None:
        self._items = list(value)

    def where(self, index: int) -> Location:
        if 0 <= index < len(self._items):
            return _located(self._file, self._items[index])
        return self.loc

    def located_like(self, other: "LocList") -> None:
        """Take the locations of ``other`` (a copy of it, with as many items)."""
        self._file, self._at, self._items = other._file, other._at, other._items


class _Loader(_Base):
    source_name: str = "<spec>"


_TAG = "tag:yaml.org,2002:"

# A float written with an exponent but no dot (1e-5, 2E3) or with an unsigned exponent (1.0e5) is a number in
# YAML 1.2 (its core schema) and to most readers, but text to PyYAML's YAML 1.1 resolver: a spec's `eps: 1e-5`
# is the number. Tried after PyYAML's own resolvers, so everything they read is read as they read it.
_Loader.add_implicit_resolver(_TAG + "float", re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$"),
                              list("-+.0123456789"))

_MERGE = _TAG + "merge"


def _construct_map(loader: _Loader, node: yaml.MappingNode):
    """A LocDict. Merge keys (``<<: *base``) as safe_load has them: a key written in the mapping itself wins
    over a merged one, and among merged mappings the first listed wins. A key written twice is an error."""
    data = LocDict()
    data._file, data._at, data._keys = loader.source_name, _pack(node.start_mark), {}
    yield data
    written = sum(1 for key_node, _ in node.value if key_node.tag != _MERGE)
    loader.flatten_mapping(node)              # merged pairs first, then the pairs written here
    first_written = len(node.value) - written
    seen = set()                              # keys written here (merged ones may be overridden)
    for index, (key_node, value_node) in enumerate(node.value):
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise SpecError("a mapping key must be a plain value", _location(loader, key_node)) from None
        if index >= first_written:
            if key in seen:
                raise SpecError(f"duplicate key '{key}'", _location(loader, key_node))
            seen.add(key)
        data[key] = loader.construct_object(value_node, deep=True)
        data._keys[key] = _pack(key_node.start_mark)


def _construct_seq(loader: _Loader, node: yaml.SequenceNode):
    data = LocList()
    data._file, data._at = loader.source_name, _pack(node.start_mark)
    data._items = [_pack(child.start_mark) for child in node.value]
    yield data
    data.extend(loader.construct_object(child, deep=True) for child in node.value)


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> int:
    if len(node.value) > _MAX_INT_CHARS:
        raise SpecError(f"an integer written with {len(node.value):,} characters; spec integers are at most "
                        f"10^18", _location(loader, node))
    value = yaml.constructor.SafeConstructor.construct_yaml_int(loader, node)
    if abs(value) > MAX_INT:
        raise SpecError(f"the integer {value} is too large; spec integers are at most 10^18",
                        _location(loader, node))
    return value


def _location(loader: _Loader, node) -> Location:
    mark = node.start_mark
    return Location(loader.source_name, mark.line + 1, mark.column + 1)


_NODE_KINDS = {yaml.ScalarNode: "a plain value", yaml.SequenceNode: "a list", yaml.MappingNode: "a mapping"}

# Every standard tag of the safe loader: the kind of node it takes, what a good value looks like, and its
# constructor. A value the constructor cannot read (`!!int 3x`, `!!bool maybe`, `!!map [1]`) is a SpecError
# at the value that says what was expected, never a Python error from inside PyYAML.
_SAFE = yaml.constructor.SafeConstructor
_STANDARD_TAGS = {
    "null": (yaml.ScalarNode, "null, ~ or nothing", _SAFE.construct_yaml_null),
    "bool": (yaml.ScalarNode, "true or false", _SAFE.construct_yaml_bool),
    "int": (yaml.ScalarNode, "an integer such as 3, -2, 0x1f, 0o17 or 0b101", _construct_int),
    "float": (yaml.ScalarNode, "a number such as 0.5, -1e-3, .inf or .nan", _SAFE.construct_yaml_float),
    "binary": (yaml.ScalarNode, "base64 text", _SAFE.construct_yaml_binary),
    "timestamp": (yaml.ScalarNode, "a date or time such as 2001-12-14 or 2001-12-14 21:59:43.10 -5",
                  _SAFE.construct_yaml_timestamp),
    "str": (yaml.ScalarNode, "text", _SAFE.construct_yaml_str),
    "map": (yaml.MappingNode, "a mapping such as {a: 1}", _construct_map),
    "set": (yaml.MappingNode, "a mapping of members such as {a, b}", _SAFE.construct_yaml_set),
    "seq": (yaml.SequenceNode, "a list such as [1, 2]", _construct_seq),
    "omap": (yaml.SequenceNode, "a list of one-key mappings such as [a: 1, b: 2]", _SAFE.construct_yaml_omap),
    "pairs": (yaml.SequenceNode, "a list of one-key mappings such as [a: 1, b: 2]", _SAFE.construct_yaml_pairs),
}


def _checked(tag: str, kind: Any, expected: str, construct: Any):
    def construct_checked(loader: _Loader, node: Any):
        if type(node) is not kind:
            raise SpecError(f"a !!{tag} value must be {expected}, found {_NODE_KINDS[type(node)]}",
                            _location(loader, node))
        if kind is not yaml.ScalarNode:
            return construct(loader, node)     # a generator (filled in later) or PyYAML's located errors
        try:
            return construct(loader, node)
        except (ValueError, LookupError, AttributeError, TypeError, OverflowError):
            raise SpecError(f"{brief(node.value)} is not a valid !!{tag} value; expected {expected}",
                            _location(loader, node)) from None
    return construct_checked


def _key_only(loader: _Loader, node) -> None:
    tag = node.tag.rsplit(":", 1)[-1]
    what = " (<<: *anchor merges a mapping into this one)" if node.tag == _MERGE else ""
    raise SpecError(f"!!{tag} is only allowed on a mapping key{what}, not on a value", _location(loader, node))


for _tag, (_kind, _expected, _construct) in _STANDARD_TAGS.items():
    _Loader.add_constructor(_TAG + _tag, _checked(_tag, _kind, _expected, _construct))
_Loader.add_constructor(_MERGE, _key_only)
_Loader.add_constructor(_TAG + "value", _key_only)


class _Fallback(Exception):
    """The document uses what the one-pass reader leaves to PyYAML's composer and constructor: an anchor,
    an alias, an explicit tag, a merge key (``<<``), a key that is a collection, several documents."""


_NO_KEY = object()
_FAST_TAGS = frozenset(_TAG + name for name in ("str", "int", "float", "bool", "null"))
_MEMO = 50_000         # plain scalars whose value is remembered (a spec repeats few values many times)
class _Everything:
    def __contains__(self, item) -> bool:
        return True


# the first characters of a plain scalar that an implicit resolver looks at (null, bool, int, float,
# timestamp, merge, value...); a plain scalar starting with any other character is text, as is a quoted one
_RESOLVED_FIRST: Any = frozenset(_Loader.yaml_implicit_resolvers)
if None in _RESOLVED_FIRST:                # a resolver for any first character (not PyYAML's): resolve all
    _RESOLVED_FIRST = _Everything()


class _SpecShape:
    """Checks of a spec's outline made while its events stream by, so that a huge file that cannot be a
    spec is refused before anything is built from it: 'name' and 'description' must be text (not a list of
    millions of items). The readers refuse, with :meth:`too_long`, any list longer than the layer limit at
    the item that passes it: for the top-level 'layers' list that is the layer limit (every entry makes at
    least one layer). Sees only the events at depth 1 and the collections opening at depth 2."""

    def __init__(self, source_name: str, max_layers: int):
        self.source_name, self.max_layers = source_name, max_layers
        self.root_is_mapping = False
        self.root_items = 0               # direct children of the root mapping done: keys at even counts
        self.key, self.key_event = None, None
        self.in_layers = False

    def too_long(self, event, list_depth: int) -> SpecError:
        """The error for a list that grew past ``max_layers`` items (``list_depth``: its nesting level, 1 for
        the root): the layer limit for the top-level 'layers' list, else the list limit. No list in a spec
        means more than the layers it may make: layers, 'from' names, split parts, window sizes."""
        if self.in_layers and list_depth == 2:
            return SpecError(f"the spec expands to more than {self.max_layers:,} layers (raise the limit "
                             f"with --max-layers)", _mark_location(self.source_name, event))
        return SpecError(f"a list of more than {self.max_layers:,} items: no list in a spec holds more items "
                         f"than the layer limit (raise it with --max-layers)", _mark_location(self.source_name, event))

    def see(self, kind, event, depth: int) -> None:
        """An event at depth 1 or a collection opening at depth 2 (``depth``: open collections after the
        event); the entries of 'layers' are counted as the items of a list (:meth:`too_long`)."""
        starts = kind is yaml.SequenceStartEvent or kind is yaml.MappingStartEvent
        if starts and depth == 1:
            self.root_is_mapping, self.root_items = kind is yaml.MappingStartEvent, 0
            return
        if not self.root_is_mapping:
            return
        if starts and depth == 2 and self.root_items % 2 == 1:          # the value of a top-level key
            if self.key in ("name", "description"):
                raise SpecError(f"'{self.key}' must be text", _mark_location(self.source_name, self.key_event))
            self.in_layers = self.key == "layers" and kind is yaml.SequenceStartEvent
            return
        if depth == 1 and not starts:                                   # a top-level key or value done
            self.in_layers = False
            if self.root_items % 2 == 0:
                self.key = event.value if kind is yaml.ScalarEvent else None
                self.key_event = event
            self.root_items += 1


def _check_events(text: str, source_name: str, max_nodes: int, max_depth: int,
                  shape: _SpecShape | None = None) -> None:
    """Refuse a document nested deeper than max_depth, or expanding to more than max_nodes nodes, by
    streaming its parse events before any node is composed: memory stays flat, and a hostile document is
    refused after at most max_nodes events, however big it is.

    An alias counts the full size of its anchor's node each time it is used (remembered per anchor, so
    this is linear in the size of the text); an alias to a collection still open is a recursive structure.
    """
    parser = _Base(text)
    stack: list[list] = []           # per open collection: [expanded size, height, anchor, items or -1 (a mapping)]
    max_items = shape.max_layers if shape is not None else sys.maxsize
    anchored: dict = {}              # anchor → (expanded size, height) of its finished node
    total = 0
    try:
        while True:
            event = parser.get_event()
            kind = type(event)
            if kind is yaml.ScalarEvent or kind is yaml.AliasEvent:
                size, height = 1, 0
                if kind is yaml.AliasEvent:
                    if any(entry[2] == event.anchor for entry in stack) and event.anchor not in anchored:
                        raise SpecError("an alias refers to a collection that contains it (a recursive "
                                        "structure)", _mark_location(source_name, event))
                    size, height = anchored.get(event.anchor, (1, 0))
                    if len(stack) + height > max_depth:
                        raise _too_deep(max_depth, source_name, event)
                elif event.anchor is not None:
                    anchored[event.anchor] = (1, 0)
                total += size
                if stack:
                    stack[-1][0] += size
                    stack[-1][1] = max(stack[-1][1], height + 1)
                    _count_item(stack, max_items, shape, event)
            elif kind is yaml.SequenceStartEvent or kind is yaml.MappingStartEvent:
                if len(stack) >= max_depth:
                    raise _too_deep(max_depth, source_name, event)
                if event.anchor is not None:
                    anchored.pop(event.anchor, None)     # an anchor defined again names the new node
                if stack:
                    _count_item(stack, max_items, shape, event)
                stack.append([1, 1, event.anchor, 0 if kind is yaml.SequenceStartEvent else -1])
                total += 1
            elif kind is yaml.SequenceEndEvent or kind is yaml.MappingEndEvent:
                size, height, anchor, _ = stack.pop()
                if anchor is not None:
                    anchored[anchor] = (size, height)
                if stack:
                    stack[-1][0] += size
                    stack[-1][1] = max(stack[-1][1], height + 1)
            elif kind is yaml.StreamEndEvent:
                return
            if shape is not None and (len(stack) < 2 or len(stack) == 2 and (kind is yaml.SequenceStartEvent
                                                                           or kind is yaml.MappingStartEvent)) \
                    and kind is not yaml.DocumentStartEvent \
                    and kind is not yaml.DocumentEndEvent and kind is not yaml.StreamStartEvent:
                shape.see(kind, event, len(stack))
            if total > max_nodes:
                raise _too_many_nodes(max_nodes, source_name, event)
    finally:
        parser.dispose()


def _count_item(stack: list, max_items: int, shape: _SpecShape | None, event) -> None:
    """One more item of the innermost open collection, when it is a list (``_check_events``)."""
    if stack[-1][3] >= 0:
        stack[-1][3] += 1
        if stack[-1][3] > max_items and shape is not None:
            raise shape.too_long(event, len(stack))


def _read(loader: _Loader, text: str, source_name: str, max_nodes: int, max_depth: int,
          shape: _SpecShape | None):
    """The document's value, built straight from the parse events in the one pass that also enforces the
    limits of ``_check_events``: no node graph is composed and the text is parsed once. A plain scalar's
    tag comes from PyYAML's own resolver and its value from the loader's own constructors (remembered per
    distinct text), so the values are those of the composing loader. Raises _Fallback at the first anchor,
    alias, explicit tag, merge key, collection as a key or second document: those are left to PyYAML.

    A construction error (a key written twice, a bad integer) is kept, building stops, and the error is
    raised once the whole stream has passed the limits, as when the limits were checked before building.
    Without anchors and aliases, every node counts 1 and the nesting is the stack's height."""
    parser = _Base(text)
    get_event, resolve, constructors = parser.get_event, loader.resolve, loader.yaml_constructors
    scalar_event, alias_event = yaml.ScalarEvent, yaml.AliasEvent
    mapping_start, sequence_start = yaml.MappingStartEvent, yaml.SequenceStartEvent
    mapping_end, sequence_end = yaml.MappingEndEvent, yaml.SequenceEndEvent
    values: dict = {}                # (text, implicit) → value of a plain scalar that resolvers read
    texts: dict = {}                 # text → the one str kept for it (a spec repeats its words many times)
    stack: list[tuple] = []          # the enclosing collections' (container, is_list, key, key_at)
    container: Any = None            # the innermost open collection (typed loosely: the hot loop)
    is_list, key, key_at = False, _NO_KEY, 0
    root, documents, total, depth, error = None, 0, 0, 0, None     # depth: collections open
    dollars = False                  # whether any text holds a '$' (needs substituting, spec/templates.py)
    max_items = shape.max_layers if shape is not None else sys.maxsize    # items of one list
    resolved_first = _RESOLVED_FIRST
    try:
        while True:
            event = get_event()
            kind = type(event)
            if kind is scalar_event:
                if event.anchor is not None or event.tag is not None:
                    raise _Fallback
                total += 1
                if error is None:
                    text, implicit = event.value, event.implicit
                    if not implicit[0] or text and text[0] not in resolved_first:
                        # quoted, or plain with no implicit resolver for it: text, one str per distinct text
                        value = texts.get(text)
                        if value is None:
                            value = text
                            if len(texts) < _MEMO:
                                texts[text] = text
                            if "$" in text:
                                dollars = True
                    else:
                        text_key = (text, implicit)
                        value = values.get(text_key, _NO_KEY)
                    if value is _NO_KEY:
                        tag = resolve(yaml.ScalarNode, event.value, event.implicit)
                        if tag not in _FAST_TAGS:
                            raise _Fallback
                        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
                        try:
                            value = constructors[tag](loader, node)
                        except SpecError as err:
                            error = err
                        else:
                            if len(values) < _MEMO:
                                values[text_key] = value
                            if type(value) is str and "$" in value:
                                dollars = True
                    if error is None:
                        if is_list:
                            mark = event.start_mark
                            container.append(value)
                            container._items.append((mark.line + 1) << 32 | (mark.column + 1))
                            if len(container) > max_items:
                                raise shape.too_long(event, depth)      # type: ignore[union-attr]
                            if len(container) > MAX_NUMBERS and shape is not None and \
                                    (type(value) is int or type(value) is float):
                                raise _too_many_numbers(source_name, event)
                        elif container is None:
                            root = value
                        elif key is _NO_KEY:
                            if value in container:
                                error = SpecError(f"duplicate key '{value}'", _mark_location(source_name, event))
                            mark = event.start_mark
                            key, key_at = value, (mark.line + 1) << 32 | (mark.column + 1)
                        else:
                            container[key] = value
                            container._keys[key] = key_at
                            key = _NO_KEY
            elif kind is mapping_start or kind is sequence_start:
                if depth >= max_depth:
                    raise _too_deep(max_depth, source_name, event)
                if event.anchor is not None or event.tag is not None:
                    raise _Fallback
                total += 1
                depth += 1
                if error is None:
                    mark = event.start_mark
                    at = (mark.line + 1) << 32 | (mark.column + 1)
                    new: Any
                    if kind is sequence_start:
                        new = LocList()
                        new._items = array("q")      # packed positions: 8 bytes each, not an int object
                    else:
                        new = LocDict()
                        new._keys = {}
                    new._file, new._at = source_name, at
                    if is_list:
                        container.append(new)
                        container._items.append(at)
                        if len(container) > max_items:
                            raise shape.too_long(event, depth - 1)  # type: ignore[union-attr]
                    elif container is None:
                        root = new
                    elif key is _NO_KEY:
                        raise _Fallback                  # a collection as a mapping key
                    else:
                        container[key] = new
                        container._keys[key] = key_at
                        key = _NO_KEY
                    if container is not None:
                        stack.append((container, is_list, key, key_at))
                    container, is_list, key, key_at = new, kind is sequence_start, _NO_KEY, 0
            elif kind is mapping_end or kind is sequence_end:
                depth -= 1
                if error is None:
                    container, is_list, key, key_at = stack.pop() if stack else (None, False, _NO_KEY, 0)
            elif kind is alias_event:
                raise _Fallback
            elif kind is yaml.StreamEndEvent:
                break
            else:
                if kind is yaml.DocumentStartEvent:
                    documents += 1
                    if documents > 1:
                        raise _Fallback
                continue
            # the outline sees depth 1 and collections opening at depth 2 (the rest, the bulk of a spec, is
            # not its business: the list limit counts the entries of 'layers')
            if shape is not None and (depth < 2 or depth == 2 and (kind is mapping_start or kind is sequence_start)):
                shape.see(kind, event, depth)
            if total > max_nodes:
                raise _too_many_nodes(max_nodes, source_name, event)
    finally:
        parser.dispose()
    if error is not None:
        raise error
    return root, dollars


def _too_many_numbers(source_name: str, event) -> SpecError:
    return SpecError(f"a list of more than {MAX_NUMBERS:,} numbers: no spec argument takes so many (a kernel, a "
                     f"stride or a padding has one per spatial axis)", _mark_location(source_name, event))


def _too_many_nodes(max_nodes: int, source_name: str, event) -> SpecError:
    return SpecError(f"the YAML expands to more than {max_nodes:,} nodes (anchors and aliases count in full "
                     f"each time they are used); raise the limit with --max-yaml-nodes",
                     _mark_location(source_name, event))


def _too_deep(max_depth: int, source_name: str, event) -> SpecError:
    return SpecError(f"the YAML is nested more than {max_depth} levels deep", _mark_location(source_name, event))


def _mark_location(source_name: str, event) -> Location:
    mark = event.start_mark
    return Location(source_name, mark.line + 1, mark.column + 1)


def _shape(source_name: str, max_layers: int | None) -> _SpecShape | None:
    return None if max_layers is None else _SpecShape(source_name, max_layers)


def load(text: str | bytes, source_name: str = "<spec>", max_bytes: int = MAX_SPEC_BYTES,
         max_nodes: int = MAX_NODES, max_depth: int = MAX_DEPTH, max_layers: int | None = None):
    """Parse one YAML document. Raises SpecError (with file:line:column) for anything unreadable. With
    ``max_layers`` the document is a spec, and its outline is checked while it streams (``_SpecShape``)."""
    return load_document(text, source_name, max_bytes, max_nodes, max_depth, max_layers)[0]


def load_document(text: str | bytes, source_name: str = "<spec>", max_bytes: int = MAX_SPEC_BYTES,
                  max_nodes: int = MAX_NODES, max_depth: int = MAX_DEPTH, max_layers: int | None = None):
    """(:func:`load`'s value, whether a '$' may appear in its text): False only when no text holds one, so
    that nothing in the document needs substituting."""
    if len(text) > max_bytes:
        raise SpecError(too_big_message(len(text), max_bytes), Location(source_name))
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as err:
            raise SpecError(f"the spec is not UTF-8 text (byte {err.start} is 0x{text[err.start]:02x})",
                            Location(source_name)) from None
    loader = _Loader(text)
    loader.source_name = source_name
    try:
        try:
            return _read(loader, text, source_name, max_nodes, max_depth, _shape(source_name, max_layers))
        except _Fallback:
            _check_events(text, source_name, max_nodes, max_depth, _shape(source_name, max_layers))
            return loader.get_single_data(), True
    except SpecError:
        raise
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        loc = Location(source_name, mark.line + 1, mark.column + 1) if mark else Location(source_name)
        what = err.problem or "invalid YAML"
        if err.context:
            what = f"{err.context}: {what}"
        raise SpecError(f"YAML error: {what}{_yaml_hint(err, text)}", loc) from None
    except yaml.reader.ReaderError:
        raise _unacceptable_character(text, source_name) from None
    except yaml.YAMLError as err:
        raise SpecError(f"YAML error: {err}", Location(source_name)) from None
    except RecursionError:
        raise SpecError("the YAML is nested too deeply", Location(source_name)) from None
    finally:
        loader.dispose()


# what YAML's reader refuses (PyYAML's Reader.NON_PRINTABLE), and its line breaks; compiled on the error
# path only (the character class takes milliseconds to compile, a cost at every start-up otherwise)
_UNACCEPTABLE = "[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010FFFF]"
_LINE_BREAK = "\r\n|[\r\n\x85\u2028\u2029]"


def _yaml_hint(err: yaml.MarkedYAMLError, text: str) -> str:
    """The usual cause of a YAML error in words: a tab, an unclosed bracket, a line indented unlike its
    neighbours."""
    problem, context = err.problem or "", err.context or ""
    mark, opened = err.problem_mark, err.context_mark
    if mark is not None and 0 <= mark.index < len(text) and text[mark.index] == "\t":
        return " (a tab character: YAML indents with spaces only)"
    if context.startswith("while parsing a flow") and opened is not None:
        bracket = "{" if "mapping" in context else "["
        return (f" (the '{bracket}' opened at line {opened.line + 1}, column {opened.column + 1} is not closed, "
                f"or a ',' is missing between its items)")
    if context.startswith("while parsing a block") and opened is not None:
        return (f" (this line is indented unlike the lines of the block that starts at line {opened.line + 1}, "
                f"column {opened.column + 1}: indent each item of a list or mapping by the same spaces)")
    if context.startswith("while scanning a quoted scalar") and opened is not None:
        return f" (the quote opened at line {opened.line + 1}, column {opened.column + 1} is not closed)"
    return ""


def _unacceptable_character(text: str, source_name: str) -> SpecError:
    """The reader's error, located: PyYAML gives a character offset, libyaml a byte offset, neither a line."""
    found = re.search(_UNACCEPTABLE, text)
    if found is None:                          # not expected: the reader refuses only these characters
        return SpecError("YAML error: the text holds a character YAML does not allow", Location(source_name))
    start = found.start()
    line, line_start = 1, 0
    for brk in re.compile(_LINE_BREAK).finditer(text, 0, start):
        line, line_start = line + 1, brk.end()
    char = found.group()
    return SpecError(f"the character U+{ord(char):04X} is not allowed in YAML text (control characters can be "
                     f"written only as escapes such as \\x1b inside double quotes)",
                     Location(source_name, line, start - line_start + 1))


def too_big_message(size: int, max_bytes: int) -> str:
    return f"the spec is {size:,} bytes; the limit is {max_bytes:,} (raise it with --max-spec-bytes)"


def read_file(path: str, max_bytes: int = MAX_SPEC_BYTES) -> bytes:
    """The bytes of a spec file; a file bigger than ``max_bytes`` is refused before it is read."""
    source = Location(path)
    try:
        if os.path.isdir(path):
            raise SpecError("is a directory, not a spec file", source)
        size = os.stat(path).st_size
        if size > max_bytes:                   # refused before reading
            raise SpecError(too_big_message(size, max_bytes), source)
        with open(path, "rb") as handle:
            return handle.read(max_bytes + 1)   # a file that grew since stat() is still bounded
    except FileNotFoundError:
        raise SpecError("no such file", source) from None
    except OSError as err:
        raise SpecError(f"cannot read the file: {err.strerror or err}", source) from None
    except ValueError as err:                  # a path with a NUL byte
        raise SpecError(f"cannot read the file: {err}", source) from None


# ----------------------------------------------------------------------------- is this YAML a spec?

# a top-level 'layers' (or 'extends') key written on a line of its own, for text that is not YAML at all
_LAYERS_LINE = rb"""^(?:layers|"layers"|'layers'|extends|"extends"|'extends')[ \t]*:"""


def is_spec(path: str, max_bytes: int = MAX_SPEC_BYTES) -> bool:
    """Whether a file (given to `check --skip-non-specs`) is meant as a cnncalc spec: one of its YAML documents
    is a mapping with a top-level 'layers' key (or 'extends': its layers are another spec's). Anything else
    is not: a mapping without either, several
    documents (Kubernetes manifests), application tags (CloudFormation's !Ref), text that is not YAML
    (templates). A file that has 'layers' is a spec, so a broken spec is still an error.

    Only YAML parse events are read (no tags resolved, no aliases expanded, nothing built), stopping at the
    first top-level 'layers' or 'extends' key. Where the events cannot be read (not YAML, not UTF-8), a line
    starting with 'layers:' or 'extends:' decides. A file that cannot be read, or is bigger than ``max_bytes``, counts as a spec, so
    that reading it reports why."""
    try:
        if os.path.isdir(path) or os.stat(path).st_size > max_bytes:
            return True
        with open(path, "rb") as handle:
            data = handle.read()
    except (OSError, ValueError):
        return True
    try:
        return _has_top_level_layers(data.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError, RecursionError):
        return re.search(_LAYERS_LINE, data, re.M) is not None


_SPEC_KEYS = ("layers", "extends")        # a spec has its layers, or takes them from the spec it extends


def _has_top_level_layers(text: str) -> bool:
    """Whether a document of the YAML stream is a mapping with the key 'layers' or 'extends'. Raises
    yaml.YAMLError where the text is not YAML, unless the key comes before the error."""
    parser = _Base(text)
    depth = 0               # open collections in the current document
    root_mapping = False    # whether the current document's root is a mapping
    items = 0               # nodes completed directly inside the root mapping: keys at even counts
    try:
        while True:
            event = parser.get_event()
            kind = type(event)
            if kind is yaml.StreamEndEvent:
                return False
            if kind is yaml.DocumentStartEvent:
                depth, root_mapping, items = 0, False, 0
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                if depth == 0:
                    root_mapping = kind is yaml.MappingStartEvent
                depth += 1
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                depth -= 1
                if depth == 1:
                    items += 1
            elif kind is yaml.ScalarEvent or kind is yaml.AliasEvent:
                if depth == 1 and root_mapping:
                    if items % 2 == 0 and kind is yaml.ScalarEvent and event.value in _SPEC_KEYS:
                        return True
                    items += 1
    finally:
        parser.dispose()
