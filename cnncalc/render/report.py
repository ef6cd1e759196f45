"""An Analysis as documents: JSON (exact ints, schema cnncalc.report/3), CSV, Markdown and HTML, their per-layer
columns from render/columns.py, and the summary lines the table shares. No rich here."""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Callable, Iterator, Optional, Sequence

from cnncalc.analysis import Analysis
from cnncalc.metrics import Figures
from cnncalc.render import document, fmt
from cnncalc.render.columns import INTEGER_UNITS, NAMES, POSITIONS, SHAPE, TEXT, Column, Context, \
    as_is, people_cells, select
from cnncalc.render.labels import CONVENTIONS
from cnncalc.render.text import md_code, md_text, shown

SCHEMA = "cnncalc.report/3"


def _document(report: Analysis, layers) -> dict:
    t, m = report.totals, report.memory
    return document.envelope(SCHEMA, {
        "name": report.name,
        "description": report.description,
        "source": report.source,
        "input": list(report.input_shape),
        "output": list(report.output_shape),
        "totals": {
            "params": t.params,
            "trainable_params": t.trainable_params,
            "non_trainable_params": t.non_trainable_params,
            "state": t.state,
            "macs": t.macs,
            "flops": t.flops,
            "activation_elements": t.activation_elements,
        },
        "memory": {
            "dtype": m.dtype,
            "batch": m.batch,
            "param_bytes": m.param_bytes,
            "activation_bytes": m.activation_bytes,
            "input_bytes": m.input_bytes,
        },
        "receptive_field": fmt.rf_json(report.output_rf),
        "layers": layers,
        "warnings": [{"layer": w.layer, "message": w.message} for w in report.warnings],
        "conventions": CONVENTIONS,
    })


def _layer_dicts(context: Context, columns: Optional[Sequence[str]] = None) -> Callable[[Any], dict]:
    """row → its layer object in the JSON report: the ``columns`` (names; JSON's defaults when None), each
    column's JSON value (render/columns.py)."""
    plan = [(column.name, column.values(context), column.json) for column in select(columns, "json", context)]
    return lambda row: {name: json(get(row)) for name, get, json in plan}


def layer_dict(row, context: Context, columns: Optional[Sequence[str]] = None) -> dict:
    """One layer of the JSON report (the ``columns``; JSON's defaults when None)."""
    return _layer_dicts(context, columns)(row)


def _layer_lines(rows, context: Context, columns: Optional[Sequence[str]] = None) -> Iterator[str]:
    """Each row's layer object as compact JSON text, exactly ``compact(layer_dict(row, ...))``
    (tests/test_json_stream.py), written by a function made for the chosen columns (:func:`_encoder`): json's C
    encoder takes some 5 µs an object, most of a big report's JSON time. A row whose counts are not all plain
    ints (not expected) is encoded by json."""
    import json

    compact = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
    dicts = _layer_dicts(context, columns)
    encode = _encoder(select(columns, "json", context), context, compact)
    for row in rows:
        text = encode(row)
        yield compact(dicts(row)) if text is None else text


def _encoder(columns: Sequence[Column], context: Context, compact) -> Callable[[Any], Optional[str]]:
    """row → its layer object's compact JSON text, or None when a count is not a plain int or a name not a
    str. The function is written for the columns and compiled (as record.py compiles a hot class's
    __init__): counts, names and lists of names are written in place, every other value by :func:`_json_text`;
    a shape or receptive field passed on unchanged (the same tuple) is written once."""
    import json

    env: dict[str, Any] = {"_s": json.encoder.encode_basestring}     # a str as JSON, non-ASCII kept
    body, members, kept = [], [], []
    for i, column in enumerate(columns):
        if not column.name.isidentifier():
            raise ValueError(f"column name {column.name!r} is not an identifier")
        if column.attr.isidentifier():
            read = f"row.{column.attr}"
        else:
            env[f"_g{i}"], read = column.values(context), f"_g{i}(row)"
        body.append(f"        v{i} = {read}")
        if column.unit in INTEGER_UNITS and column.json is as_is:
            body.append(f"        if type(v{i}) is not int: return None")
            member = f"{{v{i}}}"
        elif column.unit == TEXT and column.json is as_is:
            body.append(f"        if type(v{i}) is not str: return None")
            member = f"{{_s(v{i})}}"
        elif column.unit == NAMES:
            body.append(f"        v{i} = ', '.join(map(_s, v{i}))")
            member = f"[{{v{i}}}]"
        else:
            env[f"_t{i}"] = _json_text(column, compact)
            if column.unit in (SHAPE, POSITIONS):
                kept.append(i)
                body.append(f"        if v{i} is not last{i}: last{i}, text{i} = v{i}, _t{i}(v{i})")
                member = f"{{text{i}}}"
            else:
                member = f"{{_t{i}(v{i})}}"
        members.append(f'"{column.name}": {member}')
    source = ("def make():\n"
              + "".join(f"    last{i}, text{i} = make, ''\n" for i in kept)
              + "    def encode(row):\n"
              + "".join(f"        nonlocal last{i}, text{i}\n" for i in kept)
              + "\n".join(body) + "\n        return f'{{" + ", ".join(members) + "}}'\n"
              + "    return encode\n")
    exec(compile(source, "<cnncalc.render.report._encoder>", "exec"), env)
    return env["make"]()


def _json_text(column: Column, compact) -> Callable[[Any], str]:
    """value → the compact JSON text of ``column.json(value)``; shapes and receptive fields of ints written
    without json."""
    import json

    text, convert = json.encoder.encode_basestring, column.json
    if column.unit == SHAPE:
        return lambda shape: ("[" + ", ".join(map(str, shape)) + "]" if all(type(n) is int for n in shape)
                              else compact(convert(shape)))
    if column.unit == POSITIONS:
        return lambda rf: _rf_text(rf) or compact(convert(rf))

    def written(value) -> str:
        value = convert(value)
        return text(value) if type(value) is str else "null" if value is None else compact(value)
    return written


def _rf_text(rf) -> str:
    """A field's JSON when every size, stride and start is an int (fmt.rf_json's text then: no denominator),
    else '' (json writes it)."""
    values = [v for a in rf for v in (a.size, a.stride, a.start)]
    if not all(type(v) is int for v in values):
        return ""
    return (f'{{"size": [{", ".join(str(a.size) for a in rf)}], "stride": [{", ".join(str(a.stride) for a in rf)}], '
            f'"start": [{", ".join(str(a.start) for a in rf)}]}}')


def _peak_dict(peak) -> dict:
    return {"bytes": peak.peak_bytes, "method": peak.method, "layer": peak.peak_layer,
            "alive": [{"tensor": name, "bytes": n} for name, n in peak.alive],
            "in_place": [{"layer": layer, "into": into} for layer, into in peak.in_place],
            "order": list(peak.order)}


def _patches_dict(s) -> dict:
    """Patch-based inference (cnncalc.patches.PatchSchedule): the grid, the cut, the peak and the MACs."""
    return {"grid": list(s.grid), "cut": s.cut, "cut_chosen": s.chosen, "peak_bytes": s.peak_bytes,
            "peak_layer": s.peak_layer, "patch_peak": {"bytes": s.patch_peak_bytes, "patch": list(s.patch_peak_at[0]),
                                                       "layer": s.patch_peak_at[1]},
            "rest_peak": {"bytes": s.rest_peak_bytes, "layer": s.rest_peak_layer},
            "one_layer": {"bytes": s.layer_bytes, "layer": s.layer_at},
            "whole_peak_bytes": s.whole_peak_bytes, "input_bytes": s.input_bytes, "cut_bytes": s.cut_bytes,
            "first_part": list(s.first_part), "first_part_macs": s.first_part_macs, "patched_macs": s.patched_macs,
            "extra_macs": s.extra_macs, "halo_macs": s.halo_macs, "skipped_macs": s.skipped_macs,
            "total_macs": s.total_macs, "input_streamed": s.input_streamed,
            "considered": [{"cut": cut, "peak_bytes": n, "extra_macs": extra} for cut, n, extra in s.considered]}


def _training_dict(t) -> dict:
    return {"batch": t.batch, "optimizer": t.optimizer, "precision": t.precision,
            "weight_bytes": t.weight_bytes, "gradient_bytes": t.gradient_bytes,
            "optimizer_bytes": t.optimizer_bytes, "activation_bytes": t.activation_bytes,
            "total_bytes": t.total_bytes,
            "layers": [{"name": layer.name, "saved_bytes": layer.bytes, "tensors": list(layer.tensors)}
                       for layer in t.layers]}


def _latency_dict(r, device, e=None) -> dict:
    """Intensities (FLOPs per byte) as ratios ('p/q' strings, fmt.exact); times in seconds as integers in
    units of 1/denominator (fmt.in_units), per object. ``estimate``: the estimate beside the bound in the
    same form (its layers with their kind and efficiency), or null when the device gives no efficiencies."""
    return {"device": r.device, "title": device.title, "source": device.source, "dtype": r.dtype,
            "arithmetic": r.arithmetic or r.dtype, "runtime": r.runtime,
            "batch": r.batch, "peak_ops_per_second": r.peak, "bandwidth_bytes_per_second": r.bandwidth,
            "ridge": fmt.exact(r.ridge), "flops": r.flops, "bytes": r.bytes, **fmt.in_units({"seconds": r.seconds}),
            "lower_bound": True,
            "layers": [{"name": t.name, "kind": t.kind, "flops": t.flops, "weight_bytes": t.weight_bytes,
                        "input_bytes": t.input_bytes, "output_bytes": t.output_bytes, "bytes": t.bytes,
                        "intensity": fmt.exact(t.intensity), "bound": t.bound, **fmt.in_units({"seconds": t.seconds})}
                       for t in r.layers],
            "estimate": None if e is None else _estimate_dict(e, device)}


def _estimate_dict(e, device) -> dict:
    from cnncalc.render.devices import efficiency_dict
    return {"device": e.device, "runtime": e.runtime, "dtype": e.dtype, "batch": e.batch,
            **fmt.in_units({"seconds": e.seconds}), "lower_bound": False,
            "overhead": fmt.in_units({"seconds": e.overhead}), "run": fmt.in_units({"seconds": e.run}),
            "efficiency": {kind: efficiency_dict(f) for kind, f in device.efficiency.items()},
            "cache_bytes": None if device.cache is None else device.cache.value,
            "main_memory_bytes_per_second": None if device.main_memory is None else device.main_memory.value,
            "layers": [{"name": t.name, "kind": t.kind, "efficiency": fmt.exact(t.efficiency),
                        **fmt.in_units({"seconds": t.seconds})} for t in e.layers]}


def _arena_dict(plan) -> dict:
    """The arena (cnncalc.planner.Plan): its planner, size, the liveness peak below it, the fragmentation, and
    every tensor's offset (bytes; a buffer shared in place, once, under its first tensor's name)."""
    return {"planner": plan.planner, "order": "spec", "arena_bytes": plan.arena_bytes, "peak_bytes": plan.peak_bytes,
            "fragmentation_bytes": plan.fragmentation_bytes,
            "offsets": [{"tensor": t.name, "offset": offset, "bytes": t.size}
                        for t, offset in zip(plan.tensors, plan.offsets)]}


def figures_dict(figures: Figures, layers=None, columns: Optional[Sequence[str]] = None) -> dict:
    """The report's JSON, with peak memory (spec order and minimising order), and training memory and the
    latency estimate when asked for (null otherwise). ``layers``: the layer objects, when not made here;
    ``columns``: the names of their columns (JSON's defaults when None)."""
    report = figures.report
    if layers is None:
        layers = list(map(_layer_dicts(Context(figures), columns), report.rows))
    out = _document(report, layers)
    m = figures.report.memory
    out["peak_memory"] = {"dtype": m.dtype, "batch": m.batch, "in_place": figures.settings.in_place,
                          "spec_order": _peak_dict(figures.peak), "minimum": _peak_dict(figures.minimum_peak)}
    schedule = figures.patches
    out["patches"] = None if schedule is None else _patches_dict(schedule)
    plan = figures.arena
    out["arena"] = None if plan is None else _arena_dict(plan)
    training = figures.training
    out["training_memory"] = None if training is None else _training_dict(training)
    roofline = figures.roofline
    out["latency"] = None if roofline is None else _latency_dict(roofline, figures.settings.device,
                                                                 figures.estimate)
    runtime = figures.settings.runtime
    if runtime is not None:           # absent: eager, the spec as written (so eager's JSON is as before)
        out["runtime"] = runtime_dict(runtime)
        out["deployed_memory"] = {"ram_bytes": figures.ram, "flash_bytes": figures.flash,
                                  "scratch": _scratch_dict(figures.scratch)}
    return out


def _scratch_dict(scratch) -> Optional[dict]:
    """The runtime's scratch buffers (cnncalc.scratch.Scratch): per layer, and the static ones per kind."""
    if scratch is None:
        return None
    return {"kernels": scratch.kernels, "placement": scratch.placement, "counted": scratch.counted,
            "static": [{"kind": kind, "bytes": n, "layer": layer} for kind, n, layer in scratch.static],
            "layers": [{"layer": x.layer, "buffers": dict(x.buffers)} for x in scratch.layers]}


def runtime_dict(runtime) -> dict:
    """A runtime profile: its name, title and rules, each with what it means and its source."""
    return {"name": runtime.name, "title": runtime.title,
            "rules": {key: {"value": list(rule.value) if isinstance(rule.value, tuple) else rule.value,
                            "what": rule.what, "source": rule.source} for key, rule in runtime.rules.items()}}


def report_json(result, columns: Optional[Sequence[str]] = None) -> str:
    """An Analysis, or Figures (the report and the figures computed from it), as JSON; ``columns``: the names of
    the layer objects' columns (JSON's defaults when None)."""
    return "".join(report_json_chunks(result, columns))


def report_json_chunks(result, columns: Optional[Sequence[str]] = None) -> Iterator[str]:
    """:func:`report_json`'s text in pieces, each layer's object made only when its line is written."""
    context = Context(result)
    layers = document.Lines(_layer_lines(context.report.rows, context, columns), encoded=True)
    if isinstance(result, Figures):
        return document.json_chunks(figures_dict(result, layers))
    return document.json_chunks(_document(result, layers))


def report_csv(result, columns: Optional[Sequence[str]] = None) -> str:
    """One row per layer and nothing else: no total row, so the counts add up to the totals (JSON has the
    totals; activation_elements adds the input row, which the totals leave out). The ``columns`` (names;
    CSV's defaults when None), each column's CSV cells: shapes and per-axis values joined with 'x', names
    escaped (render/text.shown), a receptive field in three cells (receptive_field.size, .stride, .start)."""
    context = Context(result)
    chosen = select(columns, "csv", context)
    plan = [(column.values(context), column.csv, bool(column.parts), column.escaped) for column in chosen]
    rows = []
    for row in context.report.rows:
        cells: list = []
        for get, cell, parts, escaped in plan:
            value = cell(get(row))
            if parts:
                cells += value
            else:
                cells.append(shown(value) if escaped and value is not None else value)
        rows.append(cells)
    return document.csv_text([header for column in chosen for header in column.headers], rows)


def summary_items(report: Analysis, figures: Figures | None = None) -> list[tuple[str, str]]:
    """(label, value) pairs of the summary, shared by the table and Markdown renderers; with ``figures``,
    peak memory, and training memory and latency when computed."""
    t, m = report.totals, report.memory

    def memory(n):
        return fmt.bytes_exact(n) if n >= 1024 else fmt.nbytes(n)

    def both(n):
        return f"{fmt.count(n)} ({fmt.human(n)})" if n >= 1000 else fmt.count(n)

    runtime = figures.settings.runtime if figures is not None else None
    items = [("Runtime (the deployed network)", f"{runtime.name}: {runtime.title}")] if runtime is not None else []
    items += [
        ("Input → output", f"{fmt.shape(report.input_shape)} → {fmt.shape(report.output_shape)}"),
        ("Parameters", both(t.params)),
        ("  trainable / non-trainable", f"{fmt.count(t.trainable_params)} / {fmt.count(t.non_trainable_params)}"),
        ("State (BN running stats)", both(t.state)),
        ("MACs (weight layers, no bias)", both(t.macs)),
        ("FLOPs (2·MACs + bias + elementwise)", both(t.flops)),
        (f"Parameter memory ({m.dtype}, params + state)", memory(m.param_bytes)),
        (f"Activation memory ({m.dtype}, batch {m.batch})", memory(m.activation_bytes)),
    ]
    if report.output_rf:
        items.append(("Output receptive field", fmt.rf_words(report.output_rf)))
    if figures is not None:
        items += figure_items(figures, memory)
    return items


def _deployed_items(figures: Figures, memory) -> list[tuple[str, str]]:
    """Under a runtime: its scratch buffers, the RAM and the flash (cnncalc.scratch)."""
    items = []
    scratch = figures.scratch
    if scratch is not None:
        label = f"Scratch buffers ({scratch.kernels} kernels)"
        if not scratch.counted:
            items.append((label, f"not counted: the kernels' buffers are int8's, the dtype is "
                                 f"{figures.report.memory.dtype}"))
        elif scratch.static:
            items.append((label, f"{memory(scratch.static_bytes)}, static: " + "; ".join(
                f"{kind} {memory(n)} for {layer}" for kind, n, layer in scratch.static)))
        elif scratch.largest is not None:
            largest = scratch.largest
            items.append((label, f"one per layer while it runs, in the arena; the largest "
                                 f"{memory(largest.bytes)} at {largest.layer}"))
        else:
            items.append((label, "none: no layer's kernel asks for one"))
    how = "the arena" if figures.arena is not None else "the patch schedule's peak" if figures.patches else \
        "the peak"
    items.append(("RAM (activations + scratch)", f"{memory(figures.ram)} ({how}"
                  + (" + scratch)" if scratch is not None and scratch.counted and figures.arena is None else ")")))
    items.append(("Flash (weights as stored)", memory(figures.flash)))
    return items


def figure_items(figures: Figures, memory) -> list[tuple[str, str]]:
    m, s = figures.report.memory, figures.settings
    mode = ", in place" if s.in_place else ""
    items = []
    for label, peak in ((f"Peak memory ({m.dtype}, batch {m.batch}, spec order{mode})", figures.peak),
                        (f"  in a minimising order ({figures.minimum_peak.method})", figures.minimum_peak)):
        alive = ", ".join(name for name, _ in peak.alive)
        items.append((label, f"{memory(peak.peak_bytes)} at {peak.peak_layer}; alive: {alive}"))
    plan = figures.arena
    if plan is not None:
        items.append((f"Arena ({plan.planner}, spec order{mode})",
                      f"{memory(plan.arena_bytes)}: the peak {fmt.bytes_exact(plan.peak_bytes)} and "
                      + (f"{fmt.bytes_exact(plan.fragmentation_bytes)} of fragmentation" if plan.fragmentation_bytes
                         else "no fragmentation")))
    if s.runtime is not None:
        items += _deployed_items(figures, memory)
    schedule = figures.patches
    if schedule is not None:
        grid = "×".join(map(str, schedule.grid))
        items += [
            (f"Patch-based peak ({grid} patches{mode})", f"{memory(schedule.peak_bytes)} at {schedule.peak_layer}"
             + (f", patch {','.join(map(str, schedule.patch_peak_at[0]))}"
                if schedule.patch_peak_bytes >= schedule.rest_peak_bytes else ", after the cut")),
            ("  cut (last layer run patch by patch)", f"{schedule.cut}" + (" (least peak)" if schedule.considered
                                                                          else "")),
            ("  patches / after the cut", f"{fmt.bytes_exact(schedule.patch_peak_bytes)} / "
                                         f"{fmt.bytes_exact(schedule.rest_peak_bytes)}"),
            ("  one layer alone (MCUNet's accounting)", f"{fmt.bytes_exact(schedule.layer_bytes)} at "
                                                       f"{schedule.layer_at}: its inputs and output, nothing held "
                                                       "for a later layer (≤ the peak)"),
            ("  input", "read one tile per patch (streamed)" if schedule.input_streamed else
             f"held whole while the patches run: {fmt.bytes_exact(schedule.input_bytes)}"),
            ("  extra MACs (halos recomputed)", f"{fmt.count(schedule.extra_macs)} ("
             + fmt.percent(Fraction(schedule.extra_macs, max(schedule.total_macs - schedule.extra_macs, 1)))
             + " of the network's MACs)"),
        ]
    t = figures.training
    if t is not None:
        items += [
            (f"Training memory (batch {t.batch}, {t.optimizer}, {t.precision})", memory(t.total_bytes)),
            ("  weights / gradients / optimizer state", " / ".join(
                memory(n) for n in (t.weight_bytes, t.gradient_bytes, t.optimizer_bytes))),
            ("  activations saved for backward", memory(t.activation_bytes)),
        ]
    r, device = figures.roofline, s.device
    if r is not None and device is not None:
        arithmetic = f" as {r.arithmetic}" if r.arithmetic else ""
        items.append((f"Latency on {device.name} ({r.dtype}{arithmetic}, batch {r.batch})",
                      f"≥ {fmt.seconds(r.seconds)}: a roofline lower bound, not a measurement"))
        e = figures.estimate
        items.append(("  estimate", f"≈ {fmt.seconds(e.seconds)}: an estimate by kind of work, not a bound"
                      if e is not None else "none: the profile has no efficiencies"))
        items.append(("  runtime", f"{r.runtime}: the bound's and the estimate's network"))
        items.append(("  device", f"{device.title}: {fmt.count(r.peak)} {r.dtype}{arithmetic} op/s, "
                                  f"{fmt.nbytes(r.bandwidth)}/s"))
    return items


def report_markdown(result, quiet: bool = False, columns: Optional[Sequence[str]] = None) -> str:
    """The summary table, the per-layer table of the ``columns`` (names; Markdown's defaults when None) with
    a total row, and warnings; ``quiet``: the summary only."""
    figures = result if isinstance(result, Figures) else None
    report = result.report if isinstance(result, Figures) else result
    lines = [f"## {md_text(report.name)}", ""]
    if report.description:
        lines += [md_text(report.description), ""]
    lines += document.md_table(["", ""], "ll", [(md_text(label.strip()), md_text(value))
                                                for label, value in summary_items(report, figures)])
    if quiet:
        return "\n".join(lines + [""])
    context = Context(result)
    chosen = select(columns, "markdown", context)
    rows, total = people_cells(chosen, context, md_text)
    rows.append(tuple(document.bold(cell, on=bool(cell)) for cell in total))
    lines += [""] + document.md_table([column.title for column in chosen],
                                      "".join("r" if column.right else "l" for column in chosen), rows)
    if report.warnings:
        lines += ["", "**Warnings**", ""]
        lines += [f"- {md_code(w.layer, in_table=False)}: {md_text(w.message)}" for w in report.warnings]
    lines += ["", f"_{CONVENTIONS['macs']}. {CONVENTIONS['flops']}._", ""]
    return "\n".join(lines)


def report_html(figures: Figures, columns: Optional[Sequence[str]] = None) -> str:
    """The summary, the per-layer table of the ``columns`` (names; HTML's defaults when None) with its total
    row, the warnings and the conventions' footnote, as HTML (a notebook's view of a report, cnncalc.Report):
    what the Markdown holds."""
    import html

    report, cell = figures.report, html.escape
    summary = "".join(f"<tr><th style='text-align:left'>{cell(label.strip())}</th><td>{cell(value)}</td></tr>"
                      for label, value in summary_items(report, figures))
    context = Context(figures)
    chosen = select(columns, "html", context)
    rows, total = people_cells(chosen, context, shown)
    align = ["<td style='text-align:right'>" if column.right else "<td>" for column in chosen]
    head = "".join(f"<th>{cell(column.title)}</th>" for column in chosen)
    body = "".join("<tr>" + "".join(f"{td}{cell(text)}</td>" for td, text in zip(align, texts)) + "</tr>"
                   for texts in rows)
    foot = "<tr>" + "".join(f"{td}<b>{cell(text)}</b></td>" if text else "<td></td>"
                            for td, text in zip(align, total)) + "</tr>"
    warnings = ""
    if report.warnings:
        warnings = ("<p><b>Warnings</b></p><ul>" + "".join(f"<li><code>{cell(shown(w.layer))}</code>: "
                                                           f"{cell(shown(w.message))}</li>" for w in report.warnings)
                    + "</ul>")
    notes = f"<p><i>{cell(CONVENTIONS['macs'])}. {cell(CONVENTIONS['flops'])}.</i></p>"
    return (f"<h4>{cell(report.name)}</h4><table>{summary}</table>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody><tfoot>{foot}</tfoot></table>"
            f"{warnings}{notes}")
