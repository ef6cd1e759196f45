"""`cnncalc explain SPEC LAYER`: how each figure of one layer is computed, with the numbers in, as a student
would check it by hand: the output-size formula per axis, the parameters (11·11·3·96 + 96 = 34,944), the
MACs and FLOPs, and the receptive-field step from the layer's input. Every figure shown is the analysis's.

The layer type works its own figures out (``Layer.worked``, cnncalc/layers/base.py) and its windows say their
own output sizes (``geometry(shape).worked_sizes``); this module only renders them. A worked figure that
disagrees with the layer's own count is a bug, and stops explain (:class:`WorkedDisagrees`, an internal
error), never shown and never silently left out."""

from __future__ import annotations

from cnncalc.analysis import Analysis
from cnncalc.layers.base import Worked, times
from cnncalc.render import fmt
from cnncalc.render.text import shown
from cnncalc.shapes import product

AXES = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}
LABELS = {"params": "Parameters", "state": "State", "macs": "MACs", "flops": "FLOPs"}


class WorkedDisagrees(RuntimeError):
    """A layer type's worked figure differs from its own count (a bug in the layer module)."""


def worked_figures(layer, inputs) -> tuple[Worked, ...]:
    """``layer.worked(inputs, facts)``, each figure checked against the layer's own count of it."""
    inputs = [tuple(shape) for shape in inputs]
    facts = layer.infer(inputs)
    worked = tuple(layer.worked(inputs, facts))
    for item in worked:
        if item.figure not in LABELS:
            raise WorkedDisagrees(f"{layer.type_name}: a worked figure names '{item.figure}'; the figures are "
                                  f"{', '.join(LABELS)}")
        if item.value != getattr(facts, item.figure):
            raise WorkedDisagrees(f"{layer.type_name}: the worked {item.figure} {item.formula} = {item.numbers} = "
                                  f"{item.value} disagrees with its count {getattr(facts, item.figure)} for inputs "
                                  f"{[list(shape) for shape in inputs]}")
    return worked


def worked_line(item: Worked) -> str:
    return (f"{LABELS[item.figure]}: {item.formula} = {item.numbers} = {fmt.count(item.value)}"
            + (f"  {item.note}" if item.note else ""))


def _axis_names(count: int) -> tuple:
    return AXES.get(count, tuple(f"axis {i}" for i in range(count)))


def geometry_of(layer, shape):
    """The windows of a windowed layer on ``shape`` (their own geometry object), or None."""
    if getattr(layer, "geometry", None) is None or shape is None or len(shape) < 2:
        return None
    return layer.geometry(tuple(shape))


def _rf_lines(geo, input_rf, row) -> list[str]:
    """The receptive-field step from the input's field, per axis: r' = r + (span - 1)·j, j' = j·stride,
    s' = s + offset·j (the window's own step, exact fractions for a transposed convolution), with the
    numbers in when the layer has windows and neither field is clamped at the input's edges."""
    if not row.rf:
        return ["Receptive field: unknown here (see the analysis's warnings)"]
    lines = ["Receptive field per axis (size r, jump j, start s; from the input's field to this layer's):"]
    step = geo.rf_step if geo is not None else None
    for i, (name, after) in enumerate(zip(_axis_names(len(row.rf)), row.rf)):
        before = input_rf[i] if input_rf and i < len(input_rf) else None
        if (before is None or step is None or len(step.spans) != len(row.rf) or not before.known
                or before.hull is not None or after.hull is not None):
            lines.append(f"  {name}: size {fmt.number(after.size)}, jump {fmt.number(after.stride)}, "
                         f"start {fmt.number(after.start)}")
            continue
        span, stride, offset = step.spans[i], step.strides[i], step.offsets[i]
        expected = (before.size + (span - 1) * before.stride, before.stride * stride,
                    before.start + offset * before.stride)
        if expected != (after.size, after.stride, after.start):
            raise WorkedDisagrees(f"{row.name}: the worked receptive field {expected} disagrees with the "
                                  f"analysis's {(after.size, after.stride, after.start)} on axis {name}")
        r, j, s = (fmt.number(v) for v in (before.size, before.stride, before.start))
        sign, amount = ("-", -offset) if offset <= 0 else ("+", offset)
        lines.append(f"  {name}: r = {r} + ({fmt.number(span)} - 1)·{j} = {fmt.number(after.size)}; "
                     f"j = {j}·{fmt.number(stride)} = {fmt.number(after.stride)}; "
                     f"s = {s} {sign} {fmt.number(amount)}·{j} = {fmt.number(after.start)}")
    return lines


def explain_lines(report: Analysis, layer, row, input_shape, input_rf) -> list[str]:
    """The explanation of one analysed layer (``row``; ``layer`` its layer record)."""
    head = shown(f"{row.name}: {row.label}")
    inputs = ", ".join(shown(name) for name in row.inputs) or "(the network input)"
    reads = f"{inputs}: {fmt.shape(input_shape) if input_shape is not None else '-'}"
    shapes = {r.name: r.output_shape for r in report.rows if r.name in row.inputs}
    if len(set(shapes.values())) > 1:       # a concat, or a broadcasting add or mul: each input's own shape
        reads = ", ".join(f"{shown(name)} {fmt.shape(shapes[name])}" for name in row.inputs)
    lines = [head, f"Reads {reads}; outputs {fmt.shape(row.output_shape)}", ""]
    geo = geometry_of(layer, input_shape)
    if geo is not None:
        lines += geo.worked_sizes(tuple(input_shape[1:]), _axis_names(len(geo.output)))
    worked = [worked_line(item) for item in worked_figures(layer, [shapes[name] for name in row.inputs])] \
        if row.inputs else []
    if worked and row.shares:       # tied weights: the formula is the owner's; counted once, there
        worked[0] += f"; those of '{row.shares}', counted there: 0 here"
    if worked:
        lines += worked
    else:
        lines += [f"Parameters: {fmt.count(row.params)} (trainable {fmt.count(row.trainable_params)}); "
                  f"state {fmt.count(row.state)}" + (f" (it shares the weights of '{row.shares}', counted there)"
                                                     if row.shares else ""), f"MACs: {fmt.count(row.macs)}"]
    rule = getattr(type(layer), "flops_rule", None)
    lines.append(f"FLOPs: {fmt.count(row.flops)}" + (f" = {rule}" if rule else ""))
    lines.append(f"Activations: {fmt.count(product(row.output_shape))} elements ({times(row.output_shape)})")
    lines += _rf_lines(geo, input_rf, row)
    lines += ["", "Conventions: docs/conventions.md."]
    return lines
