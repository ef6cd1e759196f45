"""Rich tables of a comparison, for people. The smallest value of each row is highlighted."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from cnncalc.compare import Comparison, LayerComparison
from cnncalc.render import fmt
from cnncalc.render.compare import headlines, layer_note, legend, letters, metric_label
from cnncalc.render.labels import CONVENTIONS

BEST = "bold green"


def _value(text: str, best: bool) -> Text:
    return Text(text, style=BEST if best else "")


def _change_style(c) -> str:
    if c is None or c.delta == 0:
        return "dim"
    return "green" if c.delta < 0 else "red"


def _short_change(c) -> str:
    """'−42.9% ×0.571' under a value (the exact difference is in the JSON, Markdown and CSV reports)."""
    if c.delta == 0:
        return "="
    if c.ratio is None:
        return "(from 0)"
    return f"{fmt.percent(c.relative)} {fmt.ratio(c.ratio)}"


def print_comparison(comparison: Comparison, console: Console) -> None:
    names = comparison.names
    short = len(names) <= 3 and all(len(n) <= 24 for n in names)
    heads = list(names) if short else letters(names)
    table = Table(title="Compare: " + " vs ".join(names), box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1),
                  collapse_padding=True, title_justify="left")
    table.add_column("")
    # One column per spec: the value, and under it the change against the first spec. Values never wrap
    # (a number split over two lines misreads); a change wraps at its spaces if it must.
    for head in heads:
        table.add_column(head, justify="right", no_wrap=True)
    for row in comparison.metrics:
        cells = [metric_label(row.metric, comparison)]
        for i, (value, c) in enumerate(zip(row.values, row.changes)):
            cell = _value(fmt.amount(value, row.metric.kind), i in row.smallest)
            if c is not None:
                cell.append("\n" + _short_change(c), style=_change_style(c))
            cells.append(cell)
        table.add_row(*cells)
    for label, values in (("Output shape", [fmt.shape(s) for s in comparison.output_shapes]),
                          ("Output receptive field (size/stride @start)",
                           [fmt.rf_short(rf) for rf in comparison.output_rfs])):
        cells = [label, values[0]]
        for value in values[1:]:
            cells.append(Text(value).append("\n" + ("=" if value == values[0] else "differs"),
                                            style="dim" if value == values[0] else "yellow"))
        table.add_row(*cells)
    console.print(table)
    if not short:
        console.print("; ".join(f"{t} = {n}" for t, n in zip(heads, names)), highlight=False)
    for line in headlines(comparison):
        console.print(line, highlight=False)
    console.print(f"\n[dim]Changes are against {names[0]}: percent and ratio; the smallest value is "
                  f"highlighted.\n{CONVENTIONS['macs']}.\n{CONVENTIONS['flops']}.[/]", highlight=False)


def print_layers(lc: LayerComparison, console: Console) -> None:
    names, tags = lc.names, letters(lc.names)
    title = "Compare layer by layer" if lc.depth is None else f"Compare by name, {lc.depth} part(s) deep"
    table = Table(title=f"{title}: " + " vs ".join(names), box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1),
                  collapse_padding=True, title_justify="left", show_footer=True)
    table.add_column("Layer", "total", overflow="fold", ratio=1, min_width=12)
    totals = lc.totals
    for i, tag in enumerate(tags):
        table.add_column(f"{tag} output", fmt.dims(totals.output_shapes[i]), overflow="fold")
    for key, head in (("params", "params"), ("macs", "MACs")):
        row = totals.metric(key)
        for i, tag in enumerate(tags):
            table.add_column(f"{tag} {head}", _value(fmt.count(row.values[i]), i in row.smallest),
                             justify="right", no_wrap=True)
    table.add_column("", overflow="fold")
    for row in lc.rows:
        cells = [row.name] + ["—" if c is None else fmt.dims(c.output_shape) for c in row.cells]
        for field in ("params", "macs"):
            values = row.values(field)
            present = [v for v in values if v is not None]
            low = min(present) if len(set(present)) > 1 else None
            cells += [Text("—", style="dim") if v is None else _value(fmt.count(v), v == low) for v in values]
        note = layer_note(row, tags)
        cells.append(Text(note, style="yellow" if note else ""))
        table.add_row(*cells, style=None if note else "dim")
    console.print(table)
    console.print(legend(lc), highlight=False)
    console.print("[dim]— : no layer of that name in that spec; identical rows are dimmed; the smallest value is "
                  "highlighted.[/]", highlight=False)
