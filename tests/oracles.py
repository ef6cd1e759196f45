"""Independent oracles for the tests: brute-force enumeration, never the formulas under test.

A window layer is simulated position by position on one spatial axis: which padded-input positions each
output unit reads. Output sizes, MAC counts and receptive fields follow by counting, not by formula. For the
other layer types (transposed convolution, adaptive pooling, upsampling, the checkerboard overlap) the
oracles likewise enumerate what each output unit reads, with exact fractions.
"""

from __future__ import annotations

from fractions import Fraction
from math import floor


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


def pads_for(padding, size, kernel, stride, dilation):
    """Resolve a padding form to (before, after) for one axis, by each form's definition."""
    span = dilation * (kernel - 1) + 1
    if padding == "valid":
        return 0, 0
    if padding == "full":
        return span - 1, span - 1
    if padding == "same":
        # TensorFlow: output ceil(size/stride); the smallest total padding giving it, extra after
        out = -(-size // stride)
        total = 0
        while len(window_starts(size, kernel, stride, total // 2, total - total // 2, dilation)) < out:
            total += 1
        return total // 2, total - total // 2
    if isinstance(padding, list):
        return tuple(padding)
    return padding, padding


def window_counts(spatial, padding, kernel, stride, dilation, ceil_mode: bool = False) -> list[int]:
    """Output size per spatial axis of a sliding window: its windows counted one by one (window_starts),
    the padding resolved by each form's definition (pads_for)."""
    sizes = []
    for n in spatial:
        before, after = pads_for(padding, n, kernel, stride, dilation)
        sizes.append(len(window_starts(n, kernel, stride, before, after, dilation, ceil_mode)))
    return sizes


def transposed_scatter(size: int, kernel: int, stride: int, dilation: int = 1) -> dict[int, list[tuple]]:
    """Scatter every input position's taps: {full-output coordinate: [(input, tap), ...]} before cropping."""
    hits: dict[int, list] = {}
    for i in range(size):
        for t in range(kernel):
            hits.setdefault(i * stride + t * dilation, []).append((i, t))
    return hits


def transposed_size(size, kernel, stride, before, after, dilation=1, output_padding=0) -> int:
    """Positions of the full scatter, minus what padding crops, plus output_padding."""
    full = max(transposed_scatter(size, kernel, stride, dilation)) + 1
    return full - before - after + output_padding


def transposed_reads(o: int, kernel: int, stride: int, before: int, dilation: int = 1) -> list[int]:
    """Input positions (any integer: an unbounded input) that reach output o: o = i·s − before + t·d."""
    reads = []
    for t in range(kernel):
        numerator = o + before - t * dilation
        if numerator % stride == 0:
            reads.append(numerator // stride)
    return reads


def check_hull(reads, stride, span, offset, units) -> None:
    """Every unit's reads lie in its window offset + o·stride .. + span − 1, and both ends are reached."""
    lows, highs = [], []
    for o in units:
        positions = reads(o)
        if not positions:
            continue
        lo = offset + o * Fraction(stride)
        hi = lo + span - 1
        assert all(lo <= p <= hi for p in positions), (o, positions, lo, hi)
        lows.append(min(positions) - o * Fraction(stride))
        highs.append(max(positions) - o * Fraction(stride))
    assert min(lows) == offset
    assert max(highs) == offset + span - 1


def adaptive_window(i: int, size: int, out: int) -> range:
    """PyTorch's adaptive pooling: [floor(i·in/out), ceil((i+1)·in/out)), with exact fractions."""
    start = floor(Fraction(i * size, out))
    end = -floor(-Fraction((i + 1) * size, out))
    return range(start, end)


def upsample_reads(o: int, size: int, out: int, mode: str, align_corners: bool = False, clamp: bool = True):
    """Inputs output o reads with a non-zero weight, by PyTorch's index rules, with exact fractions."""
    if mode == "nearest":
        return [floor(Fraction(o * size, out))]
    if align_corners:
        src = Fraction(o * (size - 1), out - 1) if out > 1 else Fraction(0)
    else:
        src = (o + Fraction(1, 2)) * Fraction(size, out) - Fraction(1, 2)
        if clamp and src < 0:
            src = Fraction(0)
    i0 = floor(src)
    i1 = min(i0 + 1, size - 1) if clamp else i0 + 1
    lam = src - i0
    return sorted({i0} | ({i1} if lam > 0 else set()))


def overlap_loops(size: int, kernel: int, stride: int, dims: int, stack: int):
    """Taps reaching each output position of `stack` transposed convolutions, by nested loops over every
    input position and every tap (dims 1 or 2); returns nested lists."""
    if dims == 1:
        counts = [1] * size
        for _ in range(stack):
            out = [0] * ((len(counts) - 1) * stride + kernel)
            for i, c in enumerate(counts):
                for t in range(kernel):
                    out[i * stride + t] += c
            counts = out
        return counts
    grid = [[1] * size for _ in range(size)]
    for _ in range(stack):
        n = len(grid)
        m = (n - 1) * stride + kernel
        out = [[0] * m for _ in range(m)]
        for i in range(n):
            for j in range(n):
                for t in range(kernel):
                    for u in range(kernel):
                        out[i * stride + t][j * stride + u] += grid[i][j]
        grid = out
    return grid
