"""`analyze --depth N`: a report with every block deeper than N parts of the layer names folded into one row
(torchinfo's ``depth``, fvcore's ``max_depth``). Totals, memory and warnings stay those of the whole network."""

from __future__ import annotations

from cnncalc.analysis import Analysis, Row
from cnncalc.record import replace

SUMMED = ("params", "trainable_params", "state", "macs", "flops", "activation_elements")


def prefix(name: str, depth: int) -> str:
    """The first ``depth`` dot-separated parts of a layer's name: 'layer2.0.conv1' at depth 1 is 'layer2'."""
    return ".".join(name.split(".")[:depth])


def fold(report: Analysis, depth: int) -> Analysis:
    """One row per name prefix of ``depth`` parts, in the order of their first layer. A folded row is named by
    the prefix, typed 'block', labelled with its layer count; its figures are the sums of its layers, its
    output shape and receptive field those of its last layer (the block's output); its inputs are the
    (folded) rows outside it that it reads."""
    groups: dict[str, list[Row]] = {}
    for row in report.rows:
        groups.setdefault(prefix(row.name, depth), []).append(row)
    rows = []
    for name, members in groups.items():
        if len(members) == 1 and members[0].name == name:
            row = members[0]
            rows.append(replace(row, inputs=tuple(dict.fromkeys(prefix(i, depth) for i in row.inputs))))
            continue
        inside = {m.name for m in members}
        inputs = tuple(dict.fromkeys(prefix(i, depth) for m in members for i in m.inputs if i not in inside))
        last = members[-1]
        sums = {key: sum(getattr(m, key) for m in members) for key in SUMMED}
        rows.append(Row(name=name, type="block", label=f"block ({len(members)} layers)", inputs=inputs,
                        output_shape=last.output_shape, rf=last.rf, **sums))
    return replace(report, rows=tuple(rows))
