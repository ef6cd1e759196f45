"""LR-ASPP and DeepLabV3 on MobileNetV3-Large (specs/zoo/*_mobilenet_v3_large.yaml, written by extending
zoo:mobilenet_v3_large) against the same networks written here in torch.nn from their definitions, without
torchvision and without cnncalc's export: the backbone from Table 1 of Howard et al., "Searching for
MobileNetV3" (2019) with torchvision's choices (BN eps 0.001, momentum 0.01; SE squeeze make_divisible(exp / 4,
8) with ReLU and hard-sigmoid; the last two 1×1 convolutions of the classifier not used here), dilated as
torchvision's ``mobilenet_v3_large(dilated=True)`` (the last stage: stride 1, dilation 2); the heads as
torchvision's LRASPPHead (inter_channels 128) and DeepLabHead (ASPP rates 12, 24, 36, no auxiliary head).

The torch networks are checked against torchvision's published parameter counts first (its weights' meta:
LRASPP_MobileNet_V3_Large_Weights.COCO_WITH_VOC_LABELS_V1 num_params 3,221,538;
DeepLabV3_MobileNet_V3_Large_Weights.COCO_WITH_VOC_LABELS_V1 num_params 11,029,328, which includes the
auxiliary FCNHead(40, 21): a 3×3 conv 40→10 (3,600), BN (20), a 1×1 conv 10→21 with bias (231) = 3,851), then
cnncalc's parameters and MACs must equal torch's (MACs by forward hooks: each convolution's output elements
× C_in/groups × k², bias excluded). Built on torch's meta device: shapes, no arithmetic.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from extras import require_torch

torch = require_torch()

from torch import nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from cnncalc.analysis import analyze  # noqa: E402
from cnncalc.spec import read_spec  # noqa: E402

ZOO = Path(__file__).resolve().parents[2] / "specs" / "zoo"

# Table 1 of the paper, MobileNetV3-Large: kernel, expansion, out, SE, hard-swish, stride
TABLE1 = [(3, 16, 16, False, False, 1), (3, 64, 24, False, False, 2), (3, 72, 24, False, False, 1),
          (5, 72, 40, True, False, 2), (5, 120, 40, True, False, 1), (5, 120, 40, True, False, 1),
          (3, 240, 80, False, True, 2), (3, 200, 80, False, True, 1), (3, 184, 80, False, True, 1),
          (3, 184, 80, False, True, 1), (3, 480, 112, True, True, 1), (3, 672, 112, True, True, 1),
          (5, 672, 160, True, True, 2), (5, 960, 160, True, True, 1), (5, 960, 160, True, True, 1)]


def divisible(v, d=8):
    """torchvision's _make_divisible, from its definition: nearest multiple of d (halves up), at least d, one
    more d if that lost over 10 %."""
    new = max(d, int(v + d / 2) // d * d)
    return new + d if new < 0.9 * v else new


def conv_bn(c_in, c_out, k, stride=1, groups=1, dilation=1, act=None, eps=0.001, momentum=0.01):
    layers = [nn.Conv2d(c_in, c_out, k, stride, (k - 1) // 2 * dilation, dilation=dilation, groups=groups,
                        bias=False), nn.BatchNorm2d(c_out, eps=eps, momentum=momentum)]
    return nn.Sequential(*layers, *([act()] if act else []))


class SqueezeExcite(nn.Module):
    def __init__(self, c, squeeze):
        super().__init__()
        self.fc1, self.fc2 = nn.Conv2d(c, squeeze, 1), nn.Conv2d(squeeze, c, 1)

    def forward(self, x):
        s = F.adaptive_avg_pool2d(x, 1)
        return x * F.hardsigmoid(self.fc2(F.relu(self.fc1(s))))


class Bneck(nn.Module):
    def __init__(self, c_in, k, exp, out, se, hs, stride, dilation):
        super().__init__()
        act = nn.Hardswish if hs else nn.ReLU
        layers = [conv_bn(c_in, exp, 1, act=act)] if exp != c_in else []
        layers.append(conv_bn(exp, exp, k, 1 if dilation > 1 else stride, exp, dilation, act))
        if se:
            layers.append(SqueezeExcite(exp, divisible(exp // 4)))
        layers.append(conv_bn(exp, out, 1))
        self.body, self.shortcut = nn.Sequential(*layers), stride == 1 and c_in == out

    def forward(self, x):
        y = self.body(x)
        return x + y if self.shortcut else y


def backbone():
    """features.0-16 of the dilated MobileNetV3-Large, as a list (features.4 and .16 are tapped)."""
    layers, c = [conv_bn(3, 16, 3, 2, act=nn.Hardswish)], 16
    for i, (k, exp, out, se, hs, stride) in enumerate(TABLE1):
        layers.append(Bneck(c, k, exp, out, se, hs, stride, 2 if i >= 12 else 1))
        c = out
    layers.append(conv_bn(160, 960, 1, act=nn.Hardswish))
    return nn.ModuleList(layers)


class LRASPP(nn.Module):
    def __init__(self, classes=21, inter=128):
        super().__init__()
        self.features = backbone()
        self.cbr = nn.Sequential(nn.Conv2d(960, inter, 1, bias=False), nn.BatchNorm2d(inter), nn.ReLU())
        self.scale = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(960, inter, 1, bias=False), nn.Sigmoid())
        self.low, self.high = nn.Conv2d(40, classes, 1), nn.Conv2d(inter, classes, 1)

    def forward(self, x):
        size, low = x.shape[-2:], None
        for i, layer in enumerate(self.features):
            x = layer(x)
            if i == 4:
                low = x
        y = F.interpolate(self.cbr(x) * self.scale(x), size=low.shape[-2:], mode="bilinear", align_corners=False)
        return F.interpolate(self.low(low) + self.high(y), size=size, mode="bilinear", align_corners=False)


def cbr(c_in, c_out, k=1, dilation=1):
    return nn.Sequential(nn.Conv2d(c_in, c_out, k, padding=(k - 1) // 2 * dilation, dilation=dilation, bias=False),
                         nn.BatchNorm2d(c_out), nn.ReLU())


class DeepLabV3(nn.Module):
    def __init__(self, classes=21):
        super().__init__()
        self.features = backbone()
        self.branches = nn.ModuleList([cbr(960, 256)] + [cbr(960, 256, 3, r) for r in (12, 24, 36)])
        self.pool = cbr(960, 256)
        self.project = nn.Sequential(cbr(5 * 256, 256), nn.Dropout(0.5))
        self.head = nn.Sequential(cbr(256, 256, 3), nn.Conv2d(256, classes, 1))

    def forward(self, x):
        size = x.shape[-2:]
        for layer in self.features:
            x = layer(x)
        pooled = F.interpolate(self.pool(F.adaptive_avg_pool2d(x, 1)), size=x.shape[-2:], mode="bilinear",
                               align_corners=False)
        y = self.project(torch.cat([b(x) for b in self.branches] + [pooled], dim=1))
        return F.interpolate(self.head(y), size=size, mode="bilinear", align_corners=False)


def torch_figures(model, size=520):
    macs = []

    def hook(module, inputs, output):
        w = module.weight.shape              # [C_out, C_in / groups, k, k]; batch 1
        macs.append(output.numel() * w[1] * w[2] * w[3])
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            m.register_forward_hook(hook)
    out = model.eval()(torch.empty(1, 3, size, size, device="meta"))
    return sum(p.numel() for p in model.parameters()), sum(macs), tuple(out.shape[1:])


@pytest.mark.parametrize("spec, make, published", [
    ("lraspp_mobilenet_v3_large", LRASPP, 3_221_538),
    ("deeplabv3_mobilenet_v3_large", DeepLabV3, 11_029_328 - (40 * 10 * 9 + 2 * 10 + 10 * 21 + 21)),
])
def test_segmentation_by_extension_equals_torch(spec, make, published):
    with torch.device("meta"):
        model = make()
    params, macs, shape = torch_figures(model)
    assert params == published                         # the torch network is torchvision's
    rep = analyze(read_spec(str(ZOO / f"{spec}.yaml")))
    assert (rep.totals.params, rep.totals.macs, rep.output_shape) == (params, macs, shape)
    # the spec is written by extension, not by copying MobileNetV3's blocks
    assert "extends: zoo:mobilenet_v3_large" in (ZOO / f"{spec}.yaml").read_text()
    assert "blocks:\n  conv_bn_act" not in (ZOO / f"{spec}.yaml").read_text()
