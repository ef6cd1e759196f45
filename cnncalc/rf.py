"""Receptive fields, per spatial axis of the network input (Araujo et al., Distill 2019).

For one axis, a node's field is three exact numbers, in units of network-input positions:

* ``size``:   how many input positions one output unit sees (its span);
* ``stride``: the effective stride (jump) between neighbouring output units;
* ``start``:  the input coordinate where output unit 0's field begins (negative: it reaches into padding).

plus ``extent``, how many positions the node has along that axis (kept even after ``flatten`` so that a
following dense layer knows what "the whole input" is). Every layer reduces to one affine step
(:func:`step`); merges take the union (:func:`union`). Values are ints, or ``Fraction`` where a transposed
convolution or an upsampling makes them fractional, never floats. ``None`` means unknown: the paths into a
merge disagreed in stride and the tool refuses to guess.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Optional, Sequence, Union

from cnncalc.record import record

Number = Union[int, Fraction]


def exact(value):
    """A Fraction with denominator 1 becomes an int; anything else is returned unchanged."""
    if isinstance(value, Fraction) and value.denominator == 1:
        return int(value)
    return value


@record(slots=True)
class AxisRF:
    size: Optional[Number]
    stride: Optional[Number]
    start: Optional[Number]
    extent: int

    @property
    def known(self) -> bool:
        return self.size is not None and self.stride is not None and self.start is not None

    @property
    def end(self):
        """One past the last input coordinate unit 0 sees."""
        if self.start is None or self.size is None:
            return None
        return self.start + self.size


RF = tuple  # tuple[AxisRF, ...], one per spatial axis of the network input


def identity(extents: Sequence[int]) -> RF:
    """The network input: every unit sees itself."""
    return tuple(AxisRF(1, 1, 0, n) for n in extents)


def step(rf: AxisRF, span: Number, stride: Number, offset: Number, extent: int) -> AxisRF:
    """Compose one layer whose output unit 0 sees its input positions ``offset .. offset+span−1``
    and whose output units are ``stride`` input positions apart.

    A convolution or pooling window: span = d·(k−1)+1, stride = s, offset = −pad_before.
    """
    if span == 1 and stride == 1 and offset == 0 and extent == rf.extent:
        return rf                 # a 1×1 window that keeps the size: the same field (records are frozen)
    size, jump, start = rf.size, rf.stride, rf.start
    if size is None or jump is None or start is None:
        return AxisRF(None, None, None, extent)
    return AxisRF(exact(size + (span - 1) * jump), exact(jump * stride), exact(start + offset * jump), extent)


def whole(rf: RF) -> RF:
    """A layer that sees every position (dense, global pooling): one window over the whole extent."""
    return tuple(step(a, a.extent, a.extent, 0, 1) for a in rf)


def with_extents(rf: RF, extents: Sequence[int]) -> RF:
    """The same fields, at a node with a different number of positions (elementwise layers keep them)."""
    if all(a.extent == n for a, n in zip(rf, extents)):
        return rf                 # the same fields and sizes: shared, not copied (records are frozen)
    return tuple(AxisRF(a.size, a.stride, a.start, n) for a, n in zip(rf, extents))


def union(rfs: Sequence[RF]) -> tuple[RF, list[int]]:
    """The union of the fields of several inputs of a merge.

    Returns the merged field and the axes (0-based) on which the inputs' strides disagree; on those axes
    the result is unknown (None), never guessed. An input broadcast along an axis (one position where the
    others have more, as a squeeze-and-excitation gate [C, 1, 1]), or one whose units all see one field
    (stride 0), adds the same field to every output unit: see :func:`_with_constant`.
    """
    first = rfs[0]
    merged, disagree = [], []
    for axis, items in enumerate(zip(*rfs)):
        extent = max(a.extent for a in items)
        if not all(a.known for a in items):
            merged.append(AxisRF(None, None, None, extent))
            continue
        if all(a.extent == 1 for a in items):
            # one position each (after global pooling or a dense layer): no neighbours, so no stride to
            # agree on; the merged field reports the largest
            start = min(a.start for a in items)
            end = max(a.end for a in items)
            merged.append(AxisRF(exact(end - start), max(a.stride for a in items), start, 1))
            continue
        constant = [a for a in items if a.extent == 1 or a.stride == 0]
        varying = [a for a in items if not (a.extent == 1 or a.stride == 0)]
        if len({a.stride for a in varying}) > 1:
            disagree.append(axis)
            merged.append(AxisRF(None, None, None, extent))
            continue
        if not varying:
            merged.append(AxisRF(exact(max(a.end for a in items) - min(a.start for a in items)), 0,
                                 min(a.start for a in items), extent))
            continue
        start = min(a.start for a in varying)
        end = max(a.end for a in varying)
        field = AxisRF(exact(end - start), varying[0].stride, start, extent)
        if constant:
            field = _with_constant(field, min(a.start for a in constant), max(a.end for a in constant))
            if field.size is None:
                disagree.append(axis)
        merged.append(field)
    return tuple(merged), disagree


def _with_constant(field: AxisRF, start: Number, end: Number) -> AxisRF:
    """``field`` (known: unit u sees its start + u·stride .. end + u·stride) joined with inputs that give
    every unit the same field, start .. end. When theirs contains every unit's own (a gate pooled from the
    same features), every unit sees exactly that one field: stride 0. Otherwise units' fields do not move
    in steps of one stride and the field is unknown."""
    assert field.start is not None and field.end is not None and field.stride is not None
    last = field.extent - 1
    if start <= field.start and end >= field.end + last * field.stride:
        return AxisRF(exact(end - start), 0, start, field.extent)
    return AxisRF(None, None, None, field.extent)
