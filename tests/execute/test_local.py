"""cnncalc/execute/local.py: local and tiled_conv against per-position loops with their own weights per
position or per tile, and their structural runs.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from oracles import window_starts
from .helpers import make, naive_conv, per_axis, rand, resolve, run, structural


def naive_unshared(x, weight_at, kernel, strides, pads, dilations, out_channels):
    """out[o, p] = Σ_c Σ_t weight_at(p)[o, c, t] · x[c, start(p) + t·d], taps in the padding adding nothing."""
    spatial = x.shape[1:]
    starts = [window_starts(n, k, s, b, a, d) for n, k, s, (b, a), d in zip(spatial, kernel, strides, pads, dilations)]
    out = np.zeros((out_channels, *[len(st) for st in starts]))
    for pos in itertools.product(*[range(len(st)) for st in starts]):
        w = weight_at(pos)
        for o, c in itertools.product(range(out_channels), range(x.shape[0])):
            for tap in itertools.product(*[range(k) for k in kernel]):
                coords = [st[p] + t * d for st, p, t, d in zip(starts, pos, tap, dilations)]
                if all(0 <= q < n for q, n in zip(coords, spatial)):
                    out[(o, *pos)] += w[(o, c, *tap)] * x[(c, *coords)]
    return out


@pytest.mark.parametrize("bias", ["position", "channel", "none"])
@pytest.mark.parametrize("shape, k, s, p, d", [((2, 7, 6), 3, 2, 1, 1), ((3, 9), 2, 1, "same", 3),
                                                ((1, 5, 4, 6), [2, 1, 3], 1, 0, 1)])
def test_local_has_weights_per_position(shape, k, s, p, d, bias):
    x = rand(*shape)
    got, drawn = run(make("local", out=2, kernel=k, stride=s, padding=p, dilation=d, bias=bias), x)
    ndim = len(shape) - 1
    ks, ss, ds = per_axis(k, ndim), per_axis(s, ndim), per_axis(d, ndim)
    pads = resolve(p, shape, ks, ss, ds)
    counts = got.shape[1:]
    w = drawn["weight"]                                   # [positions, out, C_in, *kernel], positions row-major
    assert w.shape == (math.prod(counts), 2, shape[0], *ks)
    expected = naive_unshared(x, lambda pos: w[np.ravel_multi_index(pos, counts)], ks, ss, pads, ds, 2)
    if bias == "position":
        expected += drawn["bias"]
    elif bias == "channel":
        expected += drawn["bias"].reshape((2,) + (1,) * ndim)
    else:
        assert "bias" not in drawn
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("shape, k, tile, s", [((2, 7, 8), 2, [2, 3], 1), ((2, 9), 3, 4, 2), ((1, 5, 5), 2, 10, 1),
                                               ((2, 6, 6), 3, 1, 1)])
def test_tiled_conv_shares_weights_a_tile_apart(shape, k, tile, s):
    x = rand(*shape)
    got, drawn = run(make("tiled_conv", out=2, kernel=k, tile=tile, stride=s), x)
    ndim = len(shape) - 1
    ks, ts = per_axis(k, ndim), per_axis(tile, ndim)
    w, b = drawn["weight"], drawn["bias"]                 # [*sets, out, C_in, *kernel], [*sets, out]
    counts = got.shape[1:]
    # the sets per axis: min(tile, positions) (y mod t takes that many values)
    assert w.shape[:ndim] == tuple(min(t, n) for t, n in zip(ts, counts))

    def weight_at(pos):
        return w[tuple(y % t for y, t in zip(pos, ts))]
    expected = naive_unshared(x, weight_at, ks, per_axis(s, ndim), [(0, 0)] * ndim, [1] * ndim, 2)
    for pos in itertools.product(*(range(n) for n in counts)):
        expected[(slice(None), *pos)] += b[tuple(y % t for y, t in zip(pos, ts))]
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_tiled_conv_with_tile_1_is_a_conv():
    x = rand(2, 6, 5)
    got, drawn = run(make("tiled_conv", out=3, kernel=3, tile=1, padding=1), x)
    expected = naive_conv(x, drawn["weight"][0, 0], drawn["bias"][0, 0], [1, 1], [(1, 1), (1, 1)], [1, 1], 1)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_structural_local_and_tiled_mark_their_windows():
    for layer in (make("local", out=2, kernel=3), make("tiled_conv", out=2, kernel=3, tile=2)):
        # input 3 of 6 (no padding): windows starting at 1, 2, 3
        assert structural(layer, (1, 6), (0, 3)) == {(c, o) for c in range(2) for o in (1, 2, 3)}
