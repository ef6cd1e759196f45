"""Brute-force oracles for the chapter's layer types: enumerate what each output unit reads, never the
formulas under test."""

from __future__ import annotations

from fractions import Fraction
from math import floor


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
