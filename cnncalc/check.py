"""Whether a YAML file is meant as a cnncalc spec (``check --skip-non-specs``). The budget check itself is
cnncalc.budget (engine and budget file)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from cnncalc.spec import Limits


# a top-level 'layers' key written on a line of its own, for text that is not YAML at all
_LAYERS_LINE = re.compile(rb"""^(?:layers|"layers"|'layers')[ \t]*:""", re.M)


def _is_spec(path: str, limits: Limits = Limits()) -> bool:
    """Whether a file given with --skip-non-specs is meant as a cnncalc spec: one of its YAML documents is a
    mapping with a top-level 'layers' key. Anything else is skipped: a mapping without 'layers', several
    documents (Kubernetes manifests), application tags (CloudFormation's !Ref), text that is not YAML
    (templates). A file that has 'layers' is checked, so a broken spec is still an error.

    Only YAML parse events are read (no tags resolved, no aliases expanded, nothing built), stopping at the
    first top-level 'layers' key. Where the events cannot be read (not YAML, not UTF-8, bigger than the
    spec size limit), a line starting with 'layers:' decides."""
    p = Path(path)
    try:
        if p.is_dir() or p.stat().st_size > limits.max_bytes:
            return True                         # let read_spec report it
        data = p.read_bytes()
    except (OSError, ValueError):
        return True                             # let read_spec report it
    try:
        return _has_top_level_layers(data.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError, RecursionError):
        return _LAYERS_LINE.search(data) is not None


def _has_top_level_layers(text: str) -> bool:
    """Whether a document of the YAML stream is a mapping with the key 'layers'. Raises yaml.YAMLError
    where the text is not YAML, unless the key comes before the error."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    parser = loader(text)
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
                    if items % 2 == 0 and kind is yaml.ScalarEvent and event.value == "layers":
                        return True
                    items += 1
    finally:
        parser.dispose()
