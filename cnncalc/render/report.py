"""A Report as documents: JSON (exact ints, schema cnncalc.report/1), CSV and Markdown, and the summary
lines the table shares. No rich here."""

from __future__ import annotations

from typing import Iterator

from cnncalc.analysis import Report
from cnncalc.render import document, fmt
from cnncalc.render.labels import CONVENTIONS

SCHEMA = "cnncalc.report/1"


def report_dict(report: Report) -> dict:
    return _document(report, [layer_dict(row) for row in report.rows])


def _document(report: Report, layers) -> dict:
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
        "output_shape": list(row.output_shape),
        "params": row.params,
        "trainable_params": row.trainable_params,
        "state": row.state,
        "macs": row.macs,
        "flops": row.flops,
        "activation_elements": row.activation_elements,
        "receptive_field": fmt.rf_json(row.rf) if rf_json is None else rf_json,
    }


def _layer_dicts(rows) -> Iterator[dict]:
    """Each row's layer object; a receptive field passed on unchanged (the same tuple) is written from the
    same JSON object."""
    last_rf, last_json = None, None
    for row in rows:
        if row.rf is not last_rf:
            last_rf, last_json = row.rf, fmt.rf_json(row.rf)
        yield layer_dict(row, last_json)


def report_json(report: Report) -> str:
    return document.to_json(report_dict(report))


def report_json_chunks(report: Report) -> Iterator[str]:
    """:func:`report_json`'s text in pieces, each layer's object made only when its line is written."""
    return document.json_chunks(_document(report, document.Lines(_layer_dicts(report.rows))))


CSV_COLUMNS = ("name", "type", "inputs", "output_shape", "params", "trainable_params", "state", "macs",
               "flops", "activation_elements", "rf_size", "rf_stride", "rf_start")


def _rf_axes(rf) -> list[str]:
    return [fmt.axes(a.size for a in rf), fmt.axes(a.stride for a in rf), fmt.axes(a.start for a in rf)]


def report_csv(report: Report) -> str:
    """One row per layer, then a 'total' row. Shapes and per-axis values joined with 'x'."""
    rows = [[row.name, row.type, ";".join(row.inputs), fmt.axes(row.output_shape), row.params,
             row.trainable_params, row.state, row.macs, row.flops, row.activation_elements] + _rf_axes(row.rf)
            for row in report.rows]
    t = report.totals
    rows.append(["total", "", "", fmt.axes(report.output_shape), t.params, t.trainable_params, t.state,
                 t.macs, t.flops, t.activation_elements] + _rf_axes(report.output_rf))
    return document.csv_text(CSV_COLUMNS, rows)


def summary_items(report: Report) -> list[tuple[str, str]]:
    """(label, value) pairs of the summary, shared by the table and Markdown renderers."""
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
    return items


def report_markdown(report: Report) -> str:
    lines = [f"## {report.name}", ""]
    if report.description:
        lines += [report.description, ""]
    lines += document.md_table(["", ""], "ll", [(label.strip(), value) for label, value in summary_items(report)])
    rows = [(row.name, row.label, fmt.shape(row.output_shape), fmt.count(row.params), fmt.count(row.macs),
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
        lines += [f"- `{w.layer}`: {w.message}" for w in report.warnings]
    lines += ["", f"_{CONVENTIONS['macs']}. {CONVENTIONS['flops']}._", ""]
    return "\n".join(lines)
