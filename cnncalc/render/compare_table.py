"""The comparison tables for people, on the grid (render/grid.py): the totals of each spec, and the layers
aligned by name. The smallest value of each row is highlighted. Rich only supplies the console: its width
and colour support, and the wrapped lines after the table."""

from __future__ import annotations

from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.text import Text

from cnncalc.comparison import Change, LayerComparison, TotalComparison
from cnncalc.render import fmt
from cnncalc.render.compare import headlines, layer_note, legend, letters, metric_label
from cnncalc.render.grid import BOLD, DIM, GREEN, RED, YELLOW, Cell, Column, Line, fit, layout, least_width, left_out_note
from cnncalc.render.labels import CONVENTIONS
from cnncalc.render.terminal import console_styles
from cnncalc.render.text import shown

BEST = BOLD + GREEN


def _value(text: str, best: bool) -> Line:
    return (text, BEST) if best else text


def _change_style(c: Change | None) -> str:
    if c is None or c.delta == 0:
        return DIM
    return GREEN if c.delta < 0 else RED


def _short_change(c: Change) -> str:
    """'−42.9% ×0.571' under a value (the exact difference is in the JSON, Markdown and CSV reports)."""
    if c.delta == 0:
        return "="
    if c.ratio is None or c.relative is None:
        return "(from 0)"
    return f"{fmt.percent(c.relative)} {fmt.ratio(c.ratio)}"


def _title(console: Console, title: str) -> None:
    console.print(Text(title, style="bold"), highlight=False)
    console.print()


def _fits(text: str, width: int) -> bool:
    return all(cell_len(line) <= width for line in text.splitlines())


def _totals_grid(comparison: TotalComparison, heads: list[str], width: int, styled: bool) -> str:
    """One column per spec: the value, and under it the change against the first spec. Numbers never
    fold (a number split over two lines misreads); the row labels do."""
    columns = [Column("", fold=True, min_width=12)] + [Column(head, right=True, space=2) for head in heads]
    rows: list[tuple] = []
    for row in comparison.metrics:
        cells: list[Cell] = [metric_label(row.metric, comparison)]
        for i, (value, c) in enumerate(zip(row.values, row.changes)):
            cell = _value(fmt.amount(value, row.metric.kind), i in row.smallest)
            cells.append(cell if c is None else [cell, (_short_change(c), _change_style(c))])
        rows.append(tuple(cells))
    for label, values in (("Output shape", [fmt.shape(s) for s in comparison.output_shapes]),
                          ("Output receptive field (size/stride @start)",
                           [fmt.rf_short(rf) for rf in comparison.output_rfs])):
        rows.append((label, values[0], *([value, ("=", DIM) if value == values[0] else ("differs", YELLOW)]
                                         for value in values[1:])))
    return layout(columns, rows, width, styled=styled)


def print_comparison(comparison: TotalComparison, console: Console) -> None:
    names = [shown(n) for n in comparison.names]
    styled = console_styles(console)
    # the specs' names head their columns when they fit; else A, B, C ... and a line saying which is which
    short = len(names) <= 3 and all(len(n) <= 24 for n in names)
    grid = _totals_grid(comparison, list(names), console.width, styled) if short else ""
    if not short or not _fits(grid, console.width):
        short = False
        grid = _totals_grid(comparison, letters(names), console.width, styled)
    _title(console, "Compare: " + " vs ".join(names))
    console.file.write(grid)
    console.print()
    if not short:
        console.print("; ".join(f"{t} = {n}" for t, n in zip(letters(names), names)), highlight=False,
                      markup=False)
    for line in headlines(comparison):
        console.print(line, highlight=False, markup=False)
    console.print(f"\n[dim]Changes are against {escape(names[0])}: percent and ratio; the smallest value is "
                  f"highlighted.\n{CONVENTIONS['macs']}.\n{CONVENTIONS['flops']}.[/]", highlight=False)


def print_layers(lc: LayerComparison, console: Console) -> None:
    columns, rows, dim = _layer_grid(lc, fmt.count)
    if least_width(columns, rows) > console.width:      # a narrow terminal: counts as 25.6M, then fewer columns
        columns, rows, dim = _layer_grid(lc, fmt.human)
    tags = letters(lc.names)
    columns, rows, left_out = fit(columns, rows, console.width, droppable=range(len(tags), 0, -1))
    title = "Compare layer by layer" if lc.depth is None else f"Compare by name, {lc.depth} part(s) deep"
    _title(console, f"{title}: " + " vs ".join(shown(n) for n in lc.names))
    console.file.write(layout(columns, rows, console.width, frozenset(dim), styled=console_styles(console)))
    if left_out:
        console.file.write(left_out_note(left_out, console.width) + "\n")
    console.print()
    console.print(legend(lc), highlight=False, markup=False)
    console.print("[dim]— : no layer of that name in that spec; identical rows are dimmed; the smallest value is "
                  "highlighted.[/]", highlight=False)


def _layer_grid(lc: LayerComparison, count) -> tuple[list, list, set]:
    """The layer-by-layer grid: its columns, rows and the rows to dim; ``count`` writes the counts."""
    tags = letters(lc.names)
    totals = lc.totals
    # names and notes fold; shapes and counts never do
    columns = [Column("Layer", "total", fold=True, min_width=12)]
    columns += [Column(f"{tag} output", fmt.dims(totals.output_shapes[i]), space=2) for i, tag in enumerate(tags)]
    for key, head in (("params", "params"), ("macs", "MACs")):
        row = totals.metric(key)
        columns += [Column(f"{tag} {head}", _value(count(row.values[i]), i in row.smallest), right=True, space=2)
                    for i, tag in enumerate(tags)]
    columns.append(Column("", fold=True, min_width=len("differs"), space=2))
    rows, dim = [], set()
    for index, row in enumerate(lc.rows):
        cells: list[Cell] = [shown(row.name)]
        cells += ["—" if c is None else fmt.dims(c.output_shape) for c in row.cells]
        for field in ("params", "macs"):
            values = row.values(field)
            present = [v for v in values if v is not None]
            low = min(present) if len(set(present)) > 1 else None
            cells += [("—", DIM) if v is None else _value(count(v), v == low) for v in values]
        note = layer_note(row, tags)
        cells.append((note, YELLOW) if note else "")
        if not note:
            dim.add(index)
        rows.append(tuple(cells))
    return columns, rows, dim
