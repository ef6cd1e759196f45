"""Machine and paste-able formats of a comparison: JSON (exact), Markdown, CSV, and the one-line summary
sentences ('inception-bottleneck vs inception-naive: parameters 5,120 vs 8,960 (−42.9%, ×0.571); ...').
No rich here."""

from __future__ import annotations

from cnncalc.comparison import LAYER_FIELDS, LayerComparison, TotalComparison
from cnncalc.render import document, fmt
from cnncalc.render.labels import CONVENTIONS
from cnncalc.render.text import md_code, md_text, shown

SCHEMA = "cnncalc.compare/2"
HEADLINE_METRICS = ("params", "macs", "activation_memory")


def metric_label(metric, comparison: TotalComparison) -> str:
    label = metric.label[0].upper() + metric.label[1:]
    if metric.key == "param_memory":
        return f"{label} ({comparison.dtype}, params + state)"
    if metric.key == "activation_memory":
        return f"{label} ({comparison.dtype}, batch {comparison.batch})"
    if metric.key in ("trainable_params", "non_trainable_params"):
        return "  " + metric.label
    return label


# ----------------------------------------------------------------------------- summary sentences

def headlines(comparison: TotalComparison, name=shown) -> list[str]:
    """One sentence per spec after the first: the main figures against the first, and what changed in output.
    ``name`` writes a spec's name (shown() for text, md_text for Markdown)."""
    lines = []
    base = comparison.names[0]
    for i in range(1, len(comparison.names)):
        parts = []
        for key in HEADLINE_METRICS:
            row = comparison.metric(key)
            c = row.changes[i]
            text = f"{row.metric.label} {fmt.amount(row.values[i], row.metric.kind)} vs " \
                   f"{fmt.amount(row.values[0], row.metric.kind)}"
            if c.delta == 0:
                text += " (the same)"
            elif c.ratio is None:
                text += " (from 0)"
            else:
                text += f" ({fmt.percent(c.relative)}, {fmt.ratio(c.ratio)})"
            parts.append(text)
        shapes = comparison.output_shapes
        if shapes[i] == shapes[0]:
            parts.append(f"output {fmt.shape(shapes[i])}, the same")
        else:
            parts.append(f"output {fmt.shape(shapes[i])} vs {fmt.shape(shapes[0])}")
        rfs = comparison.output_rfs
        if [(a.size, a.stride, a.start) for a in rfs[i]] == [(a.size, a.stride, a.start) for a in rfs[0]]:
            parts.append(f"receptive field size {fmt.per_axis(a.size for a in rfs[i])}, the same")
        else:
            parts.append(f"receptive field size {fmt.per_axis(a.size for a in rfs[i])} vs "
                         f"{fmt.per_axis(a.size for a in rfs[0])}")
        lines.append(f"{name(comparison.names[i])} vs {name(base)}: " + "; ".join(parts))
    return lines


# ----------------------------------------------------------------------------- JSON

def _change_dict(c, kind: str):
    if c is None:
        return None
    return {
        "delta": c.delta,
        "ratio": fmt.exact(c.ratio),
        "relative": fmt.exact(c.relative),
        "percent": None if c.relative is None else fmt.percent(c.relative, ascii=True),
        "times": None if c.ratio is None else fmt.ratio(c.ratio, ascii=True),
    }


def _in_units(row) -> dict:
    """The values and each change's delta as integers in units of 1/denominator (fmt.in_units)."""
    deltas = [None if c is None else c.delta for c in row.changes]
    exact = fmt.in_units({"values": list(row.values), "deltas": deltas})
    changes = [_change_dict(c, row.metric.kind) for c in row.changes]
    for change, delta in zip(changes, exact.pop("deltas")):
        if change is not None:
            change["delta"] = delta
    return {"values": exact.pop("values"), "changes": changes, **exact}


def _totals_dict(comparison: TotalComparison) -> dict:
    return {
        row.metric.key: {
            "unit": row.metric.kind,           # count, bytes or seconds: integers (fmt.in_units)
            **_in_units(row),
            "smallest": list(row.smallest),
        }
        for row in comparison.metrics
    }


def compare_dict(comparison: TotalComparison) -> dict:
    return document.envelope(SCHEMA, {
        "by": "total",
        "dtype": comparison.dtype,
        "batch": comparison.batch,
        "specs": [
            {"name": name, "source": source, "output": list(shape), "receptive_field": fmt.rf_json(rf)}
            for name, source, shape, rf in zip(comparison.names, comparison.sources, comparison.output_shapes,
                                               comparison.output_rfs)
        ],
        "totals": _totals_dict(comparison),
        "same_output_shape": comparison.same_output_shape,
        "same_receptive_field": comparison.same_output_rf,
        "conventions": CONVENTIONS,
    })


def _cell_dict(cell):
    if cell is None:
        return None
    return {"label": cell.label, "layers": cell.layers, "output_shape": list(cell.output_shape),
            **{f: getattr(cell, f) for f in LAYER_FIELDS}}


def layers_dict(lc: LayerComparison) -> dict:
    data = compare_dict(lc.totals)
    data["by"] = "layer"
    data["depth"] = lc.depth
    data["layers"] = [
        {"name": row.name, "present": list(row.present), "same": row.same,
         "specs": [_cell_dict(c) for c in row.cells]}
        for row in lc.rows
    ]
    return data


def compare_json(comparison: TotalComparison) -> str:
    return document.to_json(compare_dict(comparison))


def layers_json(lc: LayerComparison) -> str:
    return document.to_json(layers_dict(lc))


# ----------------------------------------------------------------------------- Markdown

def compare_markdown(comparison: TotalComparison) -> str:
    names = comparison.names
    lines = [f"## Comparison: {' vs '.join(md_text(n) for n in names)}", ""]
    lines += [f"- {line}" for line in headlines(comparison, md_text)]
    header = ["", md_text(names[0])]
    for name in names[1:]:
        header += [md_text(name), f"change vs {md_text(names[0])}"]
    rows = []
    for row in comparison.metrics:
        cells = [metric_label(row.metric, comparison).strip()]
        low = row.smallest
        for i, (value, c) in enumerate(zip(row.values, row.changes)):
            cells.append(document.bold(fmt.amount(value, row.metric.kind), i in low))
            if c is not None:
                cells.append(fmt.change(c, row.metric.kind))
        rows.append(cells)
    for label, values in (("Output shape", [fmt.shape(s) for s in comparison.output_shapes]),
                          ("Output receptive field", [fmt.rf_words(rf) for rf in comparison.output_rfs])):
        cells = [label, values[0]]
        for value in values[1:]:
            cells += [value, "=" if value == values[0] else "differs"]
        rows.append(cells)
    lines += [""] + document.md_table(header, "l" + "r" * (len(header) - 1), rows)
    lines += ["", f"_Smallest value in bold. Changes are against {md_text(names[0])}: difference (percent, ratio). "
                  f"{CONVENTIONS['macs']}. {CONVENTIONS['flops']}._", ""]
    return "\n".join(lines)


def layer_note(row, names) -> str:
    if row.same:
        return ""
    present = row.present
    if not all(present):
        have = [n for n, p in zip(names, present) if p]
        return "only in " + ", ".join(have)
    return "differs"


def letters(names) -> list[str]:
    """Short column tags for the layer tables: A, B, C, ..."""
    return [chr(ord("A") + i) if i < 26 else f"S{i + 1}" for i in range(len(names))]


def legend(lc: LayerComparison) -> str:
    return shown("; ".join(f"{tag} = {name} ({source})"
                           for tag, name, source in zip(letters(lc.names), lc.names, lc.sources)))


def layers_markdown(lc: LayerComparison) -> str:
    names, tags = lc.names, letters(lc.names)
    title = "layer by layer" if lc.depth is None else f"by name, {lc.depth} part{'s' if lc.depth > 1 else ''} deep"
    lines = [f"## Comparison {title}: {' vs '.join(md_text(n) for n in names)}", "", md_text(legend(lc)), ""]
    header = ["Layer"] + [f"{t} output" for t in tags] + [f"{t} params" for t in tags] \
        + [f"{t} MACs" for t in tags] + [""]
    rows = []
    for row in lc.rows:
        outs = ["—" if c is None else f"{fmt.shape(c.output_shape)}" for c in row.cells]
        cells = [md_code(row.name)] + outs
        for field in ("params", "macs"):
            values = row.values(field)
            present = [v for v in values if v is not None]
            low = min(present) if len(set(present)) > 1 else None
            cells += ["—" if v is None else document.bold(fmt.count(v), v == low) for v in values]
        cells.append(layer_note(row, tags))
        rows.append(cells)
    t = lc.totals
    total = [document.bold("total")] + [fmt.shape(s) for s in t.output_shapes]
    for key in ("params", "macs"):
        row = t.metric(key)
        total += [document.bold(fmt.count(v), i in row.smallest) for i, v in enumerate(row.values)]
    rows.append(total + [""])
    align = "l" + "l" * len(names) + "r" * (2 * len(names)) + "l"
    lines += document.md_table(header, align, rows)
    lines += ["", "_— : no layer of that name in the spec. Smallest value in bold._", ""]
    return "\n".join(lines)


# ----------------------------------------------------------------------------- CSV

def compare_csv(comparison: TotalComparison) -> str:
    """Long form: one row per metric and spec; value, delta, percent and ratio are numbers only. delta is
    exact; percent (one decimal) and ratio (three significant digits) are rounded for display, ASCII, empty
    for the first spec or a zero base. Each spec's output shape and receptive field are columns of its rows."""
    from cnncalc.render.columns import BY_NAME

    field = BY_NAME["receptive_field"]        # its cells and headers as in analyze's CSV (receptive_field.size, ...)
    rows = []
    specs = list(zip(comparison.names, comparison.sources, comparison.output_shapes, comparison.output_rfs))
    for row in comparison.metrics:
        for (name, source, shape, rf), value, c in zip(specs, row.values, row.changes):
            about = (shown(name), source, fmt.axes(shape), *field.csv(rf))
            if c is None:
                rows.append((row.metric.key,) + about + (value, "", "", ""))
                continue
            percent = "" if c.relative is None else fmt.percent(c.relative, ascii=True).rstrip("%")
            ratio = "" if c.ratio is None else fmt.significant(c.ratio).replace(",", "")
            rows.append((row.metric.key,) + about + (value, c.delta, percent, ratio))
    return document.csv_text(("metric", "spec", "source", "output_shape", *field.headers,
                              "value", "delta", "percent", "ratio"), rows)


def layers_csv(lc: LayerComparison) -> str:
    """One row per aligned layer and spec; present=0 (and empty figures) where the spec lacks the layer."""
    rows = []
    for row in lc.rows:
        for name, source, cell in zip(lc.names, lc.sources, row.cells):
            if cell is None:
                rows.append((shown(row.name), shown(name), source, 0, "", "", "") + ("",) * len(LAYER_FIELDS))
            else:
                rows.append((shown(row.name), shown(name), source, 1, cell.label, cell.layers,
                             fmt.axes(cell.output_shape))
                            + tuple(getattr(cell, f) for f in LAYER_FIELDS))
    return document.csv_text(("layer", "spec", "source", "present", "label", "layers", "output_shape")
                             + LAYER_FIELDS, rows)
