"""The folded network (``--runtime fused``) against torch's own folding: every batch norm that follows a
convolution read by it alone is folded with ``torch.nn.utils.fusion.fuse_conv_bn_eval`` into the torch network
built from cnncalc's export (torch_builder.build), and the parameters, state (buffers) and MACs torch then holds
and runs must equal cnncalc's deployed figures. Torch decides which tensors survive (the fused convolution
always has a bias, the batch norm's γ, β and running statistics go); the hooks of torch_builder.measure count
the MACs. The folded network's output equals the unfolded one's (torch folds exactly what runs)."""

from __future__ import annotations

from pathlib import Path

import pytest
from extras import require_torch

torch = require_torch()

from torch import nn  # noqa: E402
from torch.nn.utils.fusion import fuse_conv_bn_eval  # noqa: E402

import cnncalc  # noqa: E402
from cnncalc.spec import read_spec  # noqa: E402
from torch_builder import build, measure  # noqa: E402

SPECS = Path(__file__).resolve().parents[2] / "specs"


def _set(root: nn.Module, path: str, module: nn.Module) -> None:
    parent, _, leaf = path.rpartition(".")
    setattr(root.get_submodule(parent) if parent else root, leaf, module)


def fold_in_torch(net) -> int:
    """Fold, in place, every BatchNorm2d whose one input is a Conv2d that nothing else reads; the number
    folded. Which modules compute which node comes from the export's map (net.export.modules)."""
    paths = net.export.modules
    readers: dict = {}
    for name in net.names:
        for source in set(net.inputs[name]):
            readers[source] = readers.get(source, 0) + 1
    folded = 0
    for name in net.names:
        mine, ins = paths.get(name, ()), net.inputs[name]
        if len(mine) != 1 or len(ins) != 1 or readers.get(ins[0]) != 1 or len(paths.get(ins[0], ())) != 1:
            continue
        bn, conv = net.net.get_submodule(mine[0]), net.net.get_submodule(paths[ins[0]][0])
        if isinstance(bn, nn.BatchNorm2d) and isinstance(conv, nn.Conv2d):
            _set(net.net, paths[ins[0]][0], fuse_conv_bn_eval(conv, bn))
            _set(net.net, mine[0], nn.Identity())
            folded += 1
    return folded


@pytest.mark.parametrize("name, expected_folds", [("resnet18", 20), ("mobilenet_v2", 52)])
def test_folded_params_and_macs_equal_torchs_folding(name, expected_folds):
    spec = read_spec(str(SPECS / "zoo" / f"{name}.yaml"))
    torch.manual_seed(0)
    net = build(spec, device="cpu")
    for module in net.modules():              # running statistics that are not the identity
        if isinstance(module, nn.BatchNorm2d):
            module.running_mean.uniform_(-1, 1)
            module.running_var.uniform_(0.5, 2)
    x = torch.randn(1, *spec.input_shape)
    with torch.no_grad():
        before = net(x)[spec.graph.output]
    assert fold_in_torch(net) == expected_folds
    with torch.no_grad():
        after = net(x)[spec.graph.output]
    assert torch.allclose(before, after, rtol=1e-3, atol=1e-4)     # torch folded what runs

    params = sum(p.numel() for p in net.parameters())
    state = sum(b.numel() for n, b in net.named_buffers() if not n.endswith("num_batches_tracked"))
    macs = sum(m.macs for m in measure(net, x).values())
    report = cnncalc.analyze(f"zoo:{name}", runtime="fused")
    assert report.runtime == "fused"
    assert (report.totals.params, report.totals.state, report.totals.macs) == (params, state, macs)
    # and the fold changed something: the eager network differs by every folded BN's γ, β (and bias)
    assert cnncalc.analyze(f"zoo:{name}").totals.params != params
