"""cnncalc/execute/adaptive.py: adaptive pools by PyTorch's start/end rule, enumerated (tests/oracles.py),
with spp their structural runs, and torch where installed (that test alone skips without it).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from extras import require_torch

from oracles import adaptive_window
from .helpers import make, per_axis, rand, run, structural


@pytest.mark.parametrize("kind", ["adaptive_avgpool", "adaptive_maxpool"])
@pytest.mark.parametrize("shape, size", [((2, 10, 7), [3, 4]), ((2, 5, 5), 7), ((3, 13), 4), ((1, 4, 6, 5), [3, 2, 4]),
                                         ((2, 6, 6), 1)])
def test_adaptive_pools_follow_the_start_end_rule(kind, shape, size):
    x = rand(*shape)
    got, _ = run(make(kind, size=size), x)
    outs = per_axis(size, len(shape) - 1)
    expected = np.zeros((shape[0], *outs))
    for c in range(shape[0]):
        for pos in itertools.product(*(range(m) for m in outs)):
            box = [adaptive_window(i, n, m) for i, n, m in zip(pos, shape[1:], outs)]
            values = [x[(c, *q)] for q in itertools.product(*box)]
            expected[(c, *pos)] = max(values) if kind == "adaptive_maxpool" else sum(values) / len(values)
    np.testing.assert_allclose(got, expected, rtol=1e-12)


@pytest.mark.parametrize("size", [[3, 4], [7, 2], 1])
def test_adaptive_pools_match_torch(size):
    torch = require_torch()
    x = rand(3, 10, 7)
    t = torch.from_numpy(x)[None]
    avg, _ = run(make("adaptive_avgpool", size=size), x)
    mx, _ = run(make("adaptive_maxpool", size=size), x)
    np.testing.assert_allclose(avg, torch.nn.functional.adaptive_avg_pool2d(t, size)[0].numpy(), rtol=1e-12)
    np.testing.assert_allclose(mx, torch.nn.functional.adaptive_max_pool2d(t, size)[0].numpy(), rtol=1e-12)


def test_structural_adaptive_and_spp():
    # adaptive, 5 → 3: windows [0, 2), [1, 4), [3, 5): input 3 reaches outputs 1 and 2
    assert structural(make("adaptive_avgpool", size=3), (1, 5), (0, 3)) == {(0, 1), (0, 2)}
    # spp [2, 1] on 5: level 2 windows 3 wide, 2 apart: [0, 3), [2, 5); input 4 → bin 1 and the level-1 bin
    assert structural(make("spp", levels=[2, 1]), (1, 5), (0, 4)) == {(1,), (2,)}
