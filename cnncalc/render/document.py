"""Documents: the versioned JSON envelope, CSV and Markdown tables, written one way for every command.

json and csv are imported only when a document of that kind is written (start-up time of the table path).
"""

from __future__ import annotations

from typing import Iterable, Sequence

from cnncalc import __version__


def envelope(schema: str, body: dict) -> dict:
    """A JSON document: its schema ('cnncalc.report/2') and the cnncalc version first, then the body."""
    return {"schema": schema, "cnncalc_version": __version__, **body}


def to_json(data: dict) -> str:
    """Indented JSON, except that each item of a top-level list of objects (the layers) takes one line.

    A 100,000-layer report stays readable that way, and it is written by json's C encoder: ``indent=``
    makes json fall back to its pure-Python encoder, ten times slower."""
    import json

    if not isinstance(data, dict) or not data:
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    compact = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
    members = []
    for key, value in data.items():
        if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
            body = "[\n" + ",\n".join(f"    {compact(item)}" for item in value) + "\n  ]"
        else:
            body = json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n  ")
        members.append(f"  {compact(key)}: {body}")
    return "{\n" + ",\n".join(members) + "\n}\n"


def csv_text(header: Sequence, rows: Iterable[Sequence]) -> str:
    """CSV with a header row, '\\n' line ends."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def md_row(cells: Iterable[str]) -> str:
    """'| a | b |'; an empty cell is '| |'."""
    return "|" + "|".join(f" {cell} " if cell else " " for cell in cells) + "|"


def md_table(header: Sequence[str], align: str, rows: Iterable[Sequence[str]]) -> list[str]:
    """The lines of a Markdown table; ``align`` has one letter per column, 'l' (left) or 'r' (right)."""
    rule = "|" + "".join("--:|" if a == "r" else "---|" for a in align)
    return [md_row(header), rule] + [md_row(row) for row in rows]


def bold(text: str, on: bool = True) -> str:
    """Markdown bold, when ``on``."""
    return f"**{text}**" if on else text
