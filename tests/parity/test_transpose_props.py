"""Property test: random transposed-convolution configurations against torch.nn.ConvTransposeNd.

cnncalc's output shape and parameters must equal torch's for every configuration both accept, and a
configuration one rejects the other must reject too (output_padding ≥ max(stride, dilation), output size
below 1, channels not divisible by groups). cnncalc's `conv_transpose` takes PyTorch's argument names (out,
kernel, stride, padding, output_padding, dilation, groups, bias; `cnncalc layers conv_transpose`). Padding
is drawn in every form cnncalc accepts: PyTorch's symmetric ints run as torch's own `padding`; `valid`,
[before, after] pairs and Keras's `same` run as torch's full output cropped by the builder's
``transposed_crop`` (its definition, from docs/spec.md, not cnncalc's code).
"""

from __future__ import annotations

import math

from extras import require_torch

torch = require_torch()

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from torch import nn  # noqa: E402

from torch_builder import Crop, transposed_crop  # noqa: E402
import props  # noqa: E402
from props import PROPERTY  # noqa: E402

CONV_T = {1: nn.ConvTranspose1d, 2: nn.ConvTranspose2d, 3: nn.ConvTranspose3d}


def per_axis(value, ndim):
    return tuple(value) if isinstance(value, (list, tuple)) else (value,) * ndim


def axis_values(ndim, low, high):
    return st.one_of(st.integers(low, high), st.lists(st.integers(low, high), min_size=ndim, max_size=ndim))


@st.composite
def padding(draw, ndim):
    """Every form, about equally often: an int, per-axis ints, per-axis [before, after] pairs (mixed with
    ints), valid, same."""
    form = draw(st.sampled_from(["int", "ints", "pairs", "valid", "same"]))
    if form in ("valid", "same"):
        return form
    if form == "int":
        return draw(st.integers(0, 3))
    if form == "ints":
        return draw(st.lists(st.integers(0, 3), min_size=ndim, max_size=ndim))
    pairs = draw(st.lists(st.one_of(st.lists(st.integers(0, 3), min_size=2, max_size=2), st.integers(0, 3)),
                          min_size=ndim, max_size=ndim))
    first = draw(st.integers(0, ndim - 1))
    pairs[first] = draw(st.lists(st.integers(0, 3), min_size=2, max_size=2))     # at least one pair
    return pairs


@st.composite
def config(draw):
    ndim = draw(st.integers(1, 3))
    sizes = tuple(draw(st.lists(st.integers(1, 6 if ndim == 3 else 10), min_size=ndim, max_size=ndim)))
    groups = draw(st.integers(1, 3))
    c_in = groups * draw(st.integers(1, 3)) + draw(st.sampled_from([0, 0, 0, 1]))
    args = {"out": groups * draw(st.integers(1, 3)) + draw(st.sampled_from([0, 0, 0, 1])),
            "kernel": draw(axis_values(ndim, 1, 5))}
    # each optional argument sometimes left out, so that its default is exercised too
    optional = {"stride": axis_values(ndim, 1, 3), "padding": padding(ndim),
                # mostly 0 or 1, sometimes up to 3: an output_padding not below the stride and the
                # dilation is rejected by both
                "output_padding": st.one_of(st.just(0), axis_values(ndim, 0, 1), axis_values(ndim, 0, 3)),
                "dilation": axis_values(ndim, 1, 3),
                "groups": st.just(groups), "bias": st.booleans()}
    for name, strategy in optional.items():
        if name == "groups" or draw(st.integers(0, 4)):
            args[name] = draw(strategy)
    return (c_in, *sizes), args


def cnncalc_row(input_shape, args):
    return props.cnncalc_row(input_shape, "conv_transpose", args)


def torch_run(input_shape, args):
    ndim = len(input_shape) - 1
    k, s, d = (per_axis(args.get(key, default), ndim) for key, default in
               (("kernel", None), ("stride", 1), ("dilation", 1)))
    pad = args.get("padding", 0)
    if pad == "same" and any(per_axis(args.get("output_padding", 0), ndim)):
        return None     # Keras's 'same' fixes the output at in·stride: an output_padding is refused (conventions.md)
    symmetric = isinstance(pad, int) or (isinstance(pad, list) and all(isinstance(p, int) for p in pad))
    try:
        # torch's own padding where it is symmetric; otherwise the full output, cropped
        crop = None if symmetric else transposed_crop(pad, input_shape[1:], k, s, d)
        module = CONV_T[ndim](
            input_shape[0], args["out"], k, stride=s, padding=per_axis(pad, ndim) if symmetric else 0,
            output_padding=per_axis(args.get("output_padding", 0), ndim), dilation=d,
            groups=args.get("groups", 1), bias=args.get("bias", True))
        y = module(torch.zeros(1, *input_shape))
        if crop is not None:
            y = Crop(crop)(y)
    except (RuntimeError, ValueError):
        return None
    # torch returns an empty tensor, instead of an error, when an axis comes out as 0: no output at all
    return None if y.numel() == 0 else (y, module)


@PROPERTY
@given(config())
def test_conv_transpose_shape_and_parameters_match_torch(case):
    input_shape, args = case
    row = cnncalc_row(input_shape, args)
    result = torch_run(input_shape, args)
    assert (row is None) == (result is None), f"cnncalc {'rejects' if row is None else 'accepts'}, torch " \
                                              f"{'rejects' if result is None else 'accepts'}"
    if row is not None:
        y, module = result
        assert row.output_shape == tuple(y.shape[1:])
        assert row.params == sum(p.numel() for p in module.parameters())


@PROPERTY
@given(config())
def test_conv_transpose_macs(case):
    # every input element is multiplied by each of the (C_out/groups)·prod(kernel) weights it meets
    # (torch's weight is [C_in, C_out/groups, *kernel]): the scatter form of the count
    input_shape, args = case
    row = cnncalc_row(input_shape, args)
    result = torch_run(input_shape, args)
    if row is not None and result is not None:
        _, module = result
        w = module.weight.shape
        assert row.macs == math.prod(input_shape) * w[1] * math.prod(w[2:])
