"""The numpy executors of arith, sqrt, rsqrt and the pixel (un)shuffles against the code `cnncalc export` writes
for them, run by torch on the same input (torch's own scalar arithmetic, torch.sqrt, torch.rsqrt,
nn.PixelShuffle, nn.PixelUnshuffle; the exported GRN module)."""

from __future__ import annotations

import numpy as np
import pytest
from extras import require_torch

torch = require_torch()

from test_elementwise_numerics import Exported, execute  # noqa: E402
from torch_builder import build  # noqa: E402

from cnncalc.spec import parse_spec  # noqa: E402

X = 4 * np.random.default_rng(5).standard_normal((2, 6, 5, 4))
POSITIVE = np.abs(X) + 0.25


@pytest.mark.parametrize("args, x", [
    ({"op": "add", "value": 0}, X), ({"op": "add", "value": -1.5}, X), ({"op": "sub", "value": 2}, X),
    ({"op": "sub", "value": 2, "reverse": True}, X), ({"op": "mul", "value": 0.2}, X),
    ({"op": "div", "value": 3}, X), ({"op": "div", "value": 3, "reverse": True}, POSITIVE),
    ({"op": "pow", "value": 2}, X), ({"op": "pow", "value": 0.5}, POSITIVE),
    ({"op": "pow", "value": 1.5, "reverse": True}, X),
])
def test_arith_matches_torch(args, x):
    got, _ = execute("arith", args, x)
    expected = Exported("arith", **{k: str(v).lower() for k, v in args.items()})(torch.from_numpy(x)).numpy()
    assert got.shape == expected.shape and np.allclose(got, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("type_name", ["sqrt", "rsqrt"])
def test_square_roots_match_torch(type_name):
    got, _ = execute(type_name, {}, POSITIVE)
    expected = Exported(type_name)(torch.from_numpy(POSITIVE)).numpy()
    assert np.allclose(got, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("type_name, order", [("pixel_shuffle", "crd"), ("pixel_shuffle", "dcr"),
                                              ("pixel_unshuffle", "crd"), ("pixel_unshuffle", "dcr")])
def test_pixel_rearrangements_match_torch(type_name, order):
    # crd is torch's nn.PixelShuffle / nn.PixelUnshuffle; dcr the exported view-permute-view helper
    x = np.arange(2 * 8 * 4 * 6, dtype=np.float64).reshape(2, 8, 4, 6)
    text = "input: [8, 4, 6]\nlayers:\n  - {name: it, %s: {factor: 2, order: %s}}\n" % (type_name, order)
    got, _ = execute(type_name, {"factor": 2, "order": order}, x)
    expected = build(parse_spec(text), "cpu").double()(torch.from_numpy(x))["it"].numpy()
    assert np.array_equal(got, expected)
    if order == "crd":
        module = torch.nn.PixelShuffle(2) if type_name == "pixel_shuffle" else torch.nn.PixelUnshuffle(2)
        assert np.array_equal(got, module(torch.from_numpy(x)).numpy())


def test_grn_matches_torch():
    got, drawn = execute("grn", {}, X)
    module = Exported("grn")
    weight, bias = module.parameters()              # the generated GRN's γ and β, shape (1, C, 1, 1)
    with torch.no_grad():
        weight.copy_(torch.from_numpy(drawn["weight"]).reshape(1, 6, 1, 1))
        bias.copy_(torch.from_numpy(drawn["bias"]).reshape(1, 6, 1, 1))
    assert np.allclose(got, module(torch.from_numpy(X)).detach().numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("type_name, expected", [("sub", lambda a, b: a - b), ("div", lambda a, b: a / b)])
def test_sub_and_div_match_torch(type_name, expected):
    # the input and its per-channel mean ([6, 1, 1], broadcast), as the exported code computes them
    text = ("input: [6, 5, 4]\nlayers:\n  - {name: m, global_avgpool: {keepdims: true}}\n"
            f"  - {{name: it, from: [input, m], {type_name}: {{}}}}\n")
    mean = X.mean(axis=(2, 3), keepdims=True)
    got, _ = execute(type_name, {}, X, mean)
    exported = build(parse_spec(text), "cpu").double()(torch.from_numpy(X))["it"].numpy()
    assert np.allclose(got, exported, rtol=1e-12, atol=1e-12)
    assert np.allclose(got, expected(torch.from_numpy(X), torch.from_numpy(mean)).numpy(), rtol=1e-12, atol=1e-12)
