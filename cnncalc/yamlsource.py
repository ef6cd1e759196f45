"""Read YAML with safe_load semantics, keeping the line and column of every mapping, key and value.

Mappings become :class:`LocDict` and sequences :class:`LocList`: plain dicts and lists that also remember
where they (and, for a mapping, each key's value) stood in the file. Only the standard YAML tags are
accepted; ``!!python/object`` and every other non-safe tag is refused, exactly as ``yaml.safe_load`` does.
"""

from __future__ import annotations

import yaml

from cnncalc.errors import Location, SpecError

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_SPEC_BYTES = 64 * 1024 * 1024


class LocDict(dict):
    """A dict that knows its own location and the location of each of its keys."""

    __slots__ = ("loc", "key_locs")

    def where(self, key) -> Location:
        return self.key_locs.get(key, self.loc)


class LocList(list):
    """A list that knows its own location and the location of each item."""

    __slots__ = ("loc", "item_locs")

    def where(self, index: int) -> Location:
        if 0 <= index < len(self.item_locs):
            return self.item_locs[index]
        return self.loc


class _Loader(_Base):
    pass


def _construct_map(loader: _Loader, node: yaml.MappingNode):
    data = LocDict()
    data.loc = _location(loader, node)
    data.key_locs = {}
    yield data
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise SpecError("a mapping key must be a plain value", _location(loader, key_node)) from None
        if key in data:
            raise SpecError(f"duplicate key '{key}'", _location(loader, key_node))
        data[key] = loader.construct_object(value_node, deep=True)
        data.key_locs[key] = _location(loader, key_node)


def _construct_seq(loader: _Loader, node: yaml.SequenceNode):
    data = LocList()
    data.loc = _location(loader, node)
    data.item_locs = [_location(loader, child) for child in node.value]
    yield data
    data.extend(loader.construct_object(child, deep=True) for child in node.value)


def _location(loader: _Loader, node) -> Location:
    mark = node.start_mark
    return Location(loader.source_name, mark.line + 1, mark.column + 1)


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


def load(text: str | bytes, source_name: str = "<spec>"):
    """Parse one YAML document. Raises SpecError (with file:line:column) for anything unreadable."""
    if isinstance(text, bytes):
        if len(text) > MAX_SPEC_BYTES:
            raise SpecError(f"the spec is {len(text):,} bytes; the limit is {MAX_SPEC_BYTES:,}",
                            Location(source_name))
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as err:
            raise SpecError(f"the spec is not UTF-8 text (byte {err.start} is 0x{text[err.start]:02x})",
                            Location(source_name)) from None
    loader = _Loader(text)
    loader.source_name = source_name
    try:
        return loader.get_single_data()
    except SpecError:
        raise
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        loc = Location(source_name, mark.line + 1, mark.column + 1) if mark else Location(source_name)
        what = err.problem or "invalid YAML"
        if err.context:
            what = f"{err.context}: {what}"
        raise SpecError(f"YAML error: {what}", loc) from None
    except yaml.YAMLError as err:
        raise SpecError(f"YAML error: {err}", Location(source_name)) from None
    except RecursionError:
        raise SpecError("the YAML is nested too deeply", Location(source_name)) from None
    finally:
        loader.dispose()
