"""The zoo specs that mirror torchvision models name their layers as torchvision's modules, so the exported
network's state_dict has torchvision's keys in torchvision's order and its pretrained weights load by name
(issue 24, docs/export.md).

Without torchvision (CI): the exported keys, in order, against the list torchvision 0.29.1 printed once,
checked in under tests/export/torchvision_keys/ (each file says the command that wrote it): an oracle from
torchvision, not from cnncalc. With the torchvision extra (torch 2.14.1, torchvision 0.29.1): torchvision's
own state_dict loads with strict=True and the two networks agree on random input."""

from __future__ import annotations

from pathlib import Path

import pytest
from extras import require_torch

torch = require_torch()

from cnncalc.spec import read_spec  # noqa: E402
from tests.export.exported import load  # noqa: E402

KEYS = Path(__file__).resolve().parent / "torchvision_keys"
# zoo spec → torchvision's constructor and its arguments (the spec's defaults are that model; GoogLeNet without
# the auxiliary classifiers and transform_input, as the spec says)
MODELS = {"resnet50": ("resnet50", {}), "mobilenet_v2": ("mobilenet_v2", {}), "efficientnet": ("efficientnet_b0", {}),
          "regnet_y_400mf": ("regnet_y_400mf", {}), "shufflenet_v2": ("shufflenet_v2_x1_0", {}),
          "convnext": ("convnext_tiny", {}),
          "googlenet": ("googlenet", {"aux_logits": False, "init_weights": True, "transform_input": False})}


def torchvision_keys(name: str) -> list:
    return [line for line in (KEYS / f"{name}.txt").read_text().splitlines() if line and not line.startswith("#")]


@pytest.mark.parametrize("name", sorted(MODELS))
def test_the_exported_keys_are_torchvisions_in_order(name):
    with torch.device("meta"):               # nothing allocated: only the names are read
        net, _ = load(read_spec(f"zoo:{name}"), "meta")
    assert list(net.state_dict()) == torchvision_keys(name)


def test_the_check_sees_a_renamed_layer():
    # the same comparison fails when one key differs (the oracle is a real list, not the code's own output)
    keys = torchvision_keys("resnet50")
    assert keys[6] == "layer1.0.conv1.weight"
    renamed = keys[:6] + ["layer1.0.res_main_conv1.weight"] + keys[7:]
    with torch.device("meta"):
        net, _ = load(read_spec("zoo:resnet50"), "meta")
    assert list(net.state_dict()) != renamed


@pytest.mark.parametrize("name", sorted(MODELS))
def test_torchvisions_weights_load_strictly_and_the_outputs_agree(name):
    from extras import require_torchvision
    torchvision = require_torchvision()
    factory, arguments = MODELS[name]
    reference = getattr(torchvision.models, factory)(**arguments).eval()
    net, _ = load(read_spec(f"zoo:{name}"))
    net.load_state_dict(reference.state_dict(), strict=True)
    torch.manual_seed(0)
    x = torch.randn(2, 3, 224, 224)
    with torch.no_grad():
        torch.testing.assert_close(net(x), reference(x), rtol=0, atol=1e-5)
