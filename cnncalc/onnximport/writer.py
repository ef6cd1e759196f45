"""An imported spec document → YAML text a person can read: the top-level keys in the spec's order, one
line per layer entry (``- {name: layer1.0.conv1, conv: {out: 64, kernel: 3, padding: 1, bias: false}}``)."""

from __future__ import annotations

import yaml


def _flow(value) -> str:
    """One value on one line (a scalar as the only item of a list, so that no document end marker follows)."""
    text = yaml.safe_dump([value], default_flow_style=True, sort_keys=False, width=1 << 20, allow_unicode=True)
    return text.strip()[1:-1]


def dump(document: dict) -> str:
    lines = [f"name: {_flow(document['name'])}"]
    if document.get("description"):
        lines.append(f"description: {_flow(document['description'])}")
    lines.append(f"input: {_flow(document['input'])}")
    lines.append("layers:")
    lines += [f"  - {_flow(entry)}" for entry in document["layers"]]
    return "\n".join(lines) + "\n"
