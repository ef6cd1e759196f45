"""A plain-text grid for tables of many rows: one pass, no per-cell layout engine.

Rich's Table measures, wraps and pads every cell through its layout engine (tens of microseconds a cell);
a ResNet-50 report has 1,400 cells, and that was most of `cnncalc analyze`'s run time. This grid lays out
columns of plain strings directly. Numbers are never cut: only the columns marked ``fold`` wrap (at a '.'
or a space where possible), and if the rows are still too wide, they are printed too wide.

A cell is a string, a (string, ANSI style) pair, or a list of those: lines stacked in one cell (compare
writes each value with its change under it). Headers and footers are cells too.
"""

from __future__ import annotations

from typing import Optional, Sequence, Union

from cnncalc.record import record

from rich.cells import cell_len, get_character_cell_size

BOLD, DIM, YELLOW, RESET = "\x1b[1m", "\x1b[2m", "\x1b[33m", "\x1b[0m"
RED, GREEN = "\x1b[31m", "\x1b[32m"

Line = Union[str, "tuple[str, str]"]
Cell = Union[Line, "list[Line]"]


@record
class Column:
    header: Cell
    footer: Cell = ""
    right: bool = False          # right-justify (numbers)
    fold: bool = False           # may wrap onto several lines
    min_width: int = 6
    space: int = 1               # blank cells before the column


BROKEN = "…"      # ends a piece of a word broken where it has no '.', '/' or space to break at


def _fold(text: str, width: int) -> list[str]:
    """Pieces of at most ``width`` cells, broken at a space, or after a '.' or '/' when one is in the second half
    of the piece; a word broken anywhere else (a name with no such break) ends its piece with BROKEN, in the
    piece's cells, so no name is cut without a mark (not below 2 cells, where the mark has no room). A
    combining mark stays with its letter.

    Linear in the text: every character is measured once (a piece never re-measures the rest)."""
    if cell_len(text) <= width:
        return [text]
    sizes = [1] * len(text) if text.isascii() else [get_character_cell_size(c) for c in text]
    pieces = []
    start, end = 0, len(text)
    while True:
        cut, used = start, 0
        while cut < end and used + sizes[cut] <= width:
            used += sizes[cut]
            cut += 1
        if cut == end:
            pieces.append(text[start:])
            return pieces
        if cut == start:                      # a character wider than the column still moves on
            cut, used = start + 1, sizes[start]
        soft = max(text.rfind(".", start, cut), text.rfind("/", start, cut), text.rfind(" ", start, cut))
        if text[cut].isspace():               # the piece ends where a word ends
            pieces.append(text[start:cut].rstrip())
        elif soft - start >= width // 2:
            cut = soft + 1
            pieces.append(text[start:cut].rstrip())
        elif width < 2:
            pieces.append(text[start:cut])
        else:                                 # mid-word: room for the mark, the letter with its accents
            whole = cut
            while cut - start > 1 and (used + 1 > width or sizes[cut] == 0):
                cut -= 1
                used -= sizes[cut]
            if text[start:cut].strip():
                pieces.append(text[start:cut] + BROKEN)
            else:                             # nothing but blanks before the mark: no word is broken here
                cut = whole
                pieces.append(text[start:cut])
        while cut < end and text[cut].isspace():
            cut += 1
        start = cut


def _width(cell: Cell) -> int:
    """Cells the widest line of ``cell`` takes."""
    if isinstance(cell, str):
        return cell_len(cell)
    if isinstance(cell, tuple):
        return cell_len(cell[0])
    return max((_width(line) for line in cell), default=0)


def _lines(cell: Cell) -> list[tuple[str, str]]:
    """The (text, style) lines of a cell."""
    if isinstance(cell, str):
        return [(cell, "")]
    if isinstance(cell, tuple):
        return [cell]
    return [(line, "") if isinstance(line, str) else line for line in cell]


def natural_widths(columns: list[Column], rows: list[tuple]) -> list[int]:
    """Each column's width with nothing folded: its widest cell, header or footer."""
    return [max([_width(c.header), _width(c.footer)] + [_width(row[i]) for row in rows]) for i, c in enumerate(columns)]


def least_width(columns: list[Column], rows: list[tuple], margin: int = 1,
                natural: Optional[list[int]] = None) -> int:
    """The fewest cells :func:`layout` can make the grid in: every foldable column at its least width
    (``natural``: the columns' natural_widths, when known already)."""
    natural = natural_widths(columns, rows) if natural is None else natural
    total = margin + sum(c.space for c in columns[1:])
    for width, column in zip(natural, columns):
        total += min(width, max(column.min_width, _width(column.header))) if column.fold else width
    return total


def fit(columns: list[Column], rows: list[tuple], width: int, droppable: Sequence[int],
        margin: int = 1) -> tuple[list[Column], list[tuple], list[str]]:
    """The columns and rows that fit ``width``: the columns at the indexes ``droppable`` left out, in that
    order, until the grid fits (or none is left to drop); and the headers of those left out, to say so."""
    keep = list(range(len(columns)))
    left_out: list[str] = []
    for index in droppable:
        if least_width([columns[i] for i in keep], [tuple(row[i] for i in keep) for row in rows], margin) <= width:
            break
        keep.remove(index)
        left_out.append(_lines(columns[index].header)[0][0])
    return [columns[i] for i in keep], [tuple(row[i] for i in keep) for row in rows], left_out


def left_out_note(left_out: Sequence[str], width: int, hint: str = "") -> str:
    """The lines that say which columns a narrow terminal left out (``hint``: how else to see them)."""
    import textwrap
    return "\n".join(textwrap.wrap(f"(left out to fit {width} columns: {', '.join(left_out)}; {hint}a wider "
                                    f"terminal or COLUMNS shows them)", max(width - 1, 40)))


def layout(columns: list[Column], rows: list[tuple], width: int, dim_rows=frozenset(), styled: bool = False,
           heading: bool = True, margin: int = 1, natural: Optional[list[int]] = None) -> str:
    """The grid as text: header, a rule, the rows, then a blank line and the footer when a column has one.

    A cell is a string, (string, ANSI style) to colour it when ``styled``, or a list of those stacked as
    lines. ``dim_rows``: row indexes to dim. ``heading=False`` leaves out the header and its rule;
    ``margin``: blank cells before the first column.
    """
    widths = list(natural_widths(columns, rows) if natural is None else natural)
    total = margin + sum(widths) + sum(c.space for c in columns[1:])
    excess = total - width
    for i in reversed(range(len(columns))):      # shrink the foldable columns, the last ones first
        column = columns[i]
        if excess <= 0:
            break
        if column.fold:
            cut = min(excess, widths[i] - max(column.min_width, _width(column.header)))
            if cut > 0:
                widths[i] -= cut
                excess -= cut

    def pad(text: str, code: str, i: int, style: str) -> str:
        space = " " * max(widths[i] - cell_len(text), 0)
        if code and styled and text:
            text = f"{code}{text}{RESET}{style}"      # the line's own style goes on after the cell's
        return space + text if columns[i].right else text + space

    def lines_of(cells, style: str = "") -> list[str]:
        parts = []
        for cell, column, room in zip(cells, columns, widths):
            lines = [(cell, "")] if isinstance(cell, str) else _lines(cell)
            if column.fold:
                lines = [(piece, code) for text, code in lines for piece in _fold(text, room)]
            parts.append(lines)
        height = max(len(p) for p in parts)
        out = []
        for line in range(height):
            text = " " * margin + "".join((" " * columns[i].space if i else "")
                                          + pad(*(p[line] if line < len(p) else ("", "")), i, style)
                                          for i, p in enumerate(parts))
            text = text.rstrip()
            out.append(f"{style}{text}{RESET}" if style and styled else text)
        return out

    total = margin + sum(widths) + sum(c.space for c in columns[1:])
    result = []
    if heading:
        result = lines_of([c.header for c in columns], BOLD)
        result.append(" " * margin + "─" * (total - margin))
    for index, row in enumerate(rows):
        result.extend(lines_of(row, DIM if index in dim_rows else ""))
    if any(c.footer for c in columns):
        result.append("")
        result.extend(lines_of([c.footer for c in columns], BOLD))
    return "\n".join(result) + "\n"
