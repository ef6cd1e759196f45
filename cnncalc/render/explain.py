"""`cnncalc explain SPEC LAYER`: how each figure of one layer is computed, with the numbers in, as a student
would check it by hand: the output-size formula per axis, the parameters (11·11·3·96 + 96 = 34,944), the
MACs and FLOPs, and the receptive-field step from the layer's input. Every figure shown is the analysis's;
the worked formulas are written for convolutions, pooling windows and dense layers, and their results are
checked against the analysis before they are shown."""

from __future__ import annotations

from cnncalc.analysis import Analysis
from cnncalc.record import replace
from cnncalc.render import fmt
from cnncalc.render.text import shown
from cnncalc.shapes import product

AXES = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}


def _times(values) -> str:
    return "·".join(str(v) for v in values)


def _geometry_lines(layer, shape, row) -> list[str]:
    """The output size and receptive-field step of a sliding window, per axis, with the numbers in."""
    geometry = getattr(layer, "geometry", None)
    if geometry is None or len(shape) < 2:
        return []
    try:
        geo = geometry(tuple(shape))
    except Exception:               # the analysis succeeded, so this only guards a layer's own geometry()
        return []
    names = AXES.get(len(geo.output), tuple(f"axis {i}" for i in range(len(geo.output))))
    lines = ["Output size per axis: floor((n + pad_before + pad_after - span) / stride) + 1, "
             "span = dilation·(kernel - 1) + 1"]
    for name, n, k, d, span, s, (before, after), out in zip(names, shape[1:], geo.kernel, geo.dilation, geo.span,
                                                            geo.stride, geo.padding, geo.output):
        span_text = f"{d}·({k} - 1) + 1 = {span}" if d != 1 else f"{span}"
        computed = (n + before + after - span) // s + 1
        note = "" if computed == out else f" (rounded up: ceil_mode, {out})"
        lines.append(f"  {name}: span {span_text}; floor(({n} + {before} + {after} - {span}) / {s}) + 1 = "
                     f"{computed}{note}")
    return lines


def _rf_lines(geo, input_rf, row) -> list[str]:
    """The receptive-field step from the input's field, per axis: r' = r + (span - 1)·j, j' = j·stride,
    s' = s - pad_before·j, with the numbers in when the layer is a sliding window."""
    if not row.rf:
        return ["Receptive field: unknown here (see the analysis's warnings)"]
    lines = ["Receptive field per axis (size r, jump j, start s; from the input's field to this layer's):"]
    names = AXES.get(len(row.rf), tuple(f"axis {i}" for i in range(len(row.rf))))
    for i, (name, after) in enumerate(zip(names, row.rf)):
        before = input_rf[i] if input_rf and i < len(input_rf) else None
        if before is None or geo is None or len(geo.span) != len(row.rf):
            lines.append(f"  {name}: size {fmt.number(after.size)}, jump {fmt.number(after.stride)}, "
                         f"start {fmt.number(after.start)}")
            continue
        r, j, s = (fmt.number(v) for v in (before.size, before.stride, before.start))
        span, stride, pad = geo.span[i], geo.stride[i], geo.padding[i][0]
        lines.append(f"  {name}: r = {r} + ({span} - 1)·{j} = {fmt.number(after.size)}; "
                     f"j = {j}·{stride} = {fmt.number(after.stride)}; "
                     f"s = {s} - {pad}·{j} = {fmt.number(after.start)}")
    return lines


def _weight_lines(layer, shape, row) -> list[str]:
    """Parameters and MACs of a convolution or a dense layer, the numbers in; [] for other types."""
    out = row.output_shape[0]           # output channels (features), whatever argument gives them
    bias = out if getattr(layer, "bias", False) else 0
    worked = layer.worked_weights       # declared by the layer type (cnncalc/layers/base.py)
    if worked == "dense" and len(shape) == 1:
        weights = shape[0] * out
        lines = [f"Parameters: inputs · outputs{' + bias' if bias else ''} = {shape[0]}·{out}"
                 f"{f' + {bias}' if bias else ''} = {fmt.count(weights + bias)}",
                 f"MACs: inputs · outputs = {shape[0]}·{out} = {fmt.count(shape[0] * out)}"]
        return lines if weights + bias == row.params else []
    if worked == "sliding":
        try:
            geo = layer.geometry(tuple(shape))
        except Exception:
            return []
        groups = getattr(layer, "groups", 1)
        c_in = shape[0] // groups
        weights = product(geo.kernel) * c_in * out
        if weights + bias != row.params:
            return []
        per_group = f"{shape[0]}/{groups} = {c_in}" if groups != 1 else f"{c_in}"
        elements = out * product(geo.output)
        return [f"Parameters: kernel · (C_in / groups) · C_out{' + bias' if bias else ''} = "
                f"{_times(geo.kernel)}·{c_in}·{out}{f' + {bias}' if bias else ''} = {fmt.count(weights + bias)}"
                f"  (C_in / groups: {per_group})",
                f"MACs: output elements · kernel · (C_in / groups) = {_times((out,) + tuple(geo.output))}"
                f" · {_times(geo.kernel)}·{c_in} = {fmt.count(elements)}·{product(geo.kernel) * c_in} = "
                f"{fmt.count(elements * product(geo.kernel) * c_in)}"]
    return []


def explain_lines(report: Analysis, layer, row, input_shape, input_rf) -> list[str]:
    """The explanation of one analysed layer (``row``; ``layer`` its layer record)."""
    head = shown(f"{row.name}: {row.label}")
    inputs = ", ".join(shown(name) for name in row.inputs) or "(the network input)"
    reads = f"{inputs}: {fmt.shape(input_shape) if input_shape is not None else '-'}"
    shapes = {r.name: r.output_shape for r in report.rows if r.name in row.inputs}
    if len(set(shapes.values())) > 1:       # a concat, or a broadcasting add or mul: each input's own shape
        reads = ", ".join(f"{shown(name)} {fmt.shape(shapes[name])}" for name in row.inputs)
    lines = [head, f"Reads {reads}; outputs {fmt.shape(row.output_shape)}", ""]
    geo, worked = None, []
    if input_shape is not None:
        lines += _geometry_lines(layer, input_shape, row)
        owner = next((r for r in report.rows if r.name == row.shares), row) if row.shares else row
        worked = _weight_lines(layer, input_shape, replace(row, params=owner.params))
        if worked and row.shares:       # tied weights: the formula is the owner's; counted once, there
            worked[0] += f"; those of '{row.shares}', counted there: 0 here"
        if getattr(layer, "geometry", None) is not None and len(input_shape) >= 2:
            try:
                geo = layer.geometry(tuple(input_shape))
            except Exception:           # the analysis succeeded; this only guards a layer's own geometry()
                geo = None
    if worked:
        lines += worked
    else:
        lines += [f"Parameters: {fmt.count(row.params)} (trainable {fmt.count(row.trainable_params)}); "
                  f"state {fmt.count(row.state)}" + (f" (it shares the weights of '{row.shares}', counted there)"
                                                     if row.shares else ""), f"MACs: {fmt.count(row.macs)}"]
    rule = getattr(type(layer), "flops_rule", None)
    lines.append(f"FLOPs: {fmt.count(row.flops)}" + (f" = {rule}" if rule else ""))
    lines.append(f"Activations: {fmt.count(product(row.output_shape))} elements ({_times(row.output_shape)})")
    lines += _rf_lines(geo, input_rf, row)
    lines += ["", "Conventions: docs/conventions.md."]
    return lines
