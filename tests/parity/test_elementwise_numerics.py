"""The numpy executors of issue 10's element-wise and routing types against torch's own operations on the
same input (and the same slopes and factors): nn.SiLU, nn.Hardswish, nn.Hardsigmoid, nn.Mish, nn.PReLU,
x · nn.Parameter(C, 1, 1), nn.Identity, nn.ChannelShuffle and ShuffleNetV2's view-transpose-view, torch's
broadcasting product and sum, and stochastic depth at inference (the identity)."""

from __future__ import annotations

import numpy as np
import pytest
from extras import require_torch

torch = require_torch()

from torch import nn  # noqa: E402

from cnncalc.execute import Context, executor_for  # noqa: E402
from cnncalc.layers import lookup  # noqa: E402
from cnncalc.spec import parse_spec  # noqa: E402
from torch_builder import build  # noqa: E402


def execute(type_name, args, *arrays):
    ctx = Context(seed=3)
    layer = lookup(type_name).from_args(args)
    return ctx.run(executor_for(layer.type_name), layer, list(arrays)), ctx.drawn


X = 4 * np.random.default_rng(11).standard_normal((2, 6, 5, 4))     # batch 2, [6, 5, 4], values beyond ±3


class Exported(nn.Module):
    """The one layer of ``input: [6, 5, 4]`` as `cnncalc export` writes it (torch_builder.build), in double."""

    def __init__(self, layer: str, **args):
        super().__init__()
        self.groups = args.get("groups")
        text = "{" + ", ".join(f"{k}: {v}" for k, v in args.items()) + "}"
        self.net = build(parse_spec(f"input: [6, 5, 4]\nlayers:\n  - {{name: it, {layer}: {text}}}\n"), "cpu").double()

    def forward(self, x):
        return self.net(x)["it"]


@pytest.mark.parametrize("type_name, module", [
    ("silu", nn.SiLU()), ("swish", nn.SiLU()), ("hardswish", nn.Hardswish()),
    ("hardsigmoid", nn.Hardsigmoid()), ("mish", nn.Mish()), ("identity", nn.Identity()),
    ("stochastic_depth", Exported("stochastic_depth", rate=0.3, mode="row").eval()),
    ("channel_shuffle", nn.ChannelShuffle(3)), ("channel_shuffle", Exported("channel_shuffle", groups=2)),
])
def test_executor_matches_torch(type_name, module):
    args = {"groups": module.groups} if type_name == "channel_shuffle" else {}
    got, _ = execute(type_name, args, X)
    expected = module(torch.from_numpy(X)).numpy()
    assert got.shape == expected.shape
    assert np.allclose(got, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("per_channel", [False, True])
def test_prelu_matches_torch(per_channel):
    got, drawn = execute("prelu", {"per_channel": per_channel}, X)
    module = nn.PReLU(6 if per_channel else 1).double()
    with torch.no_grad():
        module.weight.copy_(torch.from_numpy(drawn["weight"]))
    assert np.allclose(got, module(torch.from_numpy(X)).detach().numpy(), rtol=1e-12, atol=1e-12)


def test_scale_matches_torch():
    got, drawn = execute("scale", {}, X)
    module = Exported("scale")
    (gamma,) = module.parameters()                 # the generated nn.Parameter of shape (C, 1, 1)
    assert gamma.shape == (6, 1, 1)
    with torch.no_grad():
        gamma.copy_(torch.from_numpy(drawn["weight"]).reshape(6, 1, 1))
    assert np.allclose(got, module(torch.from_numpy(X)).detach().numpy(), rtol=1e-12, atol=1e-12)


def test_broadcasting_merges_match_torch():
    gate = np.random.default_rng(12).standard_normal((2, 6, 1, 1))
    rows = np.random.default_rng(13).standard_normal((2, 1, 5, 1))
    t = [torch.from_numpy(a) for a in (X, gate, rows)]
    got, _ = execute("mul", {}, X, gate, rows)
    assert np.allclose(got, (t[0] * t[1] * t[2]).numpy(), rtol=1e-12, atol=1e-12)
    got, _ = execute("add", {}, gate, X, rows)
    assert np.allclose(got, (t[1] + t[0] + t[2]).numpy(), rtol=1e-12, atol=1e-12)
