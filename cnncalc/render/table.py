"""The report for people: the per-layer grid (render/grid.py), the summary, warnings and labels, as plain
text (with ANSI styles on a colour terminal, render/terminal.py). Rich's console is not imported."""

from __future__ import annotations

import textwrap

from rich.cells import cell_len

from cnncalc.analysis import Analysis, bytes_for, DTYPE_BITS
from cnncalc.metrics import Figures
from cnncalc.render import fmt
from cnncalc.render.labels import CONVENTIONS
from cnncalc.render.grid import BOLD, DIM, RESET, YELLOW, Column, layout
from cnncalc.render.report import summary_items
from cnncalc.render.terminal import Terminal
from cnncalc.render.text import shown


# the per-layer columns `--columns` chooses from, in their order; DEFAULT_COLUMNS when not given
COLUMN_NAMES = ("layer", "type", "output", "params", "params%", "macs", "macs%", "flops", "rf", "mem")
DEFAULT_COLUMNS = ("layer", "type", "output", "params", "macs", "flops", "rf", "mem")


def print_report(result: Analysis | Figures, terminal: Terminal, columns=DEFAULT_COLUMNS, quiet: bool = False) -> None:
    """The title, the per-layer grid of ``columns`` (names from COLUMN_NAMES), the summary, warnings and
    conventions; ``quiet``: the title and the summary only. ``result`` an Analysis, or Figures: then with peak
    memory (and training memory, latency when computed) in the summary, and with a device the estimated
    time and bound of each layer as two more columns."""
    figures = result if isinstance(result, Figures) else None
    report = result.report if isinstance(result, Figures) else result
    title = shown(report.name + (f" ({report.source})" if report.source not in ("<spec>",) else ""))
    t = report.totals
    bits = DTYPE_BITS[report.memory.dtype]
    every = {
        "layer": (Column("Layer", "total", fold=True, min_width=12), lambda row: shown(row.name)),
        "type": (Column("Type", fold=True, min_width=10), lambda row: shown(row.label)),
        "output": (Column("Output", fmt.dims(report.output_shape)), lambda row: fmt.dims(row.output_shape)),
        "params": (Column("Params", fmt.count(t.params), right=True), lambda row: fmt.count(row.params)),
        "params%": (Column("Params %", "100.0%", right=True), lambda row: fmt.share(row.params, t.params)),
        "macs": (Column("MACs", fmt.count(t.macs), right=True), lambda row: fmt.count(row.macs)),
        "macs%": (Column("MACs %", "100.0%", right=True), lambda row: fmt.share(row.macs, t.macs)),
        "flops": (Column("FLOPs", fmt.count(t.flops), right=True), lambda row: fmt.count(row.flops)),
        "rf": (Column("RF/jump", fmt.rf_cell(report.output_rf), right=True, space=2), lambda row: fmt.rf_cell(row.rf)),
        "mem": (Column("Act mem", fmt.nbytes(report.memory.activation_bytes), right=True, space=2),
                lambda row: fmt.nbytes(bytes_for(row.activation_elements * report.memory.batch, bits))),
    }
    chosen = [every[name] for name in columns]
    roofline = figures.roofline if figures is not None else None
    if roofline is not None:           # a folded row (--depth) is a block: its layers' times are not shown
        times = {layer.name: layer for layer in roofline.layers}
        chosen += [(Column("Est time", "≥ " + fmt.seconds(roofline.seconds), right=True, space=2),
                    lambda row: fmt.seconds(times[row.name].seconds) if row.name in times else "-"),
                   (Column("Bound", ""), lambda row: times[row.name].bound if row.name in times else "")]
    dim = frozenset(i for i, row in enumerate(report.rows) if row.is_network_input)
    styled = terminal.styled

    def style(text: str, code: str) -> str:
        return f"{code}{text}{RESET}" if styled else text

    out = [style(title, BOLD), ""]
    if not quiet:
        rows = [tuple(cell(row) for _, cell in chosen) for row in report.rows]
        out.append(layout([column for column, _ in chosen], rows, terminal.width, dim, styled=styled))
    items = summary_items(report, figures)
    width = max(cell_len(label) for label, _ in items)
    out += [style(label + " " * (width - cell_len(label)), BOLD) + "  " + value for label, value in items]
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
        keys += ["peak_memory"] + (["training_memory"] if figures.training is not None else []) + \
                (["latency"] if roofline is not None else [])
    for key in keys:
        out += [style(line, DIM) for line in textwrap.wrap(CONVENTIONS[key] + ".", max(terminal.width - 1, 40))]
    terminal.file.write("\n".join(out) + "\n")
