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

**Clamped fields.** A resizing layer (upsample, adaptive pooling) reads only positions of its input that
exist: PyTorch clamps its source indices into [0, n−1]. From there on a field is the uniform *hull*
``hull_start + o·stride .. + hull_size`` **intersected with** ``bounds`` = [low, high), the union of the
fields of the positions the resizing layer reads (docs/conventions.md, "Receptive fields of resizing").
Then ``size`` is the largest field any unit has and ``start`` unit 0's (both after the clamp), and ``hull``
keeps what composition needs. ``exact`` says whether every unit's field is the model's exactly (integer
windows; a clamped layer all of whose units see the whole of ``bounds``) or only contains it (an envelope:
a fractional window elsewhere); verify compares exactly only the former.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Optional, Sequence, Union

from cnncalc.record import record

Number = Union[int, Fraction]


def exact(value):
    """A Fraction with denominator 1 becomes an int; anything else is returned unchanged."""
    if type(value) is int:              # most values; isinstance against an ABC (Fraction) is slow
        return value
    if isinstance(value, Fraction) and value.denominator == 1:
        return int(value)
    return value


@record(slots=True)
class AxisRF:
    size: Optional[Number]
    stride: Optional[Number]
    start: Optional[Number]
    extent: int
    hull: Optional[tuple] = None      # (hull size, hull start, low, high) of a clamped field, else None
    exact: bool = True                # every unit's field is the model's (not only inside it)

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


def _hull(rf: AxisRF) -> tuple:
    """(size, start) of the uniform window composition works on."""
    return (rf.hull[0], rf.hull[1]) if rf.hull is not None else (rf.size, rf.start)


def coverage(rf: AxisRF, first: int = 0, last: Optional[int] = None) -> tuple:
    """[low, high): the union of the fields of units ``first`` .. ``last`` (by default all of them)."""
    size, start = _hull(rf)
    jump = rf.stride
    assert size is not None and start is not None and jump is not None     # only known fields have units
    last = rf.extent - 1 if last is None else last
    low, high = start + first * jump, start + last * jump + size
    if rf.hull is not None:
        low, high = max(low, rf.hull[2]), min(high, rf.hull[3])
    return exact(low), exact(high)


def unit(rf: AxisRF, o: int) -> tuple:
    """[low, high): unit ``o``'s field in network-input coordinates."""
    return coverage(rf, o, o)


def _largest(size, stride, start, extent: int, low, high):
    """The largest |[start + o·stride, start + o·stride + size) ∩ [low, high)| over o in 0 .. extent−1.

    The length is a trapezoid in x = start + o·stride (rising, flat for x between low and high − size in
    either order, falling), so the largest is at a unit nearest the flat part, or at an end."""
    def length(o):
        x = start + o * stride
        return max(0, min(high, x + size) - max(low, x))
    candidates = {0, extent - 1}
    if stride:
        for edge in (min(low, high - size), max(low, high - size)):
            point = Fraction(edge - start) / stride
            candidates.update((math.floor(point), math.ceil(point)))
    return max(length(min(max(o, 0), extent - 1)) for o in candidates)


def _clamped(size, stride, start, extent: int, low, high, is_exact: bool) -> AxisRF:
    """The field of hull (size, stride, start) intersected with [low, high); a plain field when the bounds
    bind no unit."""
    if low <= start and start + (extent - 1) * stride + size <= high:
        return AxisRF(exact(size), exact(stride), exact(start), extent, None, is_exact)
    reported = exact(_largest(size, stride, start, extent, low, high))
    return AxisRF(reported, exact(stride), exact(max(low, start)), extent,
                  (exact(size), exact(start), exact(low), exact(high)), is_exact)


def saturated(size, stride, start, extent: int, low, high) -> bool:
    """Every unit's hull covers all of [low, high): every unit's field is [low, high)."""
    return start + (extent - 1) * stride <= low and start + size >= high


def step(rf: AxisRF, span: Number, stride: Number, offset: Number, extent: int,
         reads: Optional[tuple] = None) -> AxisRF:
    """Compose one layer whose output unit 0 sees its input positions ``offset .. offset+span−1``
    and whose output units are ``stride`` input positions apart.

    A convolution or pooling window: span = d·(k−1)+1, stride = s, offset = −pad_before.
    ``reads`` = (first, last): the layer clamps its reads into its input (resizing), unit 0 reading from
    input position ``first`` and the last unit up to ``last``; the field is then bounded by their fields.
    """
    if span == 1 and stride == 1 and offset == 0 and extent == rf.extent and reads is None:
        return rf                 # a 1×1 window that keeps the size: the same field (records are frozen)
    if not rf.known:
        return AxisRF(None, None, None, extent)
    jump = rf.stride
    assert jump is not None
    size, start = _hull(rf)
    new_size, new_jump, new_start = size + (span - 1) * jump, jump * stride, start + offset * jump
    whole_window = type(span) is int and type(stride) is int and type(offset) is int or \
        not any(isinstance(v, Fraction) and v.denominator != 1 for v in (span, stride, offset))
    if reads is not None:
        low, high = coverage(rf, *reads)
        is_exact = rf.exact and (whole_window or saturated(new_size, new_jump, new_start, extent, low, high))
        return _clamped(new_size, new_jump, new_start, extent, low, high, is_exact)
    if rf.hull is not None:
        return _clamped(new_size, new_jump, new_start, extent, rf.hull[2], rf.hull[3], rf.exact and whole_window)
    return AxisRF(exact(new_size), exact(new_jump), exact(new_start), extent, None, rf.exact and whole_window)


def whole(rf: RF) -> RF:
    """A layer that sees every position (dense, global pooling): one window over the whole extent."""
    return tuple(step(a, a.extent, a.extent, 0, 1) for a in rf)


def with_extents(rf: RF, extents: Sequence[int]) -> RF:
    """The same fields, at a node with a different number of positions (elementwise layers keep them)."""
    if all(a.extent == n for a, n in zip(rf, extents)):
        return rf                 # the same fields and sizes: shared, not copied (records are frozen)
    out = []
    for a, n in zip(rf, extents):
        if a.hull is not None and a.known:
            out.append(_clamped(a.hull[0], a.stride, a.hull[1], n, a.hull[2], a.hull[3], a.exact))
        else:
            out.append(AxisRF(a.size, a.stride, a.start, n, None, a.exact))
    return tuple(out)


def union(rfs: Sequence[RF]) -> tuple[RF, list[int]]:
    """The union of the fields of several inputs of a merge (their shapes equal, or broadcasting).

    Returns the merged field and the axes (0-based) on which the inputs' strides disagree; on those axes
    the result is unknown (None), never guessed. An input whose units all see one field (one position, or
    stride 0: a broadcast gate) joins the others by :func:`_with_constant`.
    """
    merged, disagree = [], []
    for axis, items in enumerate(zip(*rfs)):
        extent = max(a.extent for a in items)
        if not all(a.known for a in items):
            merged.append(AxisRF(None, None, None, extent))
            continue
        is_exact = all(a.exact for a in items)
        if all(a.extent == 1 for a in items):
            # one position each (after global pooling or a dense layer): no neighbours, so no stride to
            # agree on; the merged field reports the largest (each one's start and size are its unit's)
            start = min(a.start for a in items)
            end = max(a.end for a in items)
            merged.append(AxisRF(exact(end - start), max(a.stride for a in items), start, 1, None, is_exact))
            continue
        constant = [a for a in items if a.extent == 1 or a.stride == 0]
        varying = [a for a in items if not (a.extent == 1 or a.stride == 0)]
        if len({a.stride for a in varying}) > 1:
            disagree.append(axis)
            merged.append(AxisRF(None, None, None, extent))
            continue
        if not varying:
            merged.append(AxisRF(exact(max(a.end for a in items) - min(a.start for a in items)), 0,
                                 min(a.start for a in items), extent, None, is_exact))
            continue
        field = _union_varying(varying, extent)
        if constant:
            field = _with_constant(field, min(a.start for a in constant), max(a.end for a in constant),
                                   is_exact)
            if field.size is None:
                disagree.append(axis)
        merged.append(field)
    return tuple(merged), disagree


def _union_varying(items: Sequence[AxisRF], extent: int) -> AxisRF:
    """The union of fields of one stride on one axis, clamped ones included."""
    stride = items[0].stride
    hulls = [_hull(a) for a in items]
    start = min(h for _, h in hulls)
    end = max(h + s for s, h in hulls)
    is_exact = all(a.exact for a in items)
    if any(a.hull is not None for a in items):
        covered = [coverage(a) for a in items]
        low, high = min(c[0] for c in covered), max(c[1] for c in covered)
        all_saturated = all(a.hull is not None and saturated(a.hull[0], a.stride, a.hull[1], a.extent,
                                                             a.hull[2], a.hull[3]) for a in items)
        return _clamped(end - start, stride, start, extent, low, high, is_exact and all_saturated)
    return AxisRF(exact(end - start), stride, start, extent, None, is_exact)


def _with_constant(field: AxisRF, start: Number, end: Number, is_exact: bool) -> AxisRF:
    """``field`` (known, its units moving by its stride) joined with inputs that give every unit the same
    field, start .. end. When theirs contains every unit's own (a gate pooled from the same features), every
    unit sees exactly that one field: stride 0. Otherwise units' fields do not move in steps of one stride
    and the field is unknown."""
    low, high = coverage(field)
    if start <= low and end >= high:
        return AxisRF(exact(end - start), 0, start, field.extent, None, is_exact)
    return AxisRF(None, None, None, field.extent)
