"""Property tests: random convolution, depthwise convolution and pooling configurations.

For each configuration hypothesis draws, cnncalc's output shape and parameter count (and, for convolutions,
MACs) must equal what torch builds and computes; a configuration cnncalc rejects must be rejected by torch
too, and the other way round. The torch side is built here directly from torch.nn / torch.nn.functional;
MACs come from the torch module's weight shape and output shape.
"""

from __future__ import annotations

import math

import pytest
from extras import require_torch

torch = require_torch()

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from torch import nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from torch_builder import resolve_padding  # noqa: E402
from props import PROPERTY, cnncalc_row  # noqa: E402


CONV = {1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d}
MAXPOOL = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
AVGPOOL = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}


def run_torch(make):
    """(output, module) from torch, or None when torch rejects the configuration."""
    try:
        return make()
    except (RuntimeError, ValueError):
        return None


def per_axis(value, ndim):
    return tuple(value) if isinstance(value, (list, tuple)) else (value,) * ndim


# ----------------------------------------------------------------------------- strategies

@st.composite
def spatial(draw, ndim=None, low=1, high=12):
    ndim = draw(st.integers(1, 3)) if ndim is None else ndim
    high = min(high, 7) if ndim == 3 else high
    return tuple(draw(st.lists(st.integers(low, high), min_size=ndim, max_size=ndim)))


def axis_values(ndim, low, high):
    """An int, or a list with one value per axis."""
    return st.one_of(st.integers(low, high), st.lists(st.integers(low, high), min_size=ndim, max_size=ndim))


def conv_padding(ndim):
    pair = st.lists(st.integers(0, 3), min_size=2, max_size=2)
    return st.one_of(st.sampled_from(["valid", "same", "full"]), axis_values(ndim, 0, 3),
                     st.lists(pair, min_size=ndim, max_size=ndim))


@st.composite
def conv_config(draw, depthwise=False):
    sizes = draw(spatial())
    ndim = len(sizes)
    if depthwise:
        c_in = draw(st.integers(1, 12))
        groups = c_in
        out = c_in * draw(st.integers(1, 3))            # depth multiplier
    else:
        groups = draw(st.integers(1, 4))
        # mostly divisible channel counts, sometimes not (both must reject those)
        c_in = groups * draw(st.integers(1, 3)) + draw(st.sampled_from([0, 0, 0, 1]))
        out = groups * draw(st.integers(1, 3)) + draw(st.sampled_from([0, 0, 0, 1]))
    args = {"out": out, "kernel": draw(axis_values(ndim, 1, 5)), "stride": draw(axis_values(ndim, 1, 3)),
            "padding": draw(conv_padding(ndim)), "dilation": draw(axis_values(ndim, 1, 3)),
            "groups": groups, "bias": draw(st.booleans())}
    return (c_in, *sizes), args


def torch_conv(input_shape, args):
    c_in, sizes = input_shape[0], input_shape[1:]
    ndim = len(sizes)
    k, s, d = (per_axis(args[key], ndim) for key in ("kernel", "stride", "dilation"))
    pairs = resolve_padding(args["padding"], sizes, k, s, d)
    conv = CONV[ndim](c_in, args["out"], k, stride=s, dilation=d, groups=args["groups"], bias=args["bias"])
    x = F.pad(torch.zeros(1, *input_shape), [p for pair in reversed(pairs) for p in pair])
    return conv(x), conv


def check_conv(input_shape, args):
    row = cnncalc_row(input_shape, "conv", args)
    result = run_torch(lambda: torch_conv(input_shape, args))
    assert (row is None) == (result is None), f"cnncalc {'rejects' if row is None else 'accepts'}, torch " \
                                              f"{'rejects' if result is None else 'accepts'}"
    if row is None:
        return
    y, conv = result
    assert row.output_shape == tuple(y.shape[1:])
    assert row.params == sum(p.numel() for p in conv.parameters())
    # MACs: every output element multiplies (C_in/groups)·prod(kernel) weights: weight is [out, C_in/g, *k]
    assert row.macs == y.numel() * conv.weight.shape[1] * math.prod(conv.weight.shape[2:])


@PROPERTY
@given(conv_config())
def test_conv_matches_torch(config):
    check_conv(*config)


@PROPERTY
@given(conv_config(depthwise=True))
def test_depthwise_conv_matches_torch(config):
    check_conv(*config)


# ----------------------------------------------------------------------------- depthwise and separable types

@st.composite
def depthwise_config(draw, separable=False):
    """The `depthwise_conv` / `separable_conv` layer types' own arguments (multiplier, no groups)."""
    sizes = draw(spatial())
    ndim = len(sizes)
    args = {"kernel": draw(axis_values(ndim, 1, 5))}
    if separable:
        args = {"out": draw(st.integers(1, 6)), **args}
    optional = {"multiplier": st.integers(1, 3), "stride": axis_values(ndim, 1, 3), "padding": conv_padding(ndim),
                "dilation": axis_values(ndim, 1, 3), "bias": st.booleans()}
    for name, strategy in optional.items():
        if draw(st.integers(0, 3)):                     # sometimes left at its default
            args[name] = draw(strategy)
    return (draw(st.integers(1, 6)), *sizes), args


def torch_depthwise(input_shape, args, bias):
    """nn.ConvNd with groups = C_in and C_in·multiplier outputs, behind the explicit padding."""
    c_in = input_shape[0]
    conv_args = {"out": c_in * args.get("multiplier", 1), "kernel": args["kernel"],
                 "stride": args.get("stride", 1), "padding": args.get("padding", 0),
                 "dilation": args.get("dilation", 1), "groups": c_in, "bias": bias}
    return torch_conv(input_shape, conv_args)


@PROPERTY
@given(depthwise_config())
def test_depthwise_conv_type_matches_torch(config):
    input_shape, args = config
    row = cnncalc_row(input_shape, "depthwise_conv", args)
    result = run_torch(lambda: torch_depthwise(input_shape, args, args.get("bias", True)))
    assert (row is None) == (result is None)
    if row is None:
        return
    y, conv = result
    assert row.output_shape == tuple(y.shape[1:])
    assert row.params == sum(p.numel() for p in conv.parameters())
    # weight [C·m, 1, *k]: every output element multiplies prod(kernel) inputs of its own channel
    assert row.macs == y.numel() * conv.weight.shape[1] * math.prod(conv.weight.shape[2:])


@PROPERTY
@given(depthwise_config(separable=True))
def test_separable_conv_type_matches_torch(config):
    # depthwise (window arguments, no bias) then a pointwise 1×1 convolution to `out` carrying the bias
    # (docs/spec.md, as Keras's SeparableConv2D)
    input_shape, args = config
    row = cnncalc_row(input_shape, "separable_conv", args)

    def make():
        mid, depthwise = torch_depthwise(input_shape, args, False)
        pointwise = CONV[len(input_shape) - 1](mid.shape[1], args["out"], 1, bias=args.get("bias", True))
        return mid, depthwise, pointwise(mid), pointwise
    result = run_torch(make)
    assert (row is None) == (result is None)
    if row is None:
        return
    mid, depthwise, y, pointwise = result
    assert row.output_shape == tuple(y.shape[1:])
    assert row.params == sum(p.numel() for m in (depthwise, pointwise) for p in m.parameters())
    # MACs of each convolution from its own output and weight: out elements · (C_in/groups) · prod(kernel)
    assert row.macs == sum(out.numel() * conv.weight.shape[1] * math.prod(conv.weight.shape[2:])
                           for out, conv in ((mid, depthwise), (y, pointwise)))


# ----------------------------------------------------------------------------- pooling

@st.composite
def pool_config(draw, type_name):
    sizes = draw(spatial())
    ndim = len(sizes)
    args = {"kernel": draw(axis_values(ndim, 1, 5))}
    if draw(st.booleans()):
        args["stride"] = draw(axis_values(ndim, 1, 3))
    args["padding"] = draw(axis_values(ndim, 0, 3))       # torch pools take symmetric padding only
    if type_name == "maxpool":                              # torch's average pooling has no dilation
        args["dilation"] = draw(axis_values(ndim, 1, 3))
    args["ceil_mode"] = draw(st.booleans())
    return (draw(st.integers(1, 4)), *sizes), args


def torch_pool(type_name, input_shape, args):
    ndim = len(input_shape) - 1
    k = per_axis(args["kernel"], ndim)
    s = per_axis(args.get("stride", args["kernel"]), ndim)
    p = per_axis(args["padding"], ndim)
    x = torch.zeros(1, *input_shape)
    if type_name == "maxpool":
        d = per_axis(args["dilation"], ndim)
        return MAXPOOL[ndim](x, k, s, p, d, ceil_mode=args["ceil_mode"])
    return AVGPOOL[ndim](x, k, s, p, ceil_mode=args["ceil_mode"], count_include_pad=True)


@pytest.mark.parametrize("type_name", ["maxpool", "avgpool"])
def test_pool_matches_torch(type_name):
    @PROPERTY
    @given(pool_config(type_name))
    def check(config):
        input_shape, args = config
        row = cnncalc_row(input_shape, type_name, args)
        y = run_torch(lambda: torch_pool(type_name, input_shape, args))
        kernel = per_axis(args["kernel"], len(input_shape) - 1)
        if type_name == "avgpool" and len(kernel) == 3 and any(n < k for n, k in zip(input_shape[1:], kernel)):
            # torch's avg_pool3d alone also rejects an unpadded axis smaller than the kernel
            # (docs/conventions.md); cnncalc follows the pooling formula, which torch's 3-D max pooling
            # applies to the same windows
            assert y is None
            y = run_torch(lambda: torch_pool("maxpool", input_shape, {**args, "dilation": 1}))
        assert (row is None) == (y is None), f"cnncalc {'rejects' if row is None else 'accepts'}, torch " \
                                             f"{'rejects' if y is None else 'accepts'}"
        if row is not None:
            assert row.output_shape == tuple(y.shape[1:])
            assert row.params == 0 and row.macs == 0
    check()


@PROPERTY
@given(st.integers(1, 6), spatial(), st.booleans(), st.sampled_from(["global_avgpool", "global_maxpool"]))
def test_global_pool_matches_torch(channels, sizes, keepdims, type_name):
    row = cnncalc_row((channels, *sizes), type_name, {"keepdims": keepdims})
    pool = {"global_avgpool": {1: F.adaptive_avg_pool1d, 2: F.adaptive_avg_pool2d, 3: F.adaptive_avg_pool3d},
            "global_maxpool": {1: F.adaptive_max_pool1d, 2: F.adaptive_max_pool2d,
                               3: F.adaptive_max_pool3d}}[type_name][len(sizes)]
    y = pool(torch.zeros(1, channels, *sizes), 1)
    expected = tuple(y.shape[1:]) if keepdims else tuple(torch.flatten(y, 1).shape[1:])
    assert row.output_shape == expected
