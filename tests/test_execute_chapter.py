"""The numpy executors of the CNN chapter's layer types, each against an independent computation written
here: explicit scatter loops (conv_transpose), per-position loops (local, tiled_conv), the SPPNet and
PyTorch window rules by enumeration (spp, adaptive pools), PyTorch's interpolation formula position by
position (upsample), loops over clusters and descriptors (netvlad), index arithmetic (pad, embedding).
Where torch is installed, some are also checked against it (those tests alone skip without it).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from cnncalc.execute import executable_types
from cnncalc.layers import REGISTRY
from oracle import window_starts
from oracle_chapter import adaptive_window, transposed_scatter, upsample_reads
from test_execute import make, naive_conv, per_axis, resolve, run


def rand(*shape, seed=4):
    return np.random.default_rng(seed).standard_normal(shape)


# ----------------------------------------------------------------------------- conv_transpose

def naive_transpose(x, weight, bias, kernel, strides, dilations, crops, extra, groups):
    """Scatter loops: input (c, i) adds x[c, i]·w[c, o, t] to full-output position i·s + t·d of every output
    channel o of its group; the full output has max(i·s + t·d) + 1 positions per axis (scattered by
    oracle_chapter.transposed_scatter) plus output_padding; the crops are cut from its two ends."""
    c_in, spatial = x.shape[0], x.shape[1:]
    c_out_g = weight.shape[1]
    out_channels = c_out_g * groups
    full = [max(transposed_scatter(n, k, s, d)) + 1 + e
            for n, k, s, d, e in zip(spatial, kernel, strides, dilations, extra)]
    y = np.zeros((out_channels, *full))
    for c in range(c_in):
        group = c // (c_in // groups)
        for i in itertools.product(*(range(n) for n in spatial)):
            for t in itertools.product(*(range(k) for k in kernel)):
                pos = tuple(ii * s + tt * d for ii, tt, s, d in zip(i, t, strides, dilations))
                for oo in range(c_out_g):
                    y[(group * c_out_g + oo, *pos)] += x[(c, *i)] * weight[(c, oo, *t)]
    if bias is not None:
        y += bias.reshape((-1,) + (1,) * len(spatial))
    return y[(slice(None),) + tuple(slice(b, n - a) for (b, a), n in zip(crops, full))]


# (input shape, out, kernel, stride, padding, output_padding, dilation, groups, bias)
TRANSPOSE_CASES = [
    ((1, 2, 2), 1, 4, 3, 0, 0, 1, 1, False),              # the textbook 2×2 → 7×7
    ((3, 4, 5), 4, 4, 2, 1, 0, 1, 1, True),               # DCGAN's doubling
    ((2, 3, 4), 2, 3, 2, 1, 1, 1, 1, True),               # output_padding
    ((4, 3, 3), 6, 3, 2, 0, 0, 1, 2, True),               # groups
    ((2, 4, 3), 2, 3, 2, [[2, 0], [0, 1]], [1, 0], 2, 1, True),   # explicit pairs, dilation, per-axis output padding
    ((2, 3, 4), 3, [2, 3], [3, 1], "same", 0, 1, 1, False),      # Keras's same: out = in·s
    ((2, 3, 3), 2, 2, 3, "valid", 2, 3, 1, True),          # output_padding < dilation
    ((2, 6), 3, 5, 3, 2, 1, 1, 1, True),                   # 1-D
    ((2, 2, 3, 2), 2, [2, 3, 1], [2, 1, 3], 0, 0, 1, 2, True),   # 3-D, groups
]


def transpose_crops(padding, spatial, kernel, strides, dilations):
    """'same': the full scatter (no output padding) less in·s, the odd one after; others as any padding."""
    if padding == "same":
        pairs = []
        for n, k, s, d in zip(spatial, kernel, strides, dilations):
            total = max(transposed_scatter(n, k, s, d)) + 1 - n * s
            pairs.append((total // 2, total - total // 2))
        return pairs
    if padding == "valid":
        return [(0, 0)] * len(spatial)
    return resolve(padding, (0, *spatial), kernel, strides, dilations)


@pytest.mark.parametrize("shape, out, k, s, p, op, d, g, bias", TRANSPOSE_CASES)
def test_conv_transpose_matches_scatter_loops(shape, out, k, s, p, op, d, g, bias):
    x = rand(*shape)
    layer = make("conv_transpose", out=out, kernel=k, stride=s, padding=p, output_padding=op, dilation=d,
                 groups=g, bias=bias)
    got, drawn = run(layer, x)
    ndim = len(shape) - 1
    ks, ss, ds, ops = per_axis(k, ndim), per_axis(s, ndim), per_axis(d, ndim), per_axis(op, ndim)
    assert drawn["weight"].shape == (shape[0], out // g, *ks)
    crops = transpose_crops(p, shape[1:], ks, ss, ds)
    expected = naive_transpose(x, drawn["weight"], drawn.get("bias"), ks, ss, ds, crops, ops, g)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_conv_transpose_textbook_sizes():
    # (2 − 1)·3 + 4 = 7; Keras 'same' with stride 2 on 5: 10
    assert run(make("conv_transpose", out=1, kernel=4, stride=3), np.ones((1, 2, 2)))[0].shape == (1, 7, 7)
    assert run(make("conv_transpose", out=1, kernel=3, stride=2, padding="same"), np.ones((1, 5)))[0].shape == (1, 10)


@pytest.mark.parametrize("shape, out, k, s, p, op, d, g", [
    ((3, 4, 5), 4, 4, 2, 1, 0, 1, 1),
    ((2, 3, 4), 2, 3, 2, 1, 1, 1, 1),
    ((4, 3, 3), 6, 3, 2, 0, 1, 2, 2),
    ((2, 6), 3, 5, 3, 2, 1, 1, 1),
])
def test_conv_transpose_matches_torch(shape, out, k, s, p, op, d, g):
    torch = pytest.importorskip("torch")
    x = rand(*shape)
    got, drawn = run(make("conv_transpose", out=out, kernel=k, stride=s, padding=p, output_padding=op,
                          dilation=d, groups=g), x)
    fn = torch.nn.functional.conv_transpose1d if len(shape) == 2 else torch.nn.functional.conv_transpose2d
    expected = fn(torch.from_numpy(x)[None], torch.from_numpy(drawn["weight"]), torch.from_numpy(drawn["bias"]),
                  stride=s, padding=p, output_padding=op, groups=g, dilation=d)[0].numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


# ----------------------------------------------------------------------------- depthwise and separable

def test_depthwise_conv_is_a_conv_per_channel():
    x = rand(3, 7, 6)
    got, drawn = run(make("depthwise_conv", kernel=3, multiplier=2, stride=2, padding=1), x)
    w = drawn["weight"]                                   # [C·m, 1, 3, 3]: output c·m + j filters channel c
    assert w.shape == (6, 1, 3, 3)
    for c, j in itertools.product(range(3), range(2)):
        o = c * 2 + j
        expected = naive_conv(x[c:c + 1], w[o:o + 1], drawn["bias"][o:o + 1], [2, 2], [(1, 1), (1, 1)], [1, 1], 1)
        np.testing.assert_allclose(got[o], expected[0], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("bias", [True, False])
def test_separable_conv_is_depthwise_then_pointwise(bias):
    x = rand(2, 6, 7)
    got, drawn = run(make("separable_conv", out=3, kernel=[3, 2], multiplier=2, dilation=[2, 1], padding=1,
                          bias=bias), x)
    dw, pw = drawn["depthwise_weight"], drawn["pointwise_weight"]
    assert dw.shape == (4, 1, 3, 2) and pw.shape == (3, 4, 1, 1) and ("bias" in drawn) == bias
    mid = np.stack([naive_conv(x[o // 2:o // 2 + 1], dw[o:o + 1], None, [1, 1], [(1, 1), (1, 1)], [2, 1], 1)[0]
                    for o in range(4)])
    for o in range(3):
        expected = sum(pw[o, c, 0, 0] * mid[c] for c in range(4)) + (drawn["bias"][o] if bias else 0.0)
        np.testing.assert_allclose(got[o], expected, rtol=1e-10, atol=1e-12)


# ----------------------------------------------------------------------------- local and tiled

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


# ----------------------------------------------------------------------------- spp and adaptive pooling

@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("shape, levels", [((2, 13, 13), [6, 3, 2, 1]), ((3, 10, 7), [4, 2]), ((2, 9), [1, 3]),
                                           ((1, 5, 6, 4), [2, 1])])
def test_spp_bins_and_order(shape, levels, mode):
    x = rand(*shape)
    got, _ = run(make("spp", levels=levels, mode=mode), x)
    expected = []
    for n in levels:
        # SPPNet: window ceil(size/n), stride floor(size/n), every window that fits, no padding
        per_axis_bins = []
        for size in shape[1:]:
            window, stride = math.ceil(size / n), math.floor(size / n)
            per_axis_bins.append([range(st, st + window) for st in range(0, size - window + 1, stride)])
        for c in range(shape[0]):                         # channels outermost within a level
            for box in itertools.product(*per_axis_bins):
                values = [x[(c, *q)] for q in itertools.product(*box)]
                expected.append(max(values) if mode == "max" else sum(values) / len(values))
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_spp_zf5_level_6_on_13():
    # window ceil(13/6) = 3, stride floor(13/6) = 2: starts 0, 2, ..., 10 → 6 bins, the last reading 10..12
    x = np.arange(13.0)[None, :]
    got, _ = run(make("spp", levels=[6]), x)
    assert got.tolist() == [2.0, 4.0, 6.0, 8.0, 10.0, 12.0]


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
    torch = pytest.importorskip("torch")
    x = rand(3, 10, 7)
    t = torch.from_numpy(x)[None]
    avg, _ = run(make("adaptive_avgpool", size=size), x)
    mx, _ = run(make("adaptive_maxpool", size=size), x)
    np.testing.assert_allclose(avg, torch.nn.functional.adaptive_avg_pool2d(t, size)[0].numpy(), rtol=1e-12)
    np.testing.assert_allclose(mx, torch.nn.functional.adaptive_max_pool2d(t, size)[0].numpy(), rtol=1e-12)


# ----------------------------------------------------------------------------- upsample

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
    torch = pytest.importorskip("torch")
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


# ----------------------------------------------------------------------------- netvlad

@pytest.mark.parametrize("intra_norm", [True, False])
@pytest.mark.parametrize("shape, k", [((4, 3, 5), 3), ((3, 7), 1), ((2, 2, 2, 3), 2)])
def test_netvlad_by_loops(shape, k, intra_norm):
    x = rand(*shape)
    got, drawn = run(make("netvlad", clusters=k, intra_norm=intra_norm), x)
    w, b, c = drawn["weight"], drawn["bias"], drawn["centres"]
    d = shape[0]
    descriptors = [x[(slice(None), *q)] for q in itertools.product(*(range(n) for n in shape[1:]))]
    vlad = np.zeros((k, d))
    for xi in descriptors:
        scores = [sum(w[kk, j] * xi[j] for j in range(d)) + b[kk] for kk in range(k)]
        exps = [math.exp(s - max(scores)) for s in scores]
        for kk in range(k):
            a = exps[kk] / sum(exps)
            for j in range(d):
                vlad[kk, j] += a * (xi[j] - c[kk, j])
    if intra_norm:
        for kk in range(k):
            vlad[kk] /= math.sqrt(sum(v * v for v in vlad[kk]))
    flat = [vlad[kk, j] for kk in range(k) for j in range(d)]       # cluster by cluster
    norm = math.sqrt(sum(v * v for v in flat))
    np.testing.assert_allclose(got, [v / norm for v in flat], rtol=1e-10)


# ----------------------------------------------------------------------------- lrn, pad, reshape, embedding, relu6

@pytest.mark.parametrize("size", [5, 4, 1])
def test_lrn_across_channels(size):
    x = rand(6, 3, 2)
    args = {"size": size, "alpha": 0.3, "beta": 0.75, "k": 2.0}
    got, _ = run(make("lrn", **args), x)
    for c, h, w in itertools.product(range(6), range(3), range(2)):
        window = [x[cc, h, w] ** 2 for cc in range(c - size // 2, c + (size - 1) // 2 + 1) if 0 <= cc < 6]
        expected = x[c, h, w] / (2.0 + 0.3 / size * sum(window)) ** 0.75
        assert got[c, h, w] == pytest.approx(expected, rel=1e-12)


def test_lrn_matches_torch():
    torch = pytest.importorskip("torch")
    x = rand(7, 3, 4)
    for size in (5, 4):
        got, _ = run(make("lrn", size=size, alpha=0.2, beta=0.75, k=1.5), x)
        expected = torch.nn.functional.local_response_norm(torch.from_numpy(x)[None], size, 0.2, 0.75, 1.5)[0]
        np.testing.assert_allclose(got, expected.numpy(), rtol=1e-12)


def reflect(i, n):
    return -i if i < 0 else (2 * (n - 1) - i if i >= n else i)


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate"])
def test_pad_modes_by_index_arithmetic(mode):
    x = rand(2, 4, 5)
    got, _ = run(make("pad", padding=[[2, 1], [0, 3]], mode=mode, value=1.5), x)
    assert got.shape == (2, 7, 8)
    for c, h, w in itertools.product(range(2), range(7), range(8)):
        i, j = h - 2, w
        if mode == "constant":
            expected = x[c, i, j] if 0 <= i < 4 and 0 <= j < 5 else 1.5
        elif mode == "reflect":
            expected = x[c, reflect(i, 4), reflect(j, 5)]
        else:
            expected = x[c, min(max(i, 0), 3), min(max(j, 0), 4)]
        assert got[c, h, w] == expected


def test_reshape_is_row_major_per_example():
    x = np.arange(24.0).reshape(2, 3, 4)
    got, _ = run(make("reshape", shape=[4, -1]), x)
    assert got.shape == (4, 6)
    assert all(got[a, b] == a * 6 + b for a in range(4) for b in range(6))


@pytest.mark.parametrize("shape", [(6,), (1, 6)])
def test_embedding_looks_up_rows_channels_first(shape):
    ids = np.array([3, 0, 9, 3, 1, 9], dtype=float).reshape(shape)
    got, drawn = run(make("embedding", vocab=10, dim=4), ids)
    table = drawn["weight"]
    assert table.shape == (10, 4) and got.shape == (4, 6)
    for d, l in itertools.product(range(4), range(6)):
        assert got[d, l] == table[int(ids.reshape(-1)[l]), d]


def test_relu6():
    x = 5 * rand(3, 4)
    got, _ = run(make("relu6"), x)
    assert all(got[i, j] == min(max(x[i, j], 0.0), 6.0) for i in range(3) for j in range(4))


# ----------------------------------------------------------------------------- the structural run

def structural(layer, marked_shape, mark):
    zero, _ = run(layer, np.zeros(marked_shape, np.float32), structural=True)
    assert not zero.any()
    x = np.zeros(marked_shape, np.float32)
    x[mark] = 1.0
    out, _ = run(layer, x, structural=True)
    assert out.min() >= 0
    return set(zip(*np.nonzero(out)))


def test_structural_conv_transpose_marks_the_scatter():
    # input 2 of 5, kernel 3, stride 2, crop 1 before: full positions 4, 5, 6 → output 3, 4, 5 (every channel)
    layer = make("conv_transpose", out=2, kernel=3, stride=2, padding=1)
    assert structural(layer, (1, 5), (0, 2)) == {(c, o) for c in range(2) for o in (3, 4, 5)}


def test_structural_local_and_tiled_mark_their_windows():
    for layer in (make("local", out=2, kernel=3), make("tiled_conv", out=2, kernel=3, tile=2)):
        # input 3 of 6 (no padding): windows starting at 1, 2, 3
        assert structural(layer, (1, 6), (0, 3)) == {(c, o) for c in range(2) for o in (1, 2, 3)}


def test_structural_upsample_reads_only_non_zero_weights():
    # bilinear (linear) ×2 on 4 positions: output o reads the inputs oracle_chapter.upsample_reads lists;
    # the inputs reaching output o are exactly those whose reads include 1
    layer = make("upsample", mode="linear", scale=2)
    expected = {(0, o) for o in range(8) if 1 in upsample_reads(o, 4, 8, "linear")}
    assert structural(layer, (1, 4), (0, 1)) == expected == {(0, 1), (0, 2), (0, 3), (0, 4)}
    # align_corners, 3 → 5: sources 0, ½, 1, 3/2, 2; input 1 is read by outputs 1, 2, 3 (output 2 exactly)
    layer = make("upsample", mode="linear", size=5, align_corners=True)
    assert structural(layer, (1, 3), (0, 1)) == {(0, 1), (0, 2), (0, 3)}


def test_structural_adaptive_and_spp():
    # adaptive, 5 → 3: windows [0, 2), [1, 4), [3, 5): input 3 reaches outputs 1 and 2
    assert structural(make("adaptive_avgpool", size=3), (1, 5), (0, 3)) == {(0, 1), (0, 2)}
    # spp [2, 1] on 5: level 2 windows 3 wide, 2 apart: [0, 3), [2, 5); input 4 → bin 1 and the level-1 bin
    assert structural(make("spp", levels=[2, 1]), (1, 5), (0, 4)) == {(1,), (2,)}


def test_structural_netvlad_depends_on_everything():
    for k, intra in ((3, True), (1, False)):
        got = structural(make("netvlad", clusters=k, intra_norm=intra), (2, 3, 3), (1, 0, 2))
        assert got == {(e,) for e in range(2 * k)}


def test_structural_lrn_pad_embedding():
    # lrn n = 3: channel 2 reaches channels 1, 2, 3 at its position
    assert structural(make("lrn", size=3), (5, 2), (2, 1)) == {(1, 1), (2, 1), (3, 1)}
    # pad: the new positions are padding in the structural run, whatever the mode (docs/verify.md)
    for mode in ("constant", "reflect", "replicate"):
        assert structural(make("pad", padding=2, mode=mode, value=3.0), (1, 4), (0, 1)) == {(0, 3)}
    # embedding: token 2 reaches every channel of column 2
    assert structural(make("embedding", vocab=5, dim=3), (1, 4), (0, 2)) == {(d, 2) for d in range(3)}


def test_every_layer_type_has_an_executor():
    assert set(REGISTRY) == set(executable_types())
