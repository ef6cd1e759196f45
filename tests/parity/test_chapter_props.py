"""Property tests for the CNN chapter's other windowed layer types: random locally connected, tiled,
spatial-pyramid, adaptive-pooling, upsampling and padding configurations, built in torch by
torch_builder.py (from the layer definitions in docs/spec.md) and run on the CPU. cnncalc's output shape,
parameters and MACs must equal what torch builds and its forward hooks count, and a configuration cnncalc
rejects must fail in torch too, and the other way round.
"""

from __future__ import annotations


from extras import require_torch

torch = require_torch()

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from cnncalc.analysis import analyze  # noqa: E402
from cnncalc.errors import SpecError  # noqa: E402
from cnncalc.spec import parse_spec  # noqa: E402
# cnncalc rejects ⇔ torch rejects: a configuration cnncalc rejects has no exported code (the export needs
# cnncalc's shapes), so these properties build torch's network with the independent reference builder
from torch_reference import build, measure  # noqa: E402
from props import PROPERTY, yaml_value  # noqa: E402



def check(input_shape, type_name, args):
    text = (f"input: {yaml_value(list(input_shape))}\nlayers:\n  - {{name: x, {type_name}: {{"
            + ", ".join(f"{k}: {yaml_value(v)}" for k, v in args.items()) + "}}\n")
    spec = parse_spec(text, "prop.yaml")       # the strategies draw only well-formed arguments
    try:
        row = analyze(spec).rows[1]
    except SpecError:
        row = None
    try:
        measured = measure(build(spec, device="cpu"), torch.randn(1, *input_shape))["x"]
        if 0 in measured.shape:         # torch gives an empty tensor, not an error, for an empty axis
            measured = None
    except (RuntimeError, ValueError, NotImplementedError):
        measured = None
    assert (row is None) == (measured is None), f"cnncalc {'rejects' if row is None else 'accepts'}, torch " \
                                                f"{'rejects' if measured is None else 'accepts'}"
    if row is not None:
        assert (row.output_shape, row.params, row.macs) == (measured.shape, measured.params, measured.macs)


@st.composite
def spatial(draw, low=1, high=10):
    ndim = draw(st.integers(1, 3))
    high = min(high, 6) if ndim == 3 else high
    return tuple(draw(st.lists(st.integers(low, high), min_size=ndim, max_size=ndim)))


def axis_values(ndim, low, high):
    return st.one_of(st.integers(low, high), st.lists(st.integers(low, high), min_size=ndim, max_size=ndim))


def padding(ndim):
    pair = st.lists(st.integers(0, 2), min_size=2, max_size=2)
    return st.one_of(st.sampled_from(["valid", "same", "full"]), axis_values(ndim, 0, 2),
                     st.lists(st.one_of(st.integers(0, 2), pair), min_size=ndim, max_size=ndim))


@st.composite
def unshared(draw, tiled):
    sizes = draw(spatial())
    ndim = len(sizes)
    args = {"out": draw(st.integers(1, 4)), "kernel": draw(axis_values(ndim, 1, 4))}
    if tiled:
        args["tile"] = draw(axis_values(ndim, 1, 5))
    optional = {"stride": axis_values(ndim, 1, 3), "padding": padding(ndim), "dilation": axis_values(ndim, 1, 2),
                "bias": st.booleans() if tiled else st.sampled_from(["position", "channel", "none", True, False])}
    for name, strategy in optional.items():
        if draw(st.integers(0, 3)):
            args[name] = draw(strategy)
    return (draw(st.integers(1, 3)), *sizes), args


@PROPERTY
@given(unshared(tiled=False))
def test_local_matches_torch(case):
    check(case[0], "local", case[1])


@PROPERTY
@given(unshared(tiled=True))
def test_tiled_conv_matches_torch(case):
    check(case[0], "tiled_conv", case[1])


@PROPERTY
@given(st.integers(1, 3), spatial(), st.lists(st.integers(1, 5), min_size=1, max_size=3),
       st.sampled_from(["max", "avg"]))
def test_spp_matches_torch(channels, sizes, levels, mode):
    # includes sizes where SPPNet's rule gives other than n bins, and levels larger than the input
    check((channels, *sizes), "spp", {"levels": levels, "mode": mode})


@PROPERTY
@given(st.integers(1, 3), spatial(), st.data(), st.sampled_from(["adaptive_avgpool", "adaptive_maxpool"]))
def test_adaptive_pool_matches_torch(channels, sizes, data, type_name):
    check((channels, *sizes), type_name, {"size": data.draw(axis_values(len(sizes), 1, 12))})


@PROPERTY
@given(st.integers(1, 3), spatial(), st.data())
def test_upsample_matches_torch(channels, sizes, data):
    ndim = len(sizes)
    # the linear modes sometimes on the wrong number of axes: both must refuse
    mode = data.draw(st.sampled_from(["nearest", "nearest", "linear", "bilinear", "trilinear"]))
    key = data.draw(st.sampled_from(["scale", "size"]))
    args = {"mode": mode, key: data.draw(axis_values(ndim, 1, 3 if key == "scale" else 12))}
    if mode != "nearest" and data.draw(st.booleans()):
        args["align_corners"] = data.draw(st.booleans())
    check((channels, *sizes), "upsample", args)


@PROPERTY
@given(st.integers(1, 3), spatial(), st.data())
def test_pad_matches_torch(channels, sizes, data):
    ndim = len(sizes)
    pair = st.lists(st.integers(0, 4), min_size=2, max_size=2)
    amount = data.draw(st.one_of(st.integers(0, 4), st.lists(st.one_of(st.integers(0, 4), pair),
                                                              min_size=ndim, max_size=ndim)))
    # reflect needs the padding below the axis's size in both: drawn past it sometimes
    check((channels, *sizes), "pad", {"padding": amount,
                                      "mode": data.draw(st.sampled_from(["constant", "reflect", "replicate"]))})
