"""Machine formats of a Report: JSON (exact ints), CSV and Markdown. No rich here."""

from __future__ import annotations

import csv
import io
import json

from cnncalc import __version__
from cnncalc.analysis import Report
from cnncalc.render import fmt
from cnncalc.render.labels import CONVENTIONS
from cnncalc.rf import as_json

SCHEMA = "cnncalc.report/1"


def report_dict(report: Report) -> dict:
    t, m = report.totals, report.memory
    return {
        "schema": SCHEMA,
        "cnncalc_version": __version__,
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
        "receptive_field": as_json(report.output_rf),
        "layers": [
            {
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
                "receptive_field": as_json(row.rf),
            }
            for row in report.rows
        ],
        "warnings": [{"layer": w.layer, "message": w.message} for w in report.warnings],
        "conventions": CONVENTIONS,
    }


def to_json(data: dict) -> str:
    """Indented JSON, except that each item of a top-level list of objects (the layers) takes one line.

    A 100,000-layer report stays readable that way, and it is written by json's C encoder: ``indent=``
    makes json fall back to its pure-Python encoder, ten times slower."""
    if not isinstance(data, dict) or not data:
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    compact = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
    members = []
    for key, value in data.items():
        if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
            body = "[\n" + ",\n".join(f"    {compact(item)}" for item in value) + "\n  ]"
        else:
            body = json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n  ")
        members.append(f"  {compact(key)}: {body}")
    return "{\n" + ",\n".join(members) + "\n}\n"


CSV_COLUMNS = ("name", "type", "inputs", "output_shape", "params", "trainable_params", "state", "macs",
               "flops", "activation_elements", "rf_size", "rf_stride", "rf_start")


def report_csv(report: Report) -> str:
    """One row per layer, then a 'total' row. Shapes and per-axis values joined with 'x'."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)

    def axes(values):
        return "x".join(fmt.number(v) for v in values)

    for row in report.rows:
        writer.writerow([row.name, row.type, ";".join(row.inputs), axes(row.output_shape), row.params,
                         row.trainable_params, row.state, row.macs, row.flops, row.activation_elements,
                         axes(a.size for a in row.rf), axes(a.stride for a in row.rf),
                         axes(a.start for a in row.rf)])
    t = report.totals
    writer.writerow(["total", "", "", axes(report.output_shape), t.params, t.trainable_params, t.state,
                     t.macs, t.flops, t.activation_elements, axes(a.size for a in report.output_rf),
                     axes(a.stride for a in report.output_rf), axes(a.start for a in report.output_rf)])
    return out.getvalue()


def summary_items(report: Report) -> list[tuple[str, str]]:
    """(label, value) pairs of the summary, shared by the table and Markdown renderers."""
    t, m = report.totals, report.memory
    rf = report.output_rf

    def memory(n):
        return f"{fmt.nbytes(n)} ({fmt.count(n)} B)" if n >= 1024 else fmt.nbytes(n)

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
    if rf:
        items.append(("Output receptive field",
                      f"size {fmt.per_axis(a.size for a in rf)}, stride {fmt.per_axis(a.stride for a in rf)}, "
                      f"start {fmt.per_axis(a.start for a in rf)}"))
    return items


def rf_cell(field) -> str:
    """'435/32': receptive-field size / effective stride, per axis when they differ."""
    if not field:
        return "-"
    # a fractional value (transposed convolution, upsampling) is parenthesised: '2/(1/3)', not '2/1/3'
    size, stride = (fmt.per_axis(values) for values in ((a.size for a in field), (a.stride for a in field)))
    return "/".join(f"({text})" if "/" in text else text for text in (size, stride))


def report_markdown(report: Report) -> str:
    lines = [f"## {report.name}", ""]
    if report.description:
        lines += [report.description, ""]
    lines += ["| | |", "|---|---|"]
    lines += [f"| {label.strip()} | {value} |" for label, value in summary_items(report)]
    lines += ["", "| Layer | Type | Output | Params | MACs | FLOPs | RF size/stride | RF start | Activations |",
              "|---|---|---|--:|--:|--:|--:|--:|--:|"]
    for row in report.rows:
        start = fmt.per_axis(a.start for a in row.rf)
        lines.append(f"| {row.name} | {row.label} | {fmt.shape(row.output_shape)} | {fmt.count(row.params)} | "
                     f"{fmt.count(row.macs)} | {fmt.count(row.flops)} | {rf_cell(row.rf)} | {start} | "
                     f"{fmt.count(row.activation_elements)} |")
    t = report.totals
    lines.append(f"| **total** | | {fmt.shape(report.output_shape)} | **{fmt.count(t.params)}** | "
                 f"**{fmt.count(t.macs)}** | **{fmt.count(t.flops)}** | | | {fmt.count(t.activation_elements)} |")
    if report.warnings:
        lines += ["", "**Warnings**", ""]
        lines += [f"- `{w.layer}`: {w.message}" for w in report.warnings]
    lines += ["", f"_{CONVENTIONS['macs']}. {CONVENTIONS['flops']}._", ""]
    return "\n".join(lines)
