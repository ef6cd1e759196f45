"""The receptive-field window of a layer whose output units are a fractional number of input positions apart.

Upsampling and adaptive pooling read, for output unit ``o``, a set of input positions that is not one fixed
window slid by a whole stride: with ``q = in/out`` input positions per output unit, unit ``o`` reads
around ``o·q``. Such a layer still fits the Araujo form (span, stride, offset) exactly when the form is read
as a *hull*: with stride ``q``, the smallest window ``offset + o·q .. offset + o·q + span − 1`` that
contains every unit's inputs.

Every such layer reads, for unit ``o``, from a rounded point ``floor(a + o·q)`` to a rounded point
``ceil(b + o·q)`` (give or take a constant), so the hull needs only the extremes of
``floor(a + o·q) − o·q`` and ``ceil(b + o·q) − o·q`` over all units: closed forms (below), exact
Fractions, in constant time however many output units there are (10^12 upsampled positions cost nothing).
"""

from __future__ import annotations

from fractions import Fraction

from cnncalc.rf import exact


def fractional_parts(start, q) -> tuple[Fraction, Fraction]:
    """The smallest and the largest fractional part of ``start + o·q`` over all integers ``o``.

    With ``q = a/b`` in lowest terms, ``o·a`` runs through every residue modulo ``b``, so the fractional
    parts are ``r, r + 1/b, …, r + (b−1)/b`` where ``r`` is ``start`` modulo ``1/b``.
    """
    b = Fraction(q).denominator
    r = (Fraction(start) * b % 1) / b
    return r, r + Fraction(b - 1, b)


def floor_offsets(start, q) -> tuple[Fraction, Fraction]:
    """The least and the greatest ``floor(start + o·q) − o·q`` over all integers ``o``."""
    smallest, largest = fractional_parts(start, q)
    return Fraction(start) - largest, Fraction(start) - smallest


def ceil_offsets(start, q) -> tuple[Fraction, Fraction]:
    """The least and the greatest ``ceil(start + o·q) − o·q`` over all integers ``o``.

    ``ceil(x) = −floor(−x)``, and ``o ↦ −o`` runs through all integers too."""
    low, high = floor_offsets(-Fraction(start), q)
    return -high, -low


def hull(q, low, high) -> tuple:
    """(span, stride, offset) of the window with stride ``q`` whose unit ``o`` covers ``low + o·q`` to
    ``high + o·q``: ``low`` and ``high`` are the least and greatest offsets of a read from ``o·q``."""
    return exact(Fraction(high) - Fraction(low) + 1), exact(Fraction(q)), exact(Fraction(low))
