"""cnncalc/execute/pixel.py against ONNX's definitions of DepthToSpace (CRD and DCR) and SpaceToDepth, run by
onnx's reference implementation, and against the index formulas written out element by element."""

from __future__ import annotations

import numpy as np
import pytest

from .helpers import make, run


def _onnx(op: str, x, **attrs):
    from onnx import helper
    from onnx.reference import ReferenceEvaluator
    node = helper.make_node(op, ["x"], ["y"], **attrs)
    return ReferenceEvaluator(node).run(None, {"x": x})[0]


@pytest.mark.parametrize("order, mode", [("crd", "CRD"), ("dcr", "DCR")])
def test_pixel_shuffle_is_depth_to_space(order, mode):
    x = np.arange(18 * 2 * 3, dtype=np.float64).reshape(18, 2, 3)
    got, _ = run(make("pixel_shuffle", factor=3, order=order), x)
    assert np.array_equal(got, _onnx("DepthToSpace", x[None], blocksize=3, mode=mode)[0])


def test_pixel_unshuffle_dcr_is_space_to_depth():
    x = np.arange(2 * 4 * 6, dtype=np.float64).reshape(2, 4, 6)
    got, _ = run(make("pixel_unshuffle", factor=2, order="dcr"), x)
    assert np.array_equal(got, _onnx("SpaceToDepth", x[None], blocksize=2)[0])


def test_pixel_unshuffle_crd_by_its_index_formula():
    # torch's nn.PixelUnshuffle: output channel c·r² + dy·r + dx at (y, x) is input channel c at (y·r + dy, x·r + dx)
    r, x = 2, np.arange(3 * 4 * 6, dtype=np.float64).reshape(3, 4, 6)
    got, _ = run(make("pixel_unshuffle", factor=r), x)
    assert all(got[c * r * r + dy * r + dx, y, xx] == x[c, y * r + dy, xx * r + dx]
               for c in range(3) for dy in range(r) for dx in range(r) for y in range(2) for xx in range(3))


@pytest.mark.parametrize("order", ["crd", "dcr"])
def test_unshuffle_then_shuffle_is_the_identity(order):
    x = np.arange(5 * 6 * 9, dtype=np.float64).reshape(5, 6, 9)
    down, _ = run(make("pixel_unshuffle", factor=3, order=order), x)
    up, _ = run(make("pixel_shuffle", factor=3, order=order), down)
    assert np.array_equal(up, x)
