"""cnncalc/execute/resample.py: upsample by index arithmetic (nearest) and PyTorch's interpolation formula
position by position (linear), its structural run, and torch where installed (that test alone skips without it).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from extras import require_torch

from oracles import upsample_reads
from .helpers import make, per_axis, rand, run, structural


def torch_linear_1d(size, out, o, align_corners):
    """PyTorch's upsample_linear1d for one output index, as written in its kernel (floats): the source
    index, clamped below at 0 (align_corners false), the two neighbours and their weights."""
    if align_corners:
        scale = (size - 1) / (out - 1) if out > 1 else 0.0
        src = scale * o
    else:
        src = max((size / out) * (o + 0.5) - 0.5, 0.0)
    i0 = int(src)
    i1 = i0 + (1 if i0 < size - 1 else 0)
    lam = src - i0
    return [(i0, 1.0 - lam), (i1, lam)]


def test_upsample_nearest_by_index_arithmetic():
    x = rand(2, 3, 4)
    got, _ = run(make("upsample", scale=[2, 3]), x)
    assert got.shape == (2, 6, 12)
    assert all(got[c, h, w] == x[c, h // 2, w // 3] for c in range(2) for h in range(6) for w in range(12))
    got, _ = run(make("upsample", size=[5, 3]), x)       # floor(o·in/out)
    assert all(got[c, h, w] == x[c, h * 3 // 5, w * 4 // 3] for c in range(2) for h in range(5) for w in range(3))


@pytest.mark.parametrize("shape, args", [
    ((2, 4, 5), {"mode": "bilinear", "scale": 2}),
    ((2, 4, 5), {"mode": "bilinear", "size": [7, 3]}),
    ((2, 4, 5), {"mode": "bilinear", "size": [9, 11], "align_corners": True}),
    ((2, 6), {"mode": "linear", "size": 13}),
    ((2, 6), {"mode": "linear", "size": 4, "align_corners": True}),
    ((1, 2, 3, 4), {"mode": "trilinear", "scale": [2, 1, 3]}),
    ((1, 3, 4), {"mode": "bilinear", "size": [1, 1], "align_corners": True}),
])
def test_upsample_linear_by_the_formula(shape, args):
    x = rand(*shape)
    got, _ = run(make("upsample", **args), x)
    spatial = shape[1:]
    outs = per_axis(args["size"], len(spatial)) if "size" in args else \
        [n * s for n, s in zip(spatial, per_axis(args["scale"], len(spatial)))]
    expected = np.zeros((shape[0], *outs))
    for c in range(shape[0]):
        for pos in itertools.product(*(range(m) for m in outs)):
            terms = [torch_linear_1d(n, m, o, args.get("align_corners", False)) for n, m, o in zip(spatial, outs, pos)]
            expected[(c, *pos)] = sum(math.prod(w for _, w in combo) * x[(c, *(i for i, _ in combo))]
                                      for combo in itertools.product(*terms))
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("args", [{"mode": "nearest", "scale": 2}, {"mode": "nearest", "size": [5, 9]},
                                  {"mode": "bilinear", "scale": 3}, {"mode": "bilinear", "size": [7, 2]},
                                  {"mode": "bilinear", "size": [8, 10], "align_corners": True}])
def test_upsample_matches_torch(args):
    torch = require_torch()
    x = rand(2, 4, 5)
    got, _ = run(make("upsample", **args), x)
    kwargs = {"mode": args["mode"]}
    if "scale" in args:
        kwargs["scale_factor"] = args["scale"]
    else:
        kwargs["size"] = args["size"]
    if args["mode"] != "nearest":
        kwargs["align_corners"] = args.get("align_corners", False)
    expected = torch.nn.functional.interpolate(torch.from_numpy(x)[None], **kwargs)[0].numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)


def test_structural_upsample_reads_only_non_zero_weights():
    # bilinear (linear) ×2 on 4 positions: output o reads the inputs oracles.upsample_reads lists;
    # the inputs reaching output o are exactly those whose reads include 1
    layer = make("upsample", mode="linear", scale=2)
    expected = {(0, o) for o in range(8) if 1 in upsample_reads(o, 4, 8, "linear")}
    assert structural(layer, (1, 4), (0, 1)) == expected == {(0, 1), (0, 2), (0, 3), (0, 4)}
    # align_corners, 3 → 5: sources 0, ½, 1, 3/2, 2; input 1 is read by outputs 1, 2, 3 (output 2 exactly)
    layer = make("upsample", mode="linear", size=5, align_corners=True)
    assert structural(layer, (1, 3), (0, 1)) == {(0, 1), (0, 2), (0, 3)}
