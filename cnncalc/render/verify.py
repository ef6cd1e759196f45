"""Output of `cnncalc verify`: the agreement table (render/grid.py), the versioned JSON document
(schema cnncalc.verify/2), the progress bar, and why a spec cannot be executed, in words (the reasons are
values: cnncalc.verifycost). Rich supplies the console and the bar."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from cnncalc.render import document, fmt
from cnncalc.render.terminal import console, console_styles
from cnncalc.render.text import shown
from cnncalc.render.grid import BOLD, GREEN, RED, RESET, YELLOW, Column, fit, layout, left_out_note
from cnncalc.verify import (AGREE, RF_AGREE, RF_MISMATCH, RF_UNKNOWN, UNVERIFIABLE, NodeCheck, Skip, VerifyResult,
                            axis_names)
from cnncalc.verifycost import (ELEMENT_COST, Cost, Hint, NoExecutor, NoSmallerInput, SmallestRefused, TooLarge,
                                TryInput, TrySmaller, Unexecutable, WeightsFixed)

SCHEMA = "cnncalc.verify/2"

RULE = ("receptive field: per spatial axis, the input positions that can change each output unit, found by "
        "executing the network on probes; every measured position lies in the analysed field, and each end "
        "of the field that lies inside the input is reached exactly (docs/verify.md)")


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


def _result(node: NodeCheck) -> tuple[str, str]:
    """The verdict of one layer and its colour."""
    if not node.shape_ok:
        return ("✗ shape", RED) if node.executed_shape is not None else ("not run", YELLOW)
    return {RF_AGREE: ("✓", GREEN), RF_MISMATCH: ("✗ field", RED)}.get(node.rf_status, ("✓ shape", GREEN))


# Numbers never fold (a number split over two lines misreads); names and types do.
COLUMNS = [Column("Layer", fold=True, min_width=12), Column("Type", fold=True, min_width=10),
           Column("Output", space=2), Column("Executed", space=2), Column("RF analysed", right=True, space=2),
           Column("RF measured", right=True, space=2), Column("Unit 0 sees", right=True, space=2),
           Column("Units", right=True, space=2), Column("Result", space=2)]


def table(result: VerifyResult, width: int, styled: bool = False) -> str:
    """The title and the per-layer agreement grid."""
    title = shown(f"verify {result.name}" + (f" ({result.source})" if result.source != "<spec>" else ""))
    rows = [(shown(node.name), shown(node.label), fmt.dims(node.analytic_shape),
             "-" if node.executed_shape is None else fmt.dims(node.executed_shape), fmt.rf_short(node.analytic_rf),
             _measured_rf(node), _unit0(node), str(node.rf_units) if node.rf_units else "-", _result(node))
            for node in result.nodes]
    heading = f"{BOLD}{title}{RESET}" if styled else title
    # a narrow terminal: the measured detail goes first (Units, Unit 0 sees, RF measured, Executed), then Type
    columns, rows, left_out = fit(COLUMNS, rows, width, droppable=(7, 6, 5, 3, 1))
    note = "\n" + left_out_note(left_out, width) + "\n" if left_out else ""
    return heading + "\n\n" + layout(columns, rows, width, styled=styled) + note


def print_result(result: VerifyResult, console: Console) -> None:
    if result.status == UNVERIFIABLE:
        return
    console.file.write(table(result, console.width, styled=console_styles(console)))
    console.print()
    for line in summary_lines(result):
        console.print(line, highlight=False)
    problems = [(node, text) for node in result.nodes for text in node.problems]
    if problems:
        console.print()
        for node, text in problems:
            console.print(f"[red]mismatch[/]: [bold]{escape(shown(node.name))}[/]: {escape(shown(text))}",
                          highlight=False)
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
    """The verifier's progress (cnncalc.verify.Progress) on standard error: a transient bar on a terminal;
    elsewhere (a CI log, a redirected file) a line every ``interval`` seconds, so that a long run is never
    silent: 'verify: 12/40 steps (30%), layer3.conv2, 10 s' (and a last line at 100%; a run shorter than
    the interval prints nothing)."""

    def __init__(self, stream=None, interval: float = 5.0):
        self.console = console(stderr=True, width=None) if stream is None else console(file=stream, width=None)
        self.terminal = self.console.is_terminal
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), console=self.console, transient=True, disable=not self.terminal)
        self.task: Any = None               # rich's TaskID once started
        self.interval = interval
        self.total = self.done = 0
        self.started = self.last = 0.0
        self.printed = False

    def __enter__(self):
        self.bar.__enter__()
        return self

    def __exit__(self, *exc):
        return self.bar.__exit__(*exc)

    def start(self, total: int) -> None:
        import time

        self.task = self.bar.add_task("verifying", total=total)
        self.total, self.started = total, time.monotonic()
        self.last = self.started

    def advance(self, description: str) -> None:
        self.bar.update(self.task, advance=1, description=description[:40])
        self.done += 1
        if self.terminal:
            return
        import time

        now = time.monotonic()
        # every interval, and the end of a run that printed a line before (a short run stays silent)
        if now - self.last >= self.interval or (self.done == self.total and self.printed):
            self.last = now
            share = self.done * 100 // self.total if self.total else 100
            self.console.file.write(shown(f"verify: {self.done}/{self.total} steps ({share}%), {description}, "
                                          f"{now - self.started:.0f} s") + "\n")
            self.console.file.flush()
            self.printed = True


def result_dict(result: VerifyResult) -> dict:
    return document.envelope(SCHEMA, {
        "name": result.name,
        "source": result.source,
        "input": list(result.input_shape),
        "seed": result.seed,
        "status": result.status,
        "probes": result.probes,
        "structural_runs": result.runs,
        "unexecutable": [{"layer": u.layer, "type": u.type, "reason": reason_text(u)} for u in result.unexecutable],
        "layers": [
            {
                "name": node.name,
                "type": node.type,
                "analysed_shape": list(node.analytic_shape),
                "executed_shape": None if node.executed_shape is None else list(node.executed_shape),
                "shape_agrees": node.shape_ok,
                "receptive_field": {
                    "status": node.rf_status,
                    "analysed": fmt.rf_json(node.analytic_rf),
                    "measured": {
                        "size": [m.size for m in node.measured],
                        "stride": [m.stride for m in node.measured],
                        "unit0_first": [m.first for m in node.measured],
                        "unit0_last": [m.last for m in node.measured],
                    },
                    "units_compared": node.rf_units,
                    "note": note_text(node),
                },
                "problems": list(node.problems),
            }
            for node in result.nodes
        ],
    })


def result_json(result: VerifyResult) -> str:
    return document.to_json(result_dict(result))


def patch_run_dict(run) -> dict:
    """A patch schedule executed (cnncalc.patchverify.PatchRun): whether the stitched output equals the whole
    run's, and the bytes held against the reported patch peak."""
    s = run.schedule
    return {"grid": list(s.grid), "cut": s.cut, "ok": run.ok, "equal": run.equal, "exact": run.exact,
            "max_difference": run.max_difference, "reported_peak_bytes": s.patch_peak_bytes,
            "measured_peak_bytes": run.measured_peak_bytes,
            "refused": [{"layer": layer, "reason": why} for layer, why in run.refused]}


def patch_run_lines(run) -> list[str]:
    """The patch run for people: its verdict on the stitched output and on the bytes held."""
    s = run.schedule
    grid = "×".join(map(str, s.grid))
    if run.refused:
        return [f"patches {grid}: not run ({shown(run.refused[0][0])}: {run.refused[0][1]})"]
    same = ("equals the whole run's bit for bit" if run.exact else
            f"equals the whole run's (largest difference {run.max_difference:.1e})" if run.equal else
            f"DIFFERS from the whole run's (largest difference {run.max_difference:.3g})")
    held = ("the reported patch peak" if run.measured_peak_bytes == s.patch_peak_bytes else
            f"NOT the reported patch peak {fmt.bytes_exact(s.patch_peak_bytes)}")
    return [f"patches {grid}, cut {shown(s.cut)}: the stitched output {same}",
            f"the patch run held at most {fmt.bytes_exact(run.measured_peak_bytes)}: {held}",
            "verify: the patch schedule agrees" if run.ok else "verify: the patch schedule disagrees"]


# ----------------------------------------------------------------------------- why it cannot run, in words

def _input(shape: tuple) -> str:
    return ",".join(map(str, shape))


def _too_large_text(u: Unexecutable, reason: TooLarge) -> str:
    if reason.cost is Cost.LAYER_WEIGHTS:
        return (f"layer '{u.layer}' ({u.type}) has {reason.found:,} weights, more than verify draws for one layer "
                f"({reason.allowed:,}, --max-layer-weights)")
    if reason.cost is Cost.TENSOR:
        what = "the input" if reason.at_input else f"layer '{u.layer}' ({u.type})"
        return (f"{what} has {reason.found:,} elements per example, more than verify holds for one tensor "
                f"({reason.allowed:,})")
    if reason.cost is Cost.TABLES:
        return (f"the receptive-field tables (input positions × output units per axis, over every layer) have "
                f"{reason.found:,} entries, more than verify keeps ({reason.allowed:,})")
    return (f"executing it takes {reason.examples:,} examples × ({reason.macs:,} MACs + {ELEMENT_COST} × "
            f"{reason.elements:,} elements) = {reason.found:,} operations, more than verify's limit "
            f"({reason.allowed:,}, --max-work)")


def note_text(node: NodeCheck) -> str:
    """Why a layer's receptive field was not compared, in words ('' when it was)."""
    stop = ("" if node.stopped is None else
            f"layer '{node.stopped.layer}' could not run after an earlier shape disagreement ({node.stopped.error})")
    if node.skipped is None:
        return ""
    if node.skipped is Skip.NOT_EXECUTED:
        return f"not executed: {stop}" if stop else "not executed"
    if node.skipped is Skip.STOPPED:
        return stop
    return _SKIPPED[node.skipped]


_SKIPPED = {Skip.SHAPES_DISAGREE: "the shapes disagree", Skip.NO_SPATIAL_AXES: "the input has no spatial axes",
            Skip.OTHER_AXES: "its axes do not line up with the input's",
            Skip.UNKNOWN_FIELD: "the analysis reports the field as unknown"}


def hint_text(hint: Hint) -> str:
    """What to try instead of a spec too large to execute."""
    if isinstance(hint, TryInput):
        return f"try --input {_input(hint.shape)}"
    if isinstance(hint, TrySmaller):
        return f"try a smaller --input than {_input(hint.shape)}"
    if isinstance(hint, WeightsFixed):
        return (f"no smaller --input helps: layer '{hint.layer}' has as many weights at the smallest input "
                f"the network accepts (an adaptive or global pool, or a dense layer, fixes its input "
                f"size); --max-layer-weights {hint.weights} would allow it")
    if isinstance(hint, NoSmallerInput):
        return "no smaller --input of the same proportions is accepted by the network"
    assert isinstance(hint, SmallestRefused)
    return (f"no --input of the same proportions fits: even the smallest the network accepts, "
            f"{_input(hint.shape)}, is refused")


def reason_text(u: Unexecutable) -> str:
    """Why a layer (or, with no layer named, the whole network) cannot be executed, and what to try."""
    reason = u.reason
    if isinstance(reason, NoExecutor):
        text = f"no executor for '{reason.type}' (layer '{u.layer}')"
    else:
        text = _too_large_text(u, reason)
    return text if u.hint is None else f"{text}; {hint_text(u.hint)}"
