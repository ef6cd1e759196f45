"""Rich tables for people. The only module that imports rich for reports."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table

from cnncalc.analysis import Report, bytes_for, DTYPE_BITS
from cnncalc.render import fmt
from cnncalc.render.labels import CONVENTIONS
from cnncalc.render.plain import rf_cell, summary_items


def console() -> Console:
    """A console as wide as the terminal; 100 columns when the output is not a terminal."""
    import shutil
    return Console(highlight=False, width=shutil.get_terminal_size((100, 24)).columns)


def print_report(report: Report, console: Console) -> None:
    title = report.name + (f" ({report.source})" if report.source not in ("<spec>",) else "")
    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1), collapse_padding=True,
                  show_footer=True, title_justify="left")
    t = report.totals
    bits = DTYPE_BITS[report.memory.dtype]
    # Numbers fold rather than crop: a cell may wrap but never loses a digit.
    table.add_column("Layer", "total", overflow="fold", ratio=1, min_width=12)
    table.add_column("Type", overflow="fold", max_width=14)
    table.add_column("Output", fmt.dims(report.output_shape), overflow="fold")
    table.add_column("Params", fmt.count(t.params), justify="right", overflow="fold")
    table.add_column("MACs", fmt.count(t.macs), justify="right", overflow="fold")
    table.add_column("FLOPs", fmt.count(t.flops), justify="right", overflow="fold")
    table.add_column("RF/jump", rf_cell(report.output_rf), justify="right", overflow="fold")
    table.add_column("Act mem", fmt.nbytes(report.memory.activation_bytes), justify="right", no_wrap=True)
    for row in report.rows:
        table.add_row(row.name, row.label, fmt.dims(row.output_shape), fmt.count(row.params),
                      fmt.count(row.macs), fmt.count(row.flops), rf_cell(row.rf),
                      fmt.nbytes(bytes_for(row.activation_elements * report.memory.batch, bits)),
                      style="dim" if row.type == "input" else None)
    console.print(table)

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
