"""The numpy executors of `cnncalc verify`, each against an independent computation written here: nested
loops over output positions and kernel taps (window positions enumerated by tests/oracle.py, padding
resolved by brute force in test_layers_core.pads_for), and the math module's functions element by element.
The executors draw their weights from the Context, which keeps them in ``ctx.drawn`` for these tests.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from cnncalc.execute import EXECUTORS, Context, executable_types, executor_for
from cnncalc.layers import REGISTRY, lookup
from oracle import window_starts
from test_layers_core import pads_for


def make(type_name: str, **args):
    return lookup(type_name).from_args(args)


def run(layer, *inputs, structural=False, seed=1):
    ctx = Context(structural=structural, seed=seed)
    out = ctx.run(executor_for(layer.type_name), layer, [np.asarray(x)[None] for x in inputs])
    return out[0], ctx.drawn


def per_axis(value, ndim):
    return list(value) if isinstance(value, (list, tuple)) else [value] * ndim


def resolve(padding, shape, kernels, strides, dilations):
    """(before, after) per axis: a per-axis list gives an int (both sides) or a [before, after] pair per
    axis; any other form is resolved by brute force (pads_for)."""
    if isinstance(padding, list):
        return [tuple(item) if isinstance(item, list) else (item, item) for item in padding]
    return [pads_for(padding, n, k, s, d) for n, k, s, d in zip(shape[1:], kernels, strides, dilations)]


# ----------------------------------------------------------------------------- convolution

def naive_conv(x, weight, bias, strides, pads, dilations, groups):
    """out[o, p] = bias[o] + Σ over the group's input channels and every tap inside the input of
    x[c, start(p) + tap·d] · weight[o, c, tap]; taps in the zero padding add nothing."""
    spatial = x.shape[1:]
    out_channels, c_group, kernel = weight.shape[0], weight.shape[1], weight.shape[2:]
    starts = [window_starts(n, k, s, b, a, d) for n, k, s, (b, a), d in zip(spatial, kernel, strides, pads, dilations)]
    out = np.zeros((out_channels, *[len(st) for st in starts]))
    for o in range(out_channels):
        group = o // (out_channels // groups)
        for pos in itertools.product(*[range(len(st)) for st in starts]):
            total = bias[o] if bias is not None else 0.0
            for ci in range(c_group):
                c = group * c_group + ci
                for tap in itertools.product(*[range(k) for k in kernel]):
                    coords = [st[p] + t * d for st, p, t, d in zip(starts, pos, tap, dilations)]
                    if all(0 <= q < n for q, n in zip(coords, spatial)):
                        total += x[(c, *coords)] * weight[(o, ci, *tap)]
            out[(o, *pos)] = total
    return out


# (input shape, out, kernel, stride, padding, dilation, groups, bias)
CONV_CASES = [
    ((3, 7, 7), 4, 3, 1, 0, 1, 1, True),
    ((3, 8, 8), 4, 3, 2, 1, 1, 1, False),
    ((2, 9, 9), 3, 4, 2, "same", 1, 1, True),            # even kernel, odd total padding
    ((2, 6, 6), 2, 3, 1, "full", 1, 1, True),
    ((2, 11, 11), 2, 3, 1, 2, 2, 1, True),               # dilation with padding
    ((4, 7, 7), 6, 3, 1, 1, 1, 2, True),                 # groups
    ((4, 6, 6), 4, 3, 1, 1, 1, 4, False),                # depthwise via groups
    ((2, 7, 9), 3, [3, 5], [1, 2], [[1, 0], [2, 2]], [1, 2], 1, True),   # per-axis everything
    ((3, 13), 2, 5, 3, 0, 1, 1, True),                   # 1-D
    ((2, 10), 2, 3, 1, [[2, 0]], 1, 1, True),            # 1-D causal
    ((2, 5, 6, 5), 2, 3, [1, 2, 1], 1, 1, 1, True),      # 3-D
]


@pytest.mark.parametrize("shape, out, k, s, p, d, g, bias", CONV_CASES)
def test_conv_matches_nested_loops(shape, out, k, s, p, d, g, bias):
    rng = np.random.default_rng(7)
    x = rng.standard_normal(shape)
    layer = make("conv", out=out, kernel=k, stride=s, padding=p, dilation=d, groups=g, bias=bias)
    got, drawn = run(layer, x)
    ndim = len(shape) - 1
    ks, ss, ds = per_axis(k, ndim), per_axis(s, ndim), per_axis(d, ndim)
    pads = resolve(p, shape, ks, ss, ds)
    assert drawn["weight"].shape == (out, shape[0] // g, *ks)
    expected = naive_conv(x, drawn["weight"], drawn.get("bias"), ss, pads, ds, g)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


# ----------------------------------------------------------------------------- windowed pooling

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


# ----------------------------------------------------------------------------- element-wise

def elementwise(fn, x):
    return np.vectorize(fn)(x)


ACTIVATIONS = [
    ("relu", {}, lambda v: max(v, 0.0)),
    ("leaky_relu", {"negative_slope": 0.2}, lambda v: v if v > 0 else 0.2 * v),
    ("elu", {"alpha": 1.5}, lambda v: v if v > 0 else 1.5 * (math.exp(v) - 1)),
    ("gelu", {}, lambda v: 0.5 * v * (1 + math.erf(v / math.sqrt(2)))),
    ("gelu", {"approximate": "tanh"},
     lambda v: 0.5 * v * (1 + math.tanh(math.sqrt(2 / math.pi) * (v + 0.044715 * v ** 3)))),
    ("tanh", {}, math.tanh),
    ("sigmoid", {}, lambda v: 1 / (1 + math.exp(-v))),
    ("dropout", {"rate": 0.3}, lambda v: v),
]


@pytest.mark.parametrize("name, args, fn", ACTIVATIONS, ids=[f"{a[0]}{a[1]}" for a in ACTIVATIONS])
def test_activation_matches_math(name, args, fn):
    x = 3 * np.random.default_rng(5).standard_normal((3, 4, 5))
    got, _ = run(make(name, **args), x)
    # exact but for gelu's erf, good to 1.5e-7 (Abramowitz & Stegun 7.1.26): gelu is off by at most
    # ½·|x|·1.5e-7
    assert np.all(np.abs(got - elementwise(fn, x)) <= 0.5 * np.abs(x) * 1.5e-7 + 1e-15)


def test_softmax_over_channels():
    x = np.random.default_rng(6).standard_normal((4, 3, 2))
    got, _ = run(make("softmax"), x)
    for h, w in itertools.product(range(3), range(2)):
        exps = [math.exp(x[c, h, w]) for c in range(4)]
        for c in range(4):
            assert got[c, h, w] == pytest.approx(exps[c] / sum(exps), rel=1e-12)


@pytest.mark.parametrize("affine", [True, False])
def test_batchnorm_inference_formula(affine):
    x = np.random.default_rng(8).standard_normal((3, 4, 4))
    got, drawn = run(make("batchnorm", affine=affine, eps=0.01), x)
    for c in range(3):
        gamma = drawn["weight"][c] if affine else 1.0
        beta = drawn["bias"][c] if affine else 0.0
        expected = (x[c] - drawn["running_mean"][c]) / math.sqrt(drawn["running_var"][c] + 0.01) * gamma + beta
        np.testing.assert_allclose(got[c], expected, rtol=1e-12)
    assert ("weight" in drawn) == affine


# ----------------------------------------------------------------------------- whole-input and routing

@pytest.mark.parametrize("bias", [True, False])
def test_dense(bias):
    x = np.random.default_rng(9).standard_normal(6)
    got, drawn = run(make("dense", out=4, bias=bias), x)
    w = drawn["weight"]                    # [in, out]
    for o in range(4):
        expected = sum(x[i] * w[i, o] for i in range(6)) + (drawn["bias"][o] if bias else 0.0)
        assert got[o] == pytest.approx(expected, rel=1e-12)


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


def test_flatten_order_is_channels_outermost():
    x = np.arange(2 * 3 * 4).reshape(2, 3, 4)
    got, _ = run(make("flatten"), x)
    assert [got[c * 12 + h * 4 + w] == x[c, h, w] for c in range(2) for h in range(3) for w in range(4)] \
        == [True] * 24


def test_concat_and_add():
    a, b = np.ones((2, 3, 3)), 2 * np.ones((1, 3, 3))
    joined, _ = run(make("concat"), a, b)
    assert joined.shape == (3, 3, 3) and joined[2, 0, 0] == 2 and joined[1, 2, 2] == 1
    total, _ = run(make("add"), a, 2 * a, 3 * a)
    assert (total == 6).all()


# ----------------------------------------------------------------------------- the structural run

STRUCTURAL = [("sigmoid", {}), ("softmax", {}), ("relu", {}), ("tanh", {}), ("gelu", {}), ("elu", {}),
              ("batchnorm", {}), ("conv", {"out": 2, "kernel": 3, "padding": 1}), ("avgpool", {"kernel": 2}),
              ("maxpool", {"kernel": 3, "stride": 2, "padding": 1, "ceil_mode": True})]


@pytest.mark.parametrize("name, args", STRUCTURAL)
def test_structural_run_maps_zero_to_zero_and_marks_what_depends(name, args):
    layer = make(name, **args)
    zero, _ = run(layer, np.zeros((2, 5, 5), np.float32), structural=True)
    assert not zero.any()
    marked = np.zeros((2, 5, 5), np.float32)
    marked[1, 2, 2] = 1.0
    out, _ = run(layer, marked, structural=True)
    assert out.min() >= 0
    # every output element that reads input (1, 2, 2) is non-zero: position (2, 2) for element-wise and
    # softmax (softmax: every channel there), (1, 1) for the 2×2 pool, (1, 1) in ceil-mode max pool
    # (window rows 1..3), every channel of the 3×3 conv at rows 1..3
    if name == "sigmoid" or name in ("relu", "tanh", "gelu", "elu", "batchnorm"):
        assert set(zip(*np.nonzero(out))) == {(1, 2, 2)}
    elif name == "softmax":
        assert set(zip(*np.nonzero(out))) == {(0, 2, 2), (1, 2, 2)}
    elif name == "conv":
        assert set(zip(*np.nonzero(out))) == {(c, h, w) for c in range(2) for h in (1, 2, 3) for w in (1, 2, 3)}
    else:
        assert set(zip(*np.nonzero(out))) == {(1, 1, 1)}


def test_every_core_layer_type_has_an_executor():
    core = {"conv", "maxpool", "avgpool", "sumpool", "global_avgpool", "global_maxpool", "dense", "flatten",
            "relu", "leaky_relu", "elu", "gelu", "tanh", "sigmoid", "softmax", "batchnorm", "dropout", "concat",
            "add", "input"}
    assert core <= set(executable_types())
    assert set(EXECUTORS) <= set(REGISTRY), "an executor is registered under a name no layer type has"
