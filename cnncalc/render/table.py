"""The report for people: the per-layer grid (render/grid.py), then rich for the summary and warnings."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from cnncalc.analysis import Report, bytes_for, DTYPE_BITS
from cnncalc.render import fmt
from cnncalc.render.labels import CONVENTIONS
from cnncalc.render.grid import Column, layout
from cnncalc.render.plain import rf_cell, summary_items


def console() -> Console:
    """A console as wide as the terminal; 100 columns when the output is not a terminal."""
    import shutil
    return Console(highlight=False, width=shutil.get_terminal_size((100, 24)).columns)


def print_report(report: Report, console: Console) -> None:
    title = report.name + (f" ({report.source})" if report.source not in ("<spec>",) else "")
    t = report.totals
    bits = DTYPE_BITS[report.memory.dtype]
    columns = [
        Column("Layer", "total", fold=True, min_width=12),
        Column("Type", fold=True, min_width=10),
        Column("Output", fmt.dims(report.output_shape)),
        Column("Params", fmt.count(t.params), right=True),
        Column("MACs", fmt.count(t.macs), right=True),
        Column("FLOPs", fmt.count(t.flops), right=True),
        Column("RF/jump", rf_cell(report.output_rf), right=True, space=2),
        Column("Act mem", fmt.nbytes(report.memory.activation_bytes), right=True, space=2),
    ]
    rows = [(row.name, row.label, fmt.dims(row.output_shape), fmt.count(row.params), fmt.count(row.macs),
             fmt.count(row.flops), rf_cell(row.rf),
             fmt.nbytes(bytes_for(row.activation_elements * report.memory.batch, bits)))
            for row in report.rows]
    dim = frozenset(i for i, row in enumerate(report.rows) if row.type == "input")
    console.print(title, style="bold", highlight=False, markup=False)
    console.file.write("\n" + layout(columns, rows, console.width, dim, styled=console.color_system is not None)
                       + "\n")

    summary = Table(box=None, show_header=False, padding=(0, 1), pad_edge=False)
    summary.add_column(style="bold")
    summary.add_column()
    for label, value in summary_items(report):
        summary.add_row(label, value)
    console.print(summary)
    if report.warnings:
        console.print()
        for w in report.warnings:
            console.print(f"[yellow]warning[/]: [bold]{w.layer}[/]: {w.message}", highlight=False)
    console.print(f"\n[dim]{CONVENTIONS['macs']}.\n{CONVENTIONS['flops']}.\n{CONVENTIONS['receptive_field']}."
                  f"\n{CONVENTIONS['activation_memory']}.[/]", highlight=False)
