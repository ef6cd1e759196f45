"""blurpool and std_conv against torch: the numpy executors against the modules `cnncalc export` writes (run by
torch on the same input, the same weights), and, where timm is installed, against timm's own BlurPool2d and
ScaledStdConv2d / StdConv2d: outputs, parameter counts (``sum(p.numel())``) and state (``state_dict()``)."""

from __future__ import annotations

import numpy as np
import pytest
from extras import require_timm, require_torch

torch = require_torch()

from test_elementwise_numerics import Exported, execute  # noqa: E402

X = np.random.default_rng(9).standard_normal((2, 6, 9, 8))


@pytest.mark.parametrize("args", [{}, {"kernel": 5, "stride": 1, "padding": 2}, {"kernel": [2, 3], "padding": "same"}])
def test_blurpool_matches_the_exported_module(args):
    got, drawn = execute("blurpool", args, X)
    module = Exported("blurpool", **{k: str(v) for k, v in args.items()})
    # the filter is a non-persistent buffer: no parameter, nothing in state_dict
    assert sum(p.numel() for p in module.parameters()) == 0 and len(module.state_dict()) == 0
    expected = module(torch.from_numpy(X)).numpy()
    assert got.shape == expected.shape and np.allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_blurpool_matches_timm():
    require_timm()
    from timm.layers import BlurPool2d
    blur = BlurPool2d(6, filt_size=3, stride=2, pad_mode="constant").double()
    # timm pads by get_padding(3, 2) = 1 on each side, then filters: blurpool with padding 1
    got, _ = execute("blurpool", {"padding": 1}, X)
    assert np.allclose(got, blur(torch.from_numpy(X)).numpy(), rtol=1e-12, atol=1e-12)
    assert sum(p.numel() for p in blur.parameters()) == 0 and len(blur.state_dict()) == 0


def _load(module, drawn, gain=None):
    """The drawn weight, bias and gain into the exported StdConv (its nn.Conv2d inside, and its gain)."""
    std = next(m for m in module.modules() if type(m).__name__ == "StdConv")
    with torch.no_grad():
        std.conv.weight.copy_(torch.from_numpy(drawn["weight"]))
        if std.conv.bias is not None:
            std.conv.bias.copy_(torch.from_numpy(drawn["bias"]))
        if std.gain is not None:
            std.gain.copy_(torch.from_numpy(drawn["gain"] if gain is None else gain))
    return std


@pytest.mark.parametrize("args, params", [
    # 8 filters of 6·3·3 + 8 biases + 8 gains; 8 filters of 3·1·1 (2 groups) without bias or gain
    ({"out": 8, "kernel": 3, "padding": 1}, 8 * 54 + 8 + 8),
    ({"out": 8, "kernel": 1, "groups": 2, "bias": "false", "gain": "false", "eps": "1.0e-5"}, 8 * 3),
])
def test_std_conv_matches_the_exported_module(args, params):
    raw = {k: {"false": False}.get(v, float(v) if k == "eps" else v) for k, v in args.items()}
    got, drawn = execute("std_conv", raw, X)
    module = Exported("std_conv", **args)
    _load(module, drawn)
    assert sum(p.numel() for p in module.parameters()) == params
    assert np.allclose(got, module(torch.from_numpy(X)).detach().numpy(), rtol=1e-9, atol=1e-10)


def test_std_conv_matches_timms_scaled_std_conv():
    require_timm()
    from timm.layers import ScaledStdConv2d
    conv = ScaledStdConv2d(6, 8, 3, padding=1, gamma=1.7, eps=1e-5).double()
    got, drawn = execute("std_conv", {"out": 8, "kernel": 3, "padding": 1, "eps": 1e-5}, X)
    # timm multiplies the standardised filter by gain · γ/√fan-in; cnncalc's gain holds that product
    with torch.no_grad():
        conv.weight.copy_(torch.from_numpy(drawn["weight"]))
        conv.bias.copy_(torch.from_numpy(drawn["bias"]))
        conv.gain.copy_(torch.from_numpy(drawn["gain"] / (1.7 * 54 ** -0.5)).reshape(8, 1, 1, 1))
    assert np.allclose(got, conv(torch.from_numpy(X)).detach().numpy(), rtol=1e-9, atol=1e-10)
    # and its parameters: 8·6·3·3 + 8 + 8, cnncalc's std_conv count
    assert sum(p.numel() for p in conv.parameters()) == 8 * 54 + 16
