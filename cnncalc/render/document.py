"""Documents: the versioned JSON envelope, CSV and Markdown tables, written one way for every command.

json and csv are imported only when a document of that kind is written (start-up time of the table path).
"""

from __future__ import annotations

from typing import Iterable, Iterator, Sequence

from cnncalc import __version__


def envelope(schema: str, body: dict) -> dict:
    """A JSON document: its schema ('cnncalc.report/3') and the cnncalc version first, then the body."""
    return {"schema": schema, "cnncalc_version": __version__, **body}


class Lines:
    """A top-level list of objects given as an iterable: :func:`json_chunks` writes its items as they come,
    one line each, so a 100,000-layer report never holds its layer objects (or their text) all at once.
    ``encoded``: the items are already each object's compact JSON text (``", "`` and ``": "`` separators)."""

    __slots__ = ("items", "encoded")

    def __init__(self, items: Iterable, encoded: bool = False):
        self.items, self.encoded = items, encoded


CHUNK = 1000      # lines of a streamed list written in one piece


def to_json(data: dict) -> str:
    """Indented JSON, except that each item of a top-level list of objects (the layers) takes one line.

    A 100,000-layer report stays readable that way, and it is written by json's C encoder: ``indent=``
    makes json fall back to its pure-Python encoder, ten times slower."""
    return "".join(json_chunks(data))


def json_chunks(data: dict) -> Iterator[str]:
    """:func:`to_json`'s text in pieces; a top-level :class:`Lines` value is encoded as it is iterated."""
    import json

    if not isinstance(data, dict) or not data:
        yield json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        return
    compact = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
    opening = "{\n"
    for key, value in data.items():
        head = f"{opening}  {compact(key)}: "
        opening = ",\n"
        if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
            value = Lines(value)
        if isinstance(value, Lines):
            batch: list[str] = []
            encode = _as_is if value.encoded else compact
            for item in value.items:
                batch.append(f"    {encode(item)}")
                if len(batch) == CHUNK:
                    yield head + ("[\n" if head else ",\n") + ",\n".join(batch)
                    head, batch = "", []
            if batch:
                yield head + ("[\n" if head else ",\n") + ",\n".join(batch)
            elif head:                           # an empty list
                yield head + "[]"
                continue
            yield "\n  ]"
        else:
            yield head + json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n  ")
    yield "\n}\n"


def _as_is(text: str) -> str:
    return text


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
