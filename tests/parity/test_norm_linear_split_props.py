"""Property tests and numerics against torch for layernorm, groupnorm, instancenorm, linear and split.

Random configurations, built by torch_builder.py from torch's own modules (nn.LayerNorm channels-last or of
the whole shape, nn.GroupNorm, nn.InstanceNorm1d/2d/3d, nn.Linear channels-last, Tensor.split / chunk): the
output shape, parameters, state and MACs torch gives must be cnncalc's row, and a configuration cnncalc
rejects must fail in torch too, and the other way round. Then verify's numpy executors must compute what the
torch modules compute, with the same weights.
"""

from __future__ import annotations

import numpy as np
import pytest
from extras import require_torch

torch = require_torch()

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from cnncalc.analysis import analyze  # noqa: E402
from cnncalc.errors import SpecError  # noqa: E402
from cnncalc.execute import Context, executor_for  # noqa: E402
from cnncalc.spec import parse_spec  # noqa: E402
from torch_builder import build  # noqa: E402
# cnncalc rejects ⇔ torch rejects: a configuration cnncalc rejects has no exported code (the export needs
# cnncalc's shapes), so these properties build torch's network with the independent reference builder
import torch_reference  # noqa: E402
from props import PROPERTY, yaml_value  # noqa: E402


def spec_of(input_shape, type_name, args):
    return parse_spec(f"input: {yaml_value(list(input_shape))}\nlayers:\n  - {{name: x, {type_name}: {{"
                      + ", ".join(f"{k}: {yaml_value(v)}" for k, v in args.items()) + "}}\n", "prop.yaml")


def check(input_shape, type_name, args, rejected_by_torch=None):
    """cnncalc's rows (every node the entry made) against torch's; ``rejected_by_torch``: torch's own rule
    where torch accepts what it computes differently (chunk of a C that parts does not divide)."""
    try:
        spec = spec_of(input_shape, type_name, args)
        report = analyze(spec)
    except SpecError:
        report = None
    try:
        if rejected_by_torch is not None and rejected_by_torch:
            raise ValueError("torch computes another split")
        spec = spec_of(input_shape, type_name, args) if report is None else spec
        # batch 2: torch's group_norm refuses groups of one value at batch 1 only (its batch-size check)
        measured = torch_reference.measure(torch_reference.build(spec, device="cpu"), torch.randn(2, *input_shape))
    except (RuntimeError, ValueError, SpecError):
        measured = None
    assert (report is None) == (measured is None), f"cnncalc {'rejects' if report is None else 'accepts'}, " \
                                                   f"torch {'rejects' if measured is None else 'accepts'}"
    if report is None:
        return
    for row in report.rows[1:]:
        m = measured[row.name]
        assert (row.output_shape, row.params, row.state, row.macs) == (m.shape, m.params, m.state, m.macs)


@st.composite
def shapes(draw, low_rank=0):
    channels = draw(st.integers(1, 12))
    spatial = draw(st.lists(st.integers(1, 6), min_size=low_rank, max_size=3))
    return (channels, *spatial)


@PROPERTY
@given(shapes(), st.sampled_from(["channels", "all"]), st.booleans())
def test_layernorm_matches_torch(shape, over, affine):
    check(shape, "layernorm", {"over": over, "affine": affine})


@PROPERTY
@given(shapes(), st.integers(1, 6), st.booleans())
def test_groupnorm_matches_torch(shape, groups, affine):
    if shape[0] % groups == 0 and shape[0] // groups * np.prod(shape[1:], dtype=int) == 1:
        # groups of one value: torch's group_norm refuses them at batch 1 only (its batch-size check, which the
        # builder's batch-1 probe meets); at batch 2 it computes them, as cnncalc counts them
        row = analyze(spec_of(shape, "groupnorm", {"groups": groups, "affine": affine})).rows[1]
        module = torch.nn.GroupNorm(groups, shape[0], affine=affine)
        assert row.output_shape == tuple(module(torch.randn(2, *shape)).shape[1:])
        assert row.params == sum(p.numel() for p in module.parameters())
        return
    check(shape, "groupnorm", {"groups": groups, "affine": affine})


@PROPERTY
@given(shapes(), st.booleans(), st.booleans())
def test_instancenorm_matches_torch(shape, affine, track):
    # a flat [C] is refused by both (torch's InstanceNorm1d would read [B, C] as one unbatched sample)
    if len(shape) == 1:
        with pytest.raises(SpecError):
            analyze(spec_of(shape, "instancenorm", {}))
        return
    check(shape, "instancenorm", {"affine": affine, "track_running_stats": track})


@PROPERTY
@given(shapes(), st.integers(1, 9), st.booleans())
def test_linear_matches_torch(shape, out, bias):
    check(shape, "linear", {"out": out, "bias": bias})


@PROPERTY
@given(shapes(), st.one_of(st.integers(1, 5).map(lambda n: {"parts": n}),
                           st.lists(st.integers(1, 6), min_size=2, max_size=4).map(lambda s: {"sizes": s})))
def test_split_matches_torch(shape, args):
    if "parts" in args:
        # chunk(n) of a C that n does not divide gives unequal parts (or fewer); cnncalc refuses
        check(shape, "split", args, rejected_by_torch=shape[0] % args["parts"] != 0)
    else:
        check(shape, "split", args)       # torch's split raises when the sizes do not sum to C


# ----------------------------------------------------------------------------- numerics: executor vs torch

def torch_outputs(spec, x, weights):
    """Every node's output from the torch build, its parameters and buffers set from ``weights``."""
    net = build(spec, device="cpu").double()
    with torch.no_grad():
        for name, tensor in net.named_parameters():
            tensor.copy_(torch.from_numpy(weights[name]))
        for name, tensor in net.named_buffers():
            if name in weights:
                tensor.copy_(torch.from_numpy(weights[name]))
    return {k: v.detach().numpy() for k, v in net(torch.from_numpy(x)).items()}


@pytest.mark.parametrize("input_shape, type_name, args", [
    ((6, 4, 5), "layernorm", {"eps": 0.01}),
    ((6, 4, 5), "layernorm", {"over": "all"}),
    ((6,), "layernorm", {}),
    ((6, 3, 2, 2), "groupnorm", {"groups": 3}),
    ((6, 7), "instancenorm", {"affine": True}),
    ((6, 3, 3), "instancenorm", {}),
    ((6, 3, 3), "instancenorm", {"affine": True, "track_running_stats": True}),
    ((6, 4, 5), "linear", {"out": 3}),
    ((6,), "linear", {"out": 3, "bias": False}),
])
def test_executor_computes_what_torch_computes(input_shape, type_name, args):
    spec = spec_of(input_shape, type_name, args)
    x = np.random.default_rng(0).standard_normal((2, *input_shape))
    ctx = Context(seed=3)
    layer = spec.graph.nodes["x"].layer
    ours = ctx.run(executor_for(type_name), layer, [x])
    drawn = ctx.drawn
    # torch's names: node x's module in the generated network (Export.modules); torch's Linear weight is
    # [out, C], the executor's [C, out]
    prefix = build(spec).param_prefix("x")
    weights = {prefix + k: (v.T.copy() if type_name == "linear" and k == "weight" else v) for k, v in drawn.items()}
    theirs = torch_outputs(spec, x, weights)["x"]
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("args", [{"sizes": [1, 4, 2]}, {"parts": 7}])
def test_split_parts_are_torchs(args):
    spec = spec_of((7, 3), "split", args)
    x = np.random.default_rng(1).standard_normal((2, 7, 3))
    theirs = torch_outputs(spec, x, {})
    for name, node in spec.graph.nodes.items():
        if name != "input":
            assert np.array_equal(Context().run(executor_for("split"), node.layer, [x]), theirs[name])
