"""Independent oracles for the tests: brute-force enumeration, never the formulas under test.

A window layer is simulated position by position on one spatial axis: which padded-input positions each
output unit reads. Output sizes, MAC counts and receptive fields follow by counting, not by formula.
"""

from __future__ import annotations


def window_starts(size: int, kernel: int, stride: int, before: int, after: int, dilation: int = 1,
                  ceil_mode: bool = False) -> list[int]:
    """Start coordinates (in input coordinates; padding is negative or ≥ size) of every window.

    Floor mode: every window that lies wholly inside the padded input. Ceil mode (PyTorch): also one
    last partial window that overhangs by less than a stride, provided it starts inside the input or the
    left padding (even when no full window fits).
    """
    span = dilation * (kernel - 1) + 1
    lo, hi = -before, size + after          # padded input covers [lo, hi)
    starts, s = [], lo
    while s + span <= hi:
        starts.append(s)
        s += stride
    # ceil mode: one more, partial window when it overhangs the padded end by less than a stride (so the
    # full ones left padded elements uncovered, or there is no full one), unless it would start in the
    # right padding
    if ceil_mode and s + span - hi < stride and s < size:
        starts.append(s)
    return starts


def taps(start: int, kernel: int, dilation: int = 1) -> list[int]:
    return [start + t * dilation for t in range(kernel)]


def receptive_field_1d(layers, size: int) -> tuple[int, int, int]:
    """(size, stride, start) of the receptive field on one axis of a chain of window layers.

    ``layers``: list of (kernel, stride, pad_before, pad_after, dilation). Found by tracing which input
    coordinates output units 0 and 1 of the last layer depend on, through every tap of every layer.
    A tap that lands in a layer's padding is traced on as a virtual unit of the layer before, whose
    window continues the sequence of real windows (Araujo et al.'s convention: the field reaches into the
    padding of every layer it crosses).
    """
    sizes = [size]
    for k, s, b, a, d in layers:
        sizes.append(len(window_starts(sizes[-1], k, s, b, a, d)))

    def depends(unit: int) -> set:
        positions = {unit}
        for (k, s, b, a, d), n in zip(reversed(layers), reversed(sizes[:-1])):
            starts = window_starts(n, k, s, b, a, d)
            window = lambda u: starts[u] if 0 <= u < len(starts) else starts[0] + u * s  # noqa: E731
            positions = {p for u in positions for p in taps(window(u), k, d)}
        return positions

    first = depends(0)
    field = max(first) - min(first) + 1
    jump = (min(depends(1)) - min(first)) if sizes[-1] > 1 else None
    return field, jump, min(first)
