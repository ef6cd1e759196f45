"""The report for people: the per-layer grid (render/grid.py), the summary, warnings and labels, as plain
text (with ANSI styles on a colour terminal, render/terminal.py). Rich's console is not imported."""

from __future__ import annotations

import textwrap
from typing import Optional, Sequence

from rich.cells import cell_len

from cnncalc.analysis import Analysis
from cnncalc.metrics import Figures
from cnncalc.render.columns import Context, people_cells, select
from cnncalc.render.labels import CONVENTIONS
from cnncalc.render.grid import BOLD, DIM, RESET, YELLOW, Column, layout, least_width, left_out_note, natural_widths
from cnncalc.render.report import summary_items
from cnncalc.render.terminal import Terminal
from cnncalc.render.text import shown


def _grid(chosen, context: Context, short: bool) -> tuple[list, list[Column]]:
    rows, total = people_cells(chosen, context, shown, short=short)
    grid = [Column(column.title, total[i], right=column.right, fold=column.escaped,
                   min_width=12 if i == 0 else 10 if column.escaped else 6)
            for i, column in enumerate(chosen)]
    return rows, grid


def print_report(result: Analysis | Figures, terminal: Terminal, columns: Optional[Sequence[str]] = None,
                 quiet: bool = False) -> None:
    """The title, the per-layer grid of ``columns`` (names from render/columns.py; the table's defaults when
    None), the summary, warnings and conventions; ``quiet``: the title and the summary only. ``result`` a
    Analysis, or Figures: then with peak memory (and training memory, latency when computed) in the summary,
    and with a device the estimated time and bound of each layer as two more columns by default."""
    figures = result if isinstance(result, Figures) else None
    report = result.report if isinstance(result, Figures) else result
    title = shown(report.name + (f" ({report.source})" if report.source not in ("<spec>",) else ""))
    context = Context(result)
    chosen = select(columns, "table", context)
    roofline = figures.roofline if figures is not None else None
    dim = frozenset(i for i, row in enumerate(report.rows) if row.is_network_input)
    styled = terminal.styled

    def style(text: str, code: str) -> str:
        return f"{code}{text}{RESET}" if styled else text

    out = [style(title, BOLD), ""]
    left_out: list[str] = []
    if not quiet:
        rows, grid = _grid(chosen, context, short=False)
        natural = natural_widths(grid, rows)                 # measured once: every cell of a big table
        if least_width(grid, rows, natural=natural) > terminal.width:   # too wide: 4.09G, then fewer columns
            rows, grid = _grid(chosen, context, short=True)
            natural = natural_widths(grid, rows)
            while least_width(grid, rows, natural=natural) > terminal.width and len(grid) > 2:
                left_out.insert(0, chosen[len(grid) - 1].name)
                grid.pop()
                natural.pop()
                rows = [row[:len(grid)] for row in rows]
        out.append(layout(grid, rows, terminal.width, dim, styled=styled, natural=natural))
        if left_out:
            out += [left_out_note(left_out, terminal.width, "--columns chooses, "), ""]
    items = summary_items(report, figures)
    width = max(cell_len(label) for label, _ in items)
    room = terminal.width - 1 - width - 2
    for label, value in items:               # a value too long for the terminal wraps under itself, or under
        if cell_len(value) <= room:          # its label where the labels leave it too little room
            out.append(style(label + " " * (width - cell_len(label)), BOLD) + "  " + value)
        elif room >= 30:
            pieces = textwrap.wrap(value, room, break_on_hyphens=False)
            out.append(style(label + " " * (width - cell_len(label)), BOLD) + "  " + pieces[0])
            out += [" " * (width + 2) + piece for piece in pieces[1:]]
        else:
            out.append(style(label, BOLD))
            out += textwrap.wrap(value, max(terminal.width - 1, 20), initial_indent="    ",
                                 subsequent_indent="    ", break_on_hyphens=False)
    if quiet:
        terminal.file.write("\n".join(out) + "\n")
        return
    if report.warnings:
        out.append("")
        for w in report.warnings:
            layer = shown(w.layer)
            lines = textwrap.wrap(f"warning: {layer}: {shown(w.message)}", max(terminal.width - 1, 40),
                                  subsequent_indent="  ", break_on_hyphens=False)
            head = lines[0][len("warning: "):]
            lines[0] = style("warning", YELLOW) + ": " + (style(layer, BOLD) + head[len(layer):]
                                                         if head.startswith(layer) else head)
            out += lines
    out.append("")
    keys = ["macs", "flops", "receptive_field", "activation_memory"]
    if figures is not None:
        keys += ["peak_memory"] + (["ram", "flash"] if figures.settings.runtime is not None else []) + \
            (["training_memory"] if figures.training is not None else []) + \
                (["latency"] if roofline is not None else [])
    for key in keys:
        out += [style(line, DIM) for line in textwrap.wrap(CONVENTIONS[key] + ".", max(terminal.width - 1, 40))]
    terminal.file.write("\n".join(out) + "\n")
