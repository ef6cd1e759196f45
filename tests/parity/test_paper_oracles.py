"""The exported SPP, locally connected, tiled and NetVLAD modules (cnncalc/export/modules.py, run as
`cnncalc export --to pytorch` writes them) against the papers' rules (paper_oracles.py, written without
them): with the same weights, the same output to rounding; the same number of parameters, the oracle's
from its own tensors; and cnncalc's output shape, parameters and MACs equal to the oracle's.

The last tests show the oracles tell a plausible wrong rule apart. And each of these mutations, made by hand
in the shipped code and reverted, failed tests here: SPP's stride ceil(a/n) instead of floor(a/n); the
unfolded windows' taps ordered kernel-major instead of channel-major; NetVLAD's centre term without its
Σ_i a_k(x_i); a locally connected `channel` bias counted per position; NetVLAD's aggregation MACs N·D
instead of N·K·D."""

from __future__ import annotations

import math

import pytest
from extras import require_torch

torch = require_torch()

from paper_oracles import PaperNetVLAD, PaperSPP, PaperUnshared, load_from, spp_windows  # noqa: E402
from props import layer_spec  # noqa: E402
from torch_builder import _per_axis, build, resolve_padding  # noqa: E402

from cnncalc.analysis import analyze  # noqa: E402
from cnncalc.spec import parse_spec  # noqa: E402


def compare(input_shape, type_name, args, oracle):
    """Run the exported layer and ``oracle`` on one input with the same weights; return cnncalc's row."""
    spec = parse_spec(layer_spec(input_shape, type_name, args).replace("  - ", "  - name: x\n    ", 1), "t.yaml")
    row = analyze(spec).rows[1]
    net = build(spec, device="cpu").double()
    (path,) = net.export.modules["x"]
    shipped = dict(net.net.get_submodule(path).named_parameters())
    assert sum(p.numel() for p in oracle.parameters()) == sum(p.numel() for p in shipped.values()) == row.params
    oracle = oracle.double()
    with torch.no_grad():
        for p in shipped.values():          # every value in play: a bias of zeros would hide a wrong bias
            p.add_(torch.rand_like(p))
        load_from(oracle, shipped)
        x = torch.randn(2, *input_shape, dtype=torch.float64)
        got = net(x)["x"]
        expected = oracle(x)
    assert tuple(got.shape) == tuple(expected.shape) == (2, *row.output_shape)
    torch.testing.assert_close(got, expected, rtol=1e-10, atol=1e-12)
    return row, x


# ----------------------------------------------------------------------------- SPP

SPP_CASES = [((2, 13, 13), [6, 3, 2, 1], "max"),      # ZF-5's conv5 pyramid (specs/seed/spp.yaml)
             ((3, 10, 7), [4, 2], "avg"),             # 7 at n = 4: window 2, stride 1, six bins
             ((2, 7), [4, 1], "max"),
             ((2, 5, 6, 4), [2, 1], "avg"),
             ((1, 9, 11), [3, 5], "max")]


@pytest.mark.parametrize("shape, levels, mode", SPP_CASES)
def test_spp_equals_sppnets_rule(shape, levels, mode):
    row, _ = compare(shape, "spp", {"levels": levels, "mode": mode}, PaperSPP(levels, mode))
    # the oracle's length: C · Σ_levels Π_axes (bins of that axis), counted from its windows
    bins = sum(math.prod(len(spp_windows(a, n)) for a in shape[1:]) for n in levels)
    assert row.output_shape == (shape[0] * bins,) and row.params == row.macs == 0


# ----------------------------------------------------------------------------- locally connected, tiled

def _unshared(shape, args, tiled):
    ndim = len(shape) - 1
    k, s, d = (_per_axis(args.get(key, 1), ndim) for key in ("kernel", "stride", "dilation"))
    pairs = resolve_padding(args.get("padding", 0), shape[1:], k, s, d)
    if tiled:
        bias = "sets" if args.get("bias", True) else "none"
        return PaperUnshared(shape, args["out"], k, s, d, pairs, bias, tiles=_per_axis(args["tile"], ndim))
    bias = {True: "position", False: "none"}.get(args.get("bias", "position"), args.get("bias", "position"))
    return PaperUnshared(shape, args["out"], k, s, d, pairs, bias)


LOCAL_CASES = [((3, 9, 8), {"out": 4, "kernel": 3}),
               ((2, 10, 9), {"out": 3, "kernel": [3, 2], "stride": [2, 1], "padding": [[1, 0], [2, 1]],
                             "dilation": [1, 2], "bias": "channel"}),
               ((2, 12), {"out": 2, "kernel": 3, "stride": 2, "padding": "same", "bias": "none"}),
               ((2, 5, 6, 5), {"out": 2, "kernel": [2, 3, 2], "stride": [1, 2, 1], "bias": True}),
               ((3, 7, 6), {"out": 2, "kernel": 3, "padding": "full", "bias": False})]


@pytest.mark.parametrize("shape, args", LOCAL_CASES)
def test_local_equals_deepfaces_rule(shape, args):
    oracle = _unshared(shape, args, tiled=False)
    row, x = compare(shape, "local", args, oracle)
    assert row.macs == oracle.macs((x[:1],), torch.empty(1, *row.output_shape))
    # DeepFace: a filter bank per output position, C_out · C_in · Π k weights each
    positions = math.prod(row.output_shape[1:])
    assert oracle.weight.numel() == positions * args["out"] * shape[0] * math.prod(oracle.kernel)


TILED_CASES = [((2, 9, 9), {"out": 3, "kernel": 3, "tile": 2}),
               ((2, 8, 10), {"out": 2, "kernel": [2, 3], "tile": [3, 20], "stride": [1, 2]}),
               ((2, 11), {"out": 2, "kernel": 2, "tile": 4, "bias": False, "padding": 1})]


@pytest.mark.parametrize("shape, args", TILED_CASES)
def test_tiled_conv_equals_le_et_als_rule(shape, args):
    oracle = _unshared(shape, args, tiled=True)
    row, x = compare(shape, "tiled_conv", args, oracle)
    assert row.macs == oracle.macs((x[:1],), torch.empty(1, *row.output_shape))


# ----------------------------------------------------------------------------- NetVLAD

VLAD_CASES = [((8, 5, 4), 3, True), ((6, 7), 4, False), ((5, 3, 2, 2), 2, True)]


@pytest.mark.parametrize("shape, clusters, intra_norm", VLAD_CASES)
def test_netvlad_equals_arandjelovic_et_als_rule(shape, clusters, intra_norm):
    oracle = PaperNetVLAD(shape[0], clusters, intra_norm)
    row, x = compare(shape, "netvlad", {"clusters": clusters, "intra_norm": intra_norm}, oracle)
    d, n = shape[0], math.prod(shape[1:])
    assert row.params == 2 * clusters * d + clusters                   # w (K×D), b (K), c (K×D)
    assert row.output_shape == (clusters * d,)
    assert row.macs == oracle.macs((x[:1],), None) == 2 * n * clusters * d


# ----------------------------------------------------------------------------- the comparison has teeth

def test_spp_rule_is_not_adaptive_pooling():
    # torch's adaptive pooling always gives n bins (windows floor(i·a/n)..ceil((i+1)·a/n)); SPPNet's rule on 7
    # positions at n = 4 gives window 2, stride 1: starts 0..5, six bins
    assert [(r.start, r.stop) for r in spp_windows(7, 4)] == [(0, 2), (1, 3), (2, 4), (3, 5), (4, 6), (5, 7)]
    x = torch.arange(10.0).reshape(1, 1, 10)
    spp = PaperSPP([3], "max")(x)                         # window 4, stride 3: 0..3, 3..6, 6..9
    assert spp.tolist() == [[3.0, 6.0, 9.0]]
    assert torch.nn.functional.adaptive_max_pool1d(x, 3).flatten(1).tolist() == [[3.0, 6.0, 9.0]]
    x = torch.tensor([[[5.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]]])
    assert PaperSPP([4], "avg")(x).tolist() == [[3.0, 1.0, 1.0, 1.0, 1.0, 1.0]]


def test_local_oracle_is_not_a_shared_convolution():
    # with one filter bank copied to every position the oracle is a convolution; changing one position's
    # weights changes that position's output alone
    shape, args = (2, 6, 5), {"out": 3, "kernel": 3}
    oracle = _unshared(shape, args, tiled=False).double()
    conv = torch.nn.Conv2d(2, 3, 3, bias=False).double()
    with torch.no_grad():
        oracle.weight.copy_(conv.weight.expand_as(oracle.weight))
        oracle.bias.zero_()
        x = torch.randn(1, *shape, dtype=torch.float64)
        torch.testing.assert_close(oracle(x), conv(x))
        oracle.weight[1, 2].add_(1.0)
        diff = (oracle(x) - conv(x)).abs().sum(dim=1)[0]
    assert diff[1, 2] > 1e-3
    diff[1, 2] = 0
    assert diff.max() < 1e-12


def test_netvlad_oracle_depends_on_every_part():
    torch.manual_seed(0)
    oracle = PaperNetVLAD(4, 3, True).double()
    for p in oracle.parameters():
        torch.nn.init.normal_(p)
    x = torch.randn(1, 4, 5, dtype=torch.float64)
    with torch.no_grad():
        out = oracle(x)
        assert torch.linalg.vector_norm(out) == pytest.approx(1.0)
        # intra-normalised: every cluster's block has the same norm, 1/√K
        torch.testing.assert_close(torch.linalg.vector_norm(out.reshape(3, 4), dim=1), out.new_full((3,), 3 ** -0.5))
        oracle.intra_norm = False
        assert not torch.allclose(oracle(x), out)
        oracle.intra_norm = True
        oracle.c.add_(0.5)
        assert not torch.allclose(oracle(x), out)
