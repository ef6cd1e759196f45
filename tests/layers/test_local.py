"""cnncalc/layers/local.py: locally connected and tiled convolutions (a filter bank per position or per tile).

Expected figures are derived in the test, independently of the code: output sizes and receptive fields by
enumerating what every output unit reads (the brute-force oracles of tests/oracles.py), parameters and MACs
by the formulas written beside each case from the layer's definition.
"""

from __future__ import annotations

import pytest

from conftest import one_layer
from oracles import window_starts
from .helpers import prod


# (shape, out, kernel, stride, padding)
LOCAL = [((3, 10, 10), 4, 3, 1, 0), ((16, 63, 63), 16, 9, 1, 0), ((16, 55, 55), 16, 7, 2, 0),
         ((2, 12), 3, 4, 2, 1), ((1, 6, 6), 2, 3, 1, "same")]


@pytest.mark.parametrize("shape, out, k, s, p", LOCAL)
@pytest.mark.parametrize("bias", ["position", "channel", "none", "true", "false"])
def test_local(shape, out, k, s, p, bias):
    row = one_layer(shape, f"local: {{out: {out}, kernel: {k}, stride: {s}, padding: {p}, bias: {bias}}}")
    c, spatial = shape[0], shape[1:]
    pads = [(1, 1) if p == "same" else (p, p) for _ in spatial]     # 'same' with k3 s1: one each side
    sizes = [len(window_starts(n, k, s, b, a)) for n, (b, a) in zip(spatial, pads)]
    positions = prod(sizes)
    weights = positions * out * c * k ** len(spatial)         # its own filter bank at every position
    biases = {"position": positions * out, "true": positions * out, "channel": out, "none": 0, "false": 0}[bias]
    assert row.output_shape == (out, *sizes)
    assert row.params == weights + biases
    assert row.macs == weights                                # one MAC per weight per example
    assert (row.rf[0].size, row.rf[0].stride, row.rf[0].start) == (k, s, -pads[0][0])


@pytest.mark.parametrize("tile", [1, 2, 3, [2, 5], 100])
def test_tiled_conv(tile):
    shape, out, k = (3, 12, 14), 4, 3                         # output 10×12
    row = one_layer(shape, f"tiled_conv: {{out: {out}, kernel: {k}, tile: {tile}}}")
    t = tile if isinstance(tile, list) else [tile, tile]
    # distinct weight sets: the different (y mod th, x mod tw) over the output positions
    sets = len({(y % t[0], x % t[1]) for y in range(10) for x in range(12)})
    assert row.output_shape == (out, 10, 12)
    assert row.params == sets * out * (3 * 9) + sets * out
    assert row.macs == 10 * 12 * out * 3 * 9
    conv = one_layer(shape, f"conv: {{out: {out}, kernel: {k}}}")
    local = one_layer(shape, f"local: {{out: {out}, kernel: {k}}}")
    if tile == 1:
        assert row.params == conv.params
    if tile == 100:
        assert row.params == local.params
