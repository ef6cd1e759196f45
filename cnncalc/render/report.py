"""An Analysis as documents: JSON (exact ints, schema cnncalc.report/3), CSV and Markdown, and the summary
lines the table shares. No rich here."""

from __future__ import annotations

from typing import Iterator

from cnncalc.analysis import DTYPE_BITS, Analysis, bytes_for
from cnncalc.metrics import Figures
from cnncalc.render import document, fmt
from cnncalc.render.labels import CONVENTIONS
from cnncalc.render.text import md_code, md_text, shown

SCHEMA = "cnncalc.report/3"


def report_dict(report: Analysis) -> dict:
    return _document(report, [layer_dict(row) for row in report.rows])


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


def layer_dict(row, rf_json: dict | None = None) -> dict:
    """One layer of the JSON report; ``rf_json``: its receptive field as JSON when already made."""
    return {
        "name": row.name,
        "type": row.type,
        "label": row.label,
        "inputs": list(row.inputs),
        "shares": row.shares or None,
        "output_shape": list(row.output_shape),
        "params": row.params,
        "trainable_params": row.trainable_params,
        "state": row.state,
        "macs": row.macs,
        "flops": row.flops,
        "activation_elements": row.activation_elements,
        "receptive_field": fmt.rf_json(row.rf) if rf_json is None else rf_json,
    }


def _layer_lines(rows) -> Iterator[str]:
    """Each row's layer object as compact JSON text, exactly ``compact(layer_dict(row))`` (tests/test_json_stream.py),
    written by hand: json's C encoder takes some 5 µs an object, most of a big report's JSON time. A receptive
    field passed on unchanged (the same tuple) is encoded once. A row whose figures are not all plain ints
    (not expected) is encoded by json."""
    import json

    compact = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
    text = json.encoder.encode_basestring         # a str as JSON, non-ASCII kept (ensure_ascii=False)
    last_rf, rf_text = None, ""
    last_shape, shape_text = None, ""
    for row in rows:
        if row.rf is not last_rf:
            last_rf, rf_text = row.rf, _rf_text(row.rf) or compact(fmt.rf_json(row.rf))
        shape = row.output_shape
        if shape is not last_shape:
            last_shape = shape
            shape_text = ", ".join(map(str, shape)) if all(type(n) is int for n in shape) else ""
        if not (shape_text or not shape) or not (type(row.params) is int and type(row.trainable_params) is int
                                                 and type(row.state) is int and type(row.macs) is int
                                                 and type(row.flops) is int
                                                 and type(row.activation_elements) is int):
            yield compact(layer_dict(row))
            continue
        shares = "null" if not row.shares else text(row.shares)
        yield (f'{{"name": {text(row.name)}, "type": {text(row.type)}, "label": {text(row.label)}, '
               f'"inputs": [{", ".join(map(text, row.inputs))}], "shares": {shares}, '
               f'"output_shape": [{shape_text}], "params": {row.params}, '
               f'"trainable_params": {row.trainable_params}, "state": {row.state}, "macs": {row.macs}, '
               f'"flops": {row.flops}, "activation_elements": {row.activation_elements}, '
               f'"receptive_field": {rf_text}}}')


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


def _training_dict(t) -> dict:
    return {"batch": t.batch, "optimizer": t.optimizer, "precision": t.precision,
            "weight_bytes": t.weight_bytes, "gradient_bytes": t.gradient_bytes,
            "optimizer_bytes": t.optimizer_bytes, "activation_bytes": t.activation_bytes,
            "total_bytes": t.total_bytes,
            "layers": [{"name": layer.name, "saved_bytes": layer.bytes, "tensors": list(layer.tensors)}
                       for layer in t.layers]}


def _latency_dict(r, device) -> dict:
    """Intensities (FLOPs per byte) as ratios ('p/q' strings, fmt.exact); times in seconds as integers in
    units of 1/denominator (fmt.in_units), per object."""
    return {"device": r.device, "title": device.title, "source": device.source, "dtype": r.dtype,
            "batch": r.batch, "peak_ops_per_second": r.peak, "bandwidth_bytes_per_second": r.bandwidth,
            "ridge": fmt.exact(r.ridge), "flops": r.flops, "bytes": r.bytes, **fmt.in_units({"seconds": r.seconds}),
            "lower_bound": True,
            "layers": [{"name": t.name, "flops": t.flops, "weight_bytes": t.weight_bytes,
                        "input_bytes": t.input_bytes, "output_bytes": t.output_bytes, "bytes": t.bytes,
                        "intensity": fmt.exact(t.intensity), "bound": t.bound, **fmt.in_units({"seconds": t.seconds})}
                       for t in r.layers]}


def figures_dict(figures: Figures, layers=None) -> dict:
    """The report's JSON, with peak memory (spec order and minimising order), and training memory and the
    latency estimate when asked for (null otherwise). ``layers``: the layer objects, when not made here."""
    report = figures.report
    out = _document(report, [layer_dict(row) for row in report.rows] if layers is None else layers)
    m = figures.report.memory
    out["peak_memory"] = {"dtype": m.dtype, "batch": m.batch, "in_place": figures.settings.in_place,
                          "spec_order": _peak_dict(figures.peak), "minimum": _peak_dict(figures.minimum_peak)}
    training = figures.training
    out["training_memory"] = None if training is None else _training_dict(training)
    roofline = figures.roofline
    out["latency"] = None if roofline is None else _latency_dict(roofline, figures.settings.device)
    return out


def report_json(result) -> str:
    """An Analysis, or Figures (the report and the figures computed from it), as JSON."""
    return "".join(report_json_chunks(result))


def report_json_chunks(result) -> Iterator[str]:
    """:func:`report_json`'s text in pieces, each layer's object made only when its line is written."""
    if isinstance(result, Figures):
        layers = document.Lines(_layer_lines(result.report.rows), encoded=True)
        return document.json_chunks(figures_dict(result, layers))
    return document.json_chunks(_document(result, document.Lines(_layer_lines(result.rows), encoded=True)))


CSV_COLUMNS = ("name", "type", "inputs", "shares", "output_shape", "params", "trainable_params", "state", "macs",
               "flops", "activation_elements", "param_bytes", "activation_bytes", "rf_size", "rf_stride",
               "rf_start")


def _rf_axes(rf) -> list[str]:
    return [fmt.axes(a.size for a in rf), fmt.axes(a.stride for a in rf), fmt.axes(a.start for a in rf)]


def report_csv(result) -> str:
    """One row per layer and nothing else: no total row, so the counts add up to the totals (JSON has the
    totals; activation_elements adds the input row, which the totals leave out). Shapes and per-axis
    values joined with 'x'. Bytes at the report's dtype:
    param_bytes of the layer's parameters and state, activation_bytes of its output for the whole batch,
    each rounded up to whole bytes."""
    report = result.report if isinstance(result, Figures) else result
    bits, batch = DTYPE_BITS[report.memory.dtype], report.memory.batch
    rows = [[shown(row.name), row.type, ";".join(shown(name) for name in row.inputs), shown(row.shares),
             fmt.axes(row.output_shape),
             row.params, row.trainable_params, row.state, row.macs, row.flops, row.activation_elements,
             bytes_for(row.params + row.state, bits), bytes_for(row.activation_elements * batch, bits)]
            + _rf_axes(row.rf)
            for row in report.rows]
    return document.csv_text(CSV_COLUMNS, rows)


def summary_items(report: Analysis, figures: Figures | None = None) -> list[tuple[str, str]]:
    """(label, value) pairs of the summary, shared by the table and Markdown renderers; with ``figures``,
    peak memory, and training memory and latency when computed."""
    t, m = report.totals, report.memory

    def memory(n):
        return fmt.bytes_exact(n) if n >= 1024 else fmt.nbytes(n)

    def both(n):
        return f"{fmt.count(n)} ({fmt.human(n)})" if n >= 1000 else fmt.count(n)

    items = [
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


def figure_items(figures: Figures, memory) -> list[tuple[str, str]]:
    m, s = figures.report.memory, figures.settings
    mode = ", in place" if s.in_place else ""
    items = []
    for label, peak in ((f"Peak memory ({m.dtype}, batch {m.batch}, spec order{mode})", figures.peak),
                        (f"  in a minimising order ({figures.minimum_peak.method})", figures.minimum_peak)):
        alive = ", ".join(name for name, _ in peak.alive)
        items.append((label, f"{memory(peak.peak_bytes)} at {peak.peak_layer}; alive: {alive}"))
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
        items.append((f"Latency on {device.name} ({r.dtype}, batch {r.batch})",
                      f"≥ {fmt.seconds(r.seconds)}: a roofline lower bound, not a measurement"))
        items.append(("  device", f"{device.title}: {fmt.count(r.peak)} {r.dtype} op/s, "
                                  f"{fmt.nbytes(r.bandwidth)}/s"))
    return items


def report_markdown(result, quiet: bool = False) -> str:
    """The summary table, the per-layer table and warnings; ``quiet``: the summary only."""
    figures = result if isinstance(result, Figures) else None
    report = result.report if isinstance(result, Figures) else result
    lines = [f"## {md_text(report.name)}", ""]
    if report.description:
        lines += [md_text(report.description), ""]
    lines += document.md_table(["", ""], "ll", [(label.strip(), value) for label, value in summary_items(report, figures)])
    if quiet:
        return "\n".join(lines + [""])
    rows = [(md_text(row.name), md_text(row.label), fmt.shape(row.output_shape), fmt.count(row.params),
             fmt.count(row.macs),
             fmt.count(row.flops), fmt.rf_cell(row.rf), fmt.per_axis(a.start for a in row.rf),
             fmt.count(row.activation_elements)) for row in report.rows]
    t = report.totals
    rows.append((document.bold("total"), "", fmt.shape(report.output_shape), document.bold(fmt.count(t.params)),
                 document.bold(fmt.count(t.macs)), document.bold(fmt.count(t.flops)), "", "",
                 fmt.count(t.activation_elements)))
    lines += [""] + document.md_table(["Layer", "Type", "Output", "Params", "MACs", "FLOPs", "RF size/stride",
                                       "RF start", "Activations"], "lllrrrrrr", rows)
    if report.warnings:
        lines += ["", "**Warnings**", ""]
        lines += [f"- {md_code(w.layer, in_table=False)}: {md_text(w.message)}" for w in report.warnings]
    lines += ["", f"_{CONVENTIONS['macs']}. {CONVENTIONS['flops']}._", ""]
    return "\n".join(lines)


def report_html(figures: Figures) -> str:
    """The summary and the per-layer table as HTML (a notebook's view of a report, cnncalc.Report)."""
    import html

    report, cell = figures.report, html.escape
    summary = "".join(f"<tr><th style='text-align:left'>{cell(label.strip())}</th><td>{cell(value)}</td></tr>"
                      for label, value in summary_items(report, figures))
    head = "".join(f"<th>{h}</th>" for h in ("Layer", "Type", "Output", "Params", "MACs", "FLOPs", "RF size/stride"))
    body = "".join(
        "<tr>" + "".join(f"<td>{cell(text)}</td>" for text in (
            row.name, row.label, fmt.shape(row.output_shape), fmt.count(row.params), fmt.count(row.macs),
            fmt.count(row.flops), fmt.rf_cell(row.rf))) + "</tr>"
        for row in report.rows)
    return (f"<h4>{cell(report.name)}</h4><table>{summary}</table>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
