"""The receptive-field window of a layer whose output units are a fractional number of input positions apart.

Upsampling and adaptive pooling read, for output unit ``o``, a set of input positions that is not one fixed
window slid by a whole stride: with ``q = in/out`` input positions per output unit, unit ``o`` reads
around ``o·q``. Such a layer still fits the Araujo form (span, stride, offset) exactly when the form is read
as a *hull*: with stride ``q``, the smallest window ``offset + o·q .. offset + o·q + span − 1`` that
contains every unit's inputs. Because the read pattern repeats every ``q.denominator`` output units (shifted
by ``q.numerator`` inputs), one period determines it. Exact Fractions throughout.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Callable, Iterable

from cnncalc.rf import exact


def hull(q: Fraction, reads: Callable[[int], Iterable[int]]) -> tuple:
    """(span, stride, offset) of the tightest window with stride ``q`` holding ``reads(o)`` for every ``o``.

    ``reads(o)``: the input positions output unit ``o`` depends on, for a pattern that repeats with
    ``reads(o + P) = reads(o) + q·P`` where ``P = q.denominator``.
    """
    q = Fraction(q)
    low = high = None
    for o in range(q.denominator):
        positions = list(reads(o))
        if not positions:
            continue
        lo, hi = min(positions) - o * q, max(positions) - o * q
        low = lo if low is None else min(low, lo)
        high = hi if high is None else max(high, hi)
    return exact(high - low + 1), exact(q), exact(low)
