"""cnncalc/execute/pool.py: windowed and global pooling against brute force over every window
(tests/oracles.py), ceil mode's divisor by hand, and the structural run of a window of padding alone.

The executor draws its weights from the Context, which keeps them in ``ctx.drawn`` for these tests; the
expected output is computed here independently.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from oracles import window_starts
from .helpers import make, per_axis, resolve, run


def naive_pool(x, kind, kernel, stride, pads, dilations, ceil_mode):
    """Brute force per output position. Max: over the taps inside the input (padding is −∞). Sum: over
    those taps. Avg (PyTorch, count_include_pad): that sum divided by the taps inside the input or its
    padding; taps of a ceil-mode partial window past the padding are not counted."""
    channels, spatial = x.shape[0], x.shape[1:]
    starts = [window_starts(n, k, s, b, a, d, ceil_mode)
              for n, k, s, (b, a), d in zip(spatial, kernel, stride, pads, dilations)]
    out = np.zeros((channels, *[len(st) for st in starts]))
    for c in range(channels):
        for pos in itertools.product(*[range(len(st)) for st in starts]):
            values, counted = [], 0
            for tap in itertools.product(*[range(k) for k in kernel]):
                coords = [st[p] + t * d for st, p, t, d in zip(starts, pos, tap, dilations)]
                if all(-b <= q < n + a for q, n, (b, a) in zip(coords, spatial, pads)):
                    counted += 1
                if all(0 <= q < n for q, n in zip(coords, spatial)):
                    values.append(x[(c, *coords)])
            if kind == "maxpool":
                out[(c, *pos)] = max(values) if values else -math.inf
            elif kind == "sumpool":
                out[(c, *pos)] = sum(values)
            else:
                out[(c, *pos)] = sum(values) / counted
    return out


# (input shape, kernel, stride, padding, dilation, ceil_mode)
POOL_CASES = [
    ((2, 7, 7), 3, 2, 0, 1, False),
    ((2, 7, 7), 3, 2, 1, 1, False),
    ((2, 6, 6), 3, 2, 1, 1, True),        # a partial last window reaching past the padding
    ((2, 8, 8), 2, 3, 0, 1, True),        # stride > kernel, ceil mode
    ((2, 9, 9), 3, 2, 0, 1, True),        # ceil mode but the windows fit: no extra one
    ((2, 5, 5), 2, 2, 1, 1, True),        # ceil mode: the extra window would start in the right padding: none
    ((1, 10, 7), [3, 2], [2, 1], [1, 0], [2, 1], True),
    ((2, 11), 4, 3, 2, 1, True),          # 1-D
    ((1, 5, 6, 7), 2, 2, 0, 1, True),     # 3-D
    ((1, 9, 9), 3, 1, "same", 1, False),
]


@pytest.mark.parametrize("kind", ["maxpool", "avgpool", "sumpool"])
@pytest.mark.parametrize("shape, k, s, p, d, ceil", POOL_CASES)
def test_pool_matches_brute_force(kind, shape, k, s, p, d, ceil):
    x = np.random.default_rng(3).standard_normal(shape)
    layer = make(kind, kernel=k, stride=s, padding=p, dilation=d, ceil_mode=ceil)
    got, _ = run(layer, x)
    ndim = len(shape) - 1
    ks, ss, ds = per_axis(k, ndim), per_axis(s, ndim), per_axis(d, ndim)
    pads = resolve(p, shape, ks, ss, ds)
    expected = naive_pool(x, kind, ks, ss, pads, ds, ceil)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_avgpool_ceil_mode_divisor_by_hand():
    # n = 6, k = 3, s = 2, p = 1, ceil mode: windows start at −1, 1, 3 and (partial) 5. The last covers
    # input 5, padding 6 and position 7 past the padding: divisor 2. Input 1..6:
    # (0+1+2)/3 = 1, (2+3+4)/3 = 3, (4+5+6)/3 = 5, (6+0)/2 = 3.
    got, _ = run(make("avgpool", kernel=3, stride=2, padding=1, ceil_mode=True), np.arange(1.0, 7.0)[None])
    np.testing.assert_allclose(got[0], [1, 3, 5, 3])


def test_ceil_mode_window_larger_than_the_input():
    # PyTorch keeps one window when ceil mode lets it overhang the input by less than a stride:
    # n = 2, k = 3, s = 2, no padding: ceil((2 − 3)/2) + 1 = 1 window at 0, reading inputs 0 and 1 (the
    # third tap overhangs); its average divides by the 2 elements inside the input
    x = np.array([[4.0, 1.0]])
    assert run(make("maxpool", kernel=3, stride=2, ceil_mode=True), x)[0].tolist() == [[4.0]]
    assert run(make("avgpool", kernel=3, stride=2, ceil_mode=True), x)[0].tolist() == [[2.5]]
    # an overhang of a whole stride (k = 4, s = 1 on 2) leaves no window
    assert run(make("sumpool", kernel=4, stride=1, ceil_mode=True), x)[0].shape == (1, 0)


def test_structural_maxpool_window_of_padding_alone_reads_nothing():
    # n = 1, k = 2, dilation 3 (span 4), stride 2, padding 1, ceil mode: the padded input has 3 positions,
    # no full window fits, and the one overhanging window (overhang 1 < stride 2) has taps −1 (padding)
    # and 2 (past the padding): it reads no input element. Numeric run: −∞ (max over nothing, as
    # PyTorch's −∞ padding gives); structural run: 0, "depends on nothing", even with the input marked
    layer = make("maxpool", kernel=2, stride=2, dilation=3, padding=1, ceil_mode=True)
    assert run(layer, np.array([[5.0]]))[0].tolist() == [[-math.inf]]
    assert run(layer, np.ones((1, 1), np.float32), structural=True)[0].tolist() == [[0.0]]


@pytest.mark.parametrize("keepdims", [True, False])
def test_global_pools(keepdims):
    x = np.random.default_rng(10).standard_normal((3, 4, 5))
    avg, _ = run(make("global_avgpool", keepdims=keepdims), x)
    mx, _ = run(make("global_maxpool", keepdims=keepdims), x)
    assert avg.shape == ((3, 1, 1) if keepdims else (3,))
    for c in range(3):
        values = [x[c, h, w] for h in range(4) for w in range(5)]
        assert avg.reshape(3)[c] == pytest.approx(sum(values) / 20, rel=1e-12)
        assert mx.reshape(3)[c] == max(values)


def test_blurpool_is_the_binomial_depthwise_convolution():
    # the filter written out by hand: [1, 2, 1]/4 ⊗ [1, 4, 6, 4, 1]/16, the same in every channel, through the
    # nested-loop convolution with groups = channels
    from .helpers import make, naive_conv, run
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 9, 11))
    layer = make("blurpool", kernel=[3, 5], stride=2, padding=[1, 2])
    got, drawn = run(layer, x)
    assert drawn == {}                       # nothing drawn: the filter is fixed
    filt = np.outer([1, 2, 1], [1, 4, 6, 4, 1]) / 64.0
    expected = naive_conv(x, np.broadcast_to(filt, (3, 1, 3, 5)), None, (2, 2), [(1, 1), (2, 2)], (1, 1), 3)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
