"""Compare analysed networks: totals side by side with exact changes against the first, and layers aligned
by name. Pure data: frozen results, exact ints and Fractions, no printing (renderers live in cnncalc/render/).
"""

from __future__ import annotations

import bisect
from fractions import Fraction
from typing import Optional, Sequence

from cnncalc.analysis import Analysis
from cnncalc.metrics import METRICS, Figures, Metric
from cnncalc.record import record


@record
class Change:
    """A value against the base (the first spec's value)."""
    base: int
    value: int

    @property
    def delta(self) -> int:
        return self.value - self.base

    @property
    def ratio(self) -> Optional[Fraction]:
        """value / base, exact; None when the base is 0."""
        return Fraction(self.value, self.base) if self.base else None

    @property
    def relative(self) -> Optional[Fraction]:
        """(value − base) / base, exact (−3/7 is −42.857…%); None when the base is 0."""
        return Fraction(self.delta, self.base) if self.base else None


def smallest(values: Sequence[int]) -> tuple:
    """Indices of the smallest value; empty when every value is the same (nothing to highlight)."""
    if len(set(values)) <= 1:
        return ()
    low = min(values)
    return tuple(i for i, v in enumerate(values) if v == low)


@record
class MetricRow:
    metric: Metric
    values: tuple                     # one exact int per spec

    @property
    def changes(self) -> tuple:
        """None for the first spec, then a Change against it for each other spec."""
        return (None,) + tuple(Change(self.values[0], v) for v in self.values[1:])

    @property
    def smallest(self) -> tuple:
        return smallest(self.values)


@record
class TotalComparison:
    names: tuple                      # display names, unique
    sources: tuple
    dtype: str
    batch: int
    metrics: tuple                    # MetricRow, in metrics.METRICS order
    output_shapes: tuple              # one shape tuple per spec
    output_rfs: tuple                 # one rf tuple (AxisRF per axis) per spec

    def metric(self, key: str) -> MetricRow:
        """The row of one figure; KeyError when it is not compared."""
        for row in self.metrics:
            if row.metric.key == key:
                return row
        raise KeyError(key)

    @property
    def same_output_shape(self) -> bool:
        return len(set(self.output_shapes)) == 1

    @property
    def same_output_rf(self) -> bool:
        return len({_rf_key(rf) for rf in self.output_rfs}) == 1


def _rf_key(rf) -> tuple:
    return tuple((a.size, a.stride, a.start) for a in rf)


def unique_names(reports: Sequence[Analysis]) -> tuple:
    """The networks' names; where two share a name, their source is added; where that is shared too, '#n'."""
    names = [r.name for r in reports]
    out = []
    for i, r in enumerate(reports):
        name = r.name
        if names.count(name) > 1:
            name = f"{r.name} ({r.source})"
            if sum(1 for s in reports if s.name == r.name and s.source == r.source) > 1:
                name += f" #{i + 1}"
        out.append(name)
    return tuple(out)


def compare(reports: Sequence[Analysis], figures: Optional[Sequence[Figures]] = None) -> TotalComparison:
    """``figures``: each report's Figures (peak, training memory, latency as asked); a metric not computed
    for every spec (no --device, no --training) is left out."""
    if not reports:
        raise ValueError("compare needs a report")
    every = figures if figures is not None else [Figures(r) for r in reports]
    rows = (MetricRow(m, tuple(m.get(f) for f in every)) for m in METRICS)
    return TotalComparison(
        names=unique_names(reports),
        sources=tuple(r.source for r in reports),
        dtype=reports[0].memory.dtype,
        batch=reports[0].memory.batch,
        metrics=tuple(row for row in rows if None not in row.values),
        output_shapes=tuple(tuple(r.output_shape) for r in reports),
        output_rfs=tuple(tuple(r.output_rf) for r in reports),
    )


def pareto(values: Sequence[Sequence[int]]) -> tuple:
    """The indices of the Pareto-optimal points (every figure smaller is better): a point is left out when
    another is at most as large in every figure and smaller in one. Equal points are all kept. In the order
    given. Sorted lexicographically first, a point can be dominated only by one before it, and only by one
    on the front so far (domination is transitive), so each is compared with the front alone."""
    order = sorted(range(len(values)), key=lambda i: tuple(values[i]))
    front: list = []
    for i in order:
        point = tuple(values[i])
        if not any(all(a <= b for a, b in zip(values[j], point)) and tuple(values[j]) != point for j in front):
            front.append(i)
    return tuple(sorted(front))


def pareto_keys(text: str) -> tuple:
    """The figures of ``--pareto KEY,KEY:max,...``: (metric key, True when larger is better) for each, a
    key being a metric's (params, macs, peak_memory, …), smaller better unless it ends in ``:max``;
    ValueError naming the keys for an unknown or repeated one."""
    from cnncalc.errors import did_you_mean
    known = [m.key for m in METRICS]
    out = []
    for item in text.split(","):
        key, _, sense = item.strip().partition(":")
        if key not in known:
            raise ValueError(f"unknown figure '{key}'{did_you_mean(key, known)}; one of {', '.join(known)}")
        if sense not in ("", "min", "max"):
            raise ValueError(f"'{item.strip()}': a figure is KEY, KEY:min or KEY:max (larger is better)")
        out.append((key, sense == "max"))
    if len({key for key, _ in out}) != len(out):
        raise ValueError(f"'{text}' names a figure twice")
    return tuple(out)


def pareto_figures(figures: Sequence[Figures], keys: Sequence[tuple]) -> tuple:
    """The indices of ``figures`` on the Pareto front of ``keys`` (from :func:`pareto_keys`); ValueError when
    a figure is not computed (latency without a device, training memory without training, arena without
    a planner)."""
    from cnncalc.metrics import BY_KEY
    rows = []
    for f in figures:
        row = []
        for key, larger in keys:
            value = BY_KEY[key].get(f)
            if value is None:
                need = BY_KEY[key].needs
                raise ValueError(f"'{key}' is not computed here (it needs --{need})")
            row.append(-value if larger else value)
        rows.append(tuple(row))
    return pareto(rows)


# ----------------------------------------------------------------------------- layer by layer

LAYER_FIELDS = ("params", "macs", "flops", "activation_elements")


@record
class Cell:
    """One layer, or the layers of a group (names cut to --depth parts), of one spec."""
    label: str                        # the layer's label ('conv 3×3'), or 'n layers' for a group
    layers: int
    output_shape: tuple               # of the group's last layer (a block's output)
    params: int
    macs: int
    flops: int
    activation_elements: int

    def key(self) -> tuple:
        return (self.label, self.output_shape, self.params, self.macs, self.flops, self.activation_elements)


@record
class LayerRow:
    name: str
    cells: tuple                      # Cell, or None where the spec has no layer of that name

    @property
    def present(self) -> tuple:
        return tuple(c is not None for c in self.cells)

    @property
    def same(self) -> bool:
        """Present in every spec with identical figures."""
        return all(self.present) and len({c.key() for c in self.cells}) == 1

    def values(self, field: str) -> tuple:
        """The field per spec; None where the layer is absent."""
        return tuple(None if c is None else getattr(c, field) for c in self.cells)


@record
class LayerComparison:
    names: tuple
    sources: tuple
    depth: Optional[int]
    rows: tuple                       # LayerRow, in merged order
    totals: TotalComparison


def group_name(name: str, depth: Optional[int]) -> str:
    """'mixed.conv3x3.reduce_then1.conv' at depth 2 → 'mixed.conv3x3'; depth None keeps the full name."""
    if depth is None:
        return name
    return ".".join(name.split(".")[:depth])


def _cells(report: Analysis, depth: Optional[int]) -> dict:
    groups: dict[str, list] = {}
    for row in report.rows:
        groups.setdefault(group_name(row.name, depth), []).append(row)
    cells = {}
    for name, rows in groups.items():
        cells[name] = Cell(
            label=rows[0].label if len(rows) == 1 else f"{len(rows)} layers",
            layers=len(rows),
            output_shape=tuple(rows[-1].output_shape),
            params=sum(r.params for r in rows),
            macs=sum(r.macs for r in rows),
            flops=sum(r.flops for r in rows),
            activation_elements=sum(r.activation_elements for r in rows),
        )
    return cells


def merge_order(lists: Sequence[Sequence[str]]) -> list:
    """The union of several name orders, aligned on the names they share (their longest common
    subsequence). Between two shared names, the names found in only one list are grouped by their dotted
    prefixes (mixed.conv3x3.* together), so a layer replaced in a variant sits beside its replacement."""
    order = list(dict.fromkeys(lists[0]))
    for names in lists[1:]:
        names = list(dict.fromkeys(names))
        placed = set(order)
        merged, i, j = [], 0, 0
        for a, b in _common_subsequence(order, names) + [(len(order), len(names))]:
            merged += _grouped(order[i:a] + [n for n in names[j:b] if n not in placed])
            merged += order[a:a + 1]
            i, j = a + 1, b + 1
        order = merged
    return order


def _common_subsequence(first: list, second: list) -> list:
    """A longest common subsequence of two lists of unique names, as (index in first, index in second)
    pairs in increasing order. With unique names it is a longest increasing subsequence of the positions in
    ``first`` of the shared names, taken in ``second``'s order: O(n log n) (patience sorting), where a
    general sequence matcher is quadratic on specs of thousands of layers."""
    where = {name: index for index, name in enumerate(first)}
    pairs = [(where[name], j) for j, name in enumerate(second) if name in where]
    tails: list = []          # tails[k]: index in pairs of the smallest end of an increasing run of length k+1
    tail_values: list = []    # first-list positions of those ends, increasing (for bisect)
    previous = [-1] * len(pairs)
    for p, (a, _) in enumerate(pairs):
        k = bisect.bisect_left(tail_values, a)
        previous[p] = tails[k - 1] if k else -1
        if k == len(tails):
            tails.append(p)
            tail_values.append(a)
        else:
            tails[k] = p
            tail_values[k] = a
    out = []
    p = tails[-1] if tails else -1
    while p != -1:
        out.append(pairs[p])
        p = previous[p]
    return out[::-1]


def _grouped(names: list) -> list:
    """Stable grouping by dotted prefix: each prefix ranks by its first appearance in the list."""
    first: dict = {}
    for index, name in enumerate(names):
        parts = name.split(".")
        for k in range(1, len(parts) + 1):
            first.setdefault(".".join(parts[:k]), index)

    def key(item):
        index, name = item
        parts = name.split(".")
        return tuple(first[".".join(parts[:k])] for k in range(1, len(parts) + 1)) + (index,)
    return [name for _, name in sorted(enumerate(names), key=key)]


def compare_layers(reports: Sequence[Analysis], depth: Optional[int] = None,
                   figures: Optional[Sequence[Figures]] = None) -> LayerComparison:
    if depth is not None and depth < 1:
        raise ValueError("depth must be at least 1")
    totals = compare(reports, figures)
    per_spec = [_cells(r, depth) for r in reports]
    order = merge_order([list(cells) for cells in per_spec])
    rows = tuple(LayerRow(name, tuple(cells.get(name) for cells in per_spec)) for name in order)
    return LayerComparison(names=totals.names, sources=totals.sources, depth=depth, rows=rows, totals=totals)
