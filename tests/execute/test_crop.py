"""cnncalc/execute/crop.py: the numpy crop is the slice the definition names (written out by hand), and
verify agrees with the analysis on a U-Net-shaped spec with both kinds of `like:`."""

from __future__ import annotations

import numpy as np

from cnncalc.execute import Context, executor_for
from cnncalc.layers.crop import Crop
from cnncalc.spec import parse_spec
from cnncalc.verify import AGREE, verify


def test_crop_slices():
    x = np.arange(2 * 7 * 9, dtype=np.float64).reshape(1, 2, 7, 9)
    ctx = Context(structural=False, seed=0)
    out = ctx.run(executor_for("crop"), Crop(amount=((1, 2), (3, 0))), [x])
    assert np.array_equal(out, x[:, :, 1:5, 3:9])
    like = np.zeros((1, 5, 4, 4))
    # centre crop 7→4: before (7−4)//2 = 1, after 2; 9→4: before 2, after 3
    out = ctx.run(executor_for("crop"), Crop(like="ref"), [x, like])
    assert np.array_equal(out, x[:, :, 1:5, 2:6])


def test_verify_agrees_on_crop_and_upsample_like():
    spec = parse_spec("name: u\ninput: [1, 20, 20]\nlayers:\n  - {name: enc, conv: {out: 2, kernel: 3}}\n"
                      "  - maxpool: {kernel: 2}\n  - conv: {out: 2, kernel: 3}\n  - {name: up, upsample: {scale: 2}}\n"
                      "  - {name: skip, from: enc, crop: {like: up}}\n  - {from: [up, skip], concat: {}}\n"
                      "  - {name: back, upsample: {like: input, mode: bilinear}}\n", "u.yaml")
    result = verify(spec)
    assert result.status == AGREE, [n.problems for n in result.mismatches]
