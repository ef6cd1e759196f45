"""Rich output of `cnncalc verify`: the agreement table and the progress bar. Imports rich."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cnncalc.render import fmt
from cnncalc.verify import (AGREE, RF_AGREE, RF_MISMATCH, RF_UNKNOWN, UNVERIFIABLE, NodeCheck, VerifyResult,
                            axis_names)

RULE = ("receptive field: per spatial axis, the input positions that can change each output unit, found by "
        "executing the network on probes; every measured position lies in the analysed field, and each end "
        "of the field that lies inside the input is reached exactly (docs/verify.md)")


def _analysed_rf(node: NodeCheck) -> str:
    field = node.analytic_rf
    if not field:
        return "-"
    return (f"{fmt.per_axis(a.size for a in field)}/{fmt.per_axis(a.stride for a in field)} "
            f"@{fmt.per_axis(a.start for a in field)}")


def _axes(values) -> str:
    """One text per axis, '–' for None; written once when every axis agrees."""
    texts = ["–" if v is None else str(v) for v in values]
    if not texts:
        return "-"
    return texts[0] if len(set(texts)) == 1 else "×".join(texts)


def _measured_rf(node: NodeCheck) -> str:
    if not node.measured:
        return "-"
    return f"{_axes(m.size for m in node.measured)}/{_axes(m.stride for m in node.measured)}"


def _unit0(node: NodeCheck) -> str:
    if not node.measured:
        return "-"
    return _axes(None if m.first is None else f"{m.first}..{m.last}" for m in node.measured)


def _result(node: NodeCheck) -> str:
    if not node.shape_ok:
        return "[red]✗ shape[/]" if node.executed_shape is not None else "[yellow]not run[/]"
    return {RF_AGREE: "[green]✓[/]", RF_MISMATCH: "[red]✗ field[/]"}.get(node.rf_status, "[green]✓[/] shape")


def print_result(result: VerifyResult, console: Console) -> None:
    if result.status == UNVERIFIABLE:
        return
    title = f"verify {result.name}" + (f" ({result.source})" if result.source != "<spec>" else "")
    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1), collapse_padding=True,
                  title_justify="left")
    table.add_column("Layer", overflow="fold", ratio=1, min_width=12)
    table.add_column("Type", overflow="fold", max_width=14)
    table.add_column("Output", overflow="fold")
    table.add_column("Executed", overflow="fold")
    table.add_column("RF analysed", justify="right", overflow="fold")
    table.add_column("RF measured", justify="right", overflow="fold")
    table.add_column("Unit 0 sees", justify="right", overflow="fold")
    table.add_column("Units", justify="right")
    table.add_column("Result", no_wrap=True)
    for node in result.nodes:
        executed = "-" if node.executed_shape is None else fmt.dims(node.executed_shape)
        table.add_row(node.name, node.label, fmt.dims(node.analytic_shape), executed, _analysed_rf(node),
                      _measured_rf(node), _unit0(node), str(node.rf_units) if node.rf_units else "-", _result(node))
    console.print(table)
    for line in summary_lines(result):
        console.print(line, highlight=False)
    problems = [(node, text) for node in result.nodes for text in node.problems]
    if problems:
        console.print()
        for node, text in problems:
            console.print(f"[red]mismatch[/]: [bold]{node.name}[/]: {text}", highlight=False)
    console.print(f"\n[dim]RF analysed: size/stride @start per axis ({', '.join(axis_names(len(result.input_shape) - 1))}). "
                  f"RF measured: size/stride of the units whose analysed field lies wholly inside the input (– when "
                  f"none does). Unit 0 sees: the first..last input positions that can change output unit 0. Units: output "
                  f"units compared, counted along each axis.\n"
                  f"{RULE}.[/]", highlight=False)


def summary_lines(result: VerifyResult) -> list[str]:
    nodes = result.nodes
    shapes_ok = sum(node.shape_ok for node in nodes)
    compared = [node for node in nodes if node.rf_status in (RF_AGREE, RF_MISMATCH)]
    fields_ok = sum(node.rf_status == RF_AGREE for node in compared)
    units = sum(node.rf_units for node in compared)
    unknown = sum(node.rf_status == RF_UNKNOWN for node in nodes)
    lines = [f"Input {fmt.shape(result.input_shape)}, random weights (seed {result.seed}); "
             f"{result.probes} probes in {result.runs} structural run{'s' if result.runs != 1 else ''}",
             f"Output shapes agree: {shapes_ok}/{len(nodes)} layers",
             f"Receptive fields agree: {fields_ok}/{len(compared)} layers ({units:,} units along the axes)"]
    if unknown:
        lines.append(f"Receptive fields unknown in the analysis, not compared: {unknown} layers")
    verdict = ("[green]verify: the analysis agrees with the execution[/]" if result.status == AGREE
               else f"[red]verify: {len(result.mismatches)} layer(s) disagree[/]")
    return lines + [verdict]


class ProgressBar:
    """The verifier's progress (cnncalc.verify.Progress) as a transient bar on standard error; silent when
    standard error is not a terminal."""

    def __init__(self):
        self.console = Console(stderr=True)
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), console=self.console, transient=True,
                            disable=not self.console.is_terminal)
        self.task = None

    def __enter__(self):
        self.bar.__enter__()
        return self

    def __exit__(self, *exc):
        return self.bar.__exit__(*exc)

    def start(self, total: int) -> None:
        self.task = self.bar.add_task("verifying", total=total)

    def advance(self, description: str) -> None:
        self.bar.update(self.task, advance=1, description=description[:40])
