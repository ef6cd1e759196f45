"""The model zoo (specs/zoo/) against published figures and hand derivations.

Sources of the expected figures:

* torchvision's model documentation (https://pytorch.org/vision/stable/models.html, the ``num_params`` and
  ``_ops`` ("GFLOPS") metadata of each ``*_Weights.IMAGENET1K_V1``): parameters exactly, MACs rounded to
  three digits there; the exact MAC counts quoted in issue 5 (ResNet-50 4,089,184,256, VGG-16
  15,470,264,320, MobileNetV2 300,774,272, GoogLeNet 1,498,376,192, ResNet-18 1,814,073,344) are the
  unrounded figures behind them. Where a figure is not published exactly it is derived below, layer by
  layer, from the paper's architecture.
* State (BatchNorm running mean and variance, 2 per BN channel) is derived below from each network's table.
* Receptive fields: Araujo, Norris & Sim, "Computing Receptive Fields of Convolutional Neural Networks",
  Distill 2019 (its table of VGG-16 and AlexNet fields), cross-checked by the brute-force tracer in
  tests/oracles.py.

These tests need no PyTorch; tests/parity/ checks the same specs against torch.nn modules.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cnncalc.analysis import analyze
from cnncalc.spec import read_spec
from oracles import receptive_field_1d

ZOO = Path(__file__).resolve().parents[2] / "specs" / "zoo"


def report(name: str, input_shape=None):
    return analyze(read_spec(str(ZOO / f"{name}.yaml"), input_shape=input_shape))


def row(rep, name: str):
    return next(r for r in rep.rows if r.name == name)


# ----------------------------------------------------------------------------- hand derivations

def conv(c_in, c_out, k, out_hw, groups=1, bias=False):
    """(params, MACs) of a square k×k convolution with an out_hw×out_hw output."""
    weights = c_out * (c_in // groups) * k * k
    return weights + (c_out if bias else 0), out_hw * out_hw * weights


def dense(n_in, n_out, bias=True):
    return n_in * n_out + (n_out if bias else 0), n_in * n_out


def total(*layers):
    return sum(p for p, _ in layers), sum(m for _, m in layers)


# LeNet-5 (the spec's simplified variant: full C3, plain average pooling, dense output), 32×32 input:
# C1 28×28, S2 14×14, C3 10×10, S4 5×5, C5 1×1.
LENET5 = total(conv(1, 6, 5, 28, bias=True),       # 156, 117,600
               conv(6, 16, 5, 10, bias=True),      # 2,416, 240,000
               conv(16, 120, 5, 1, bias=True),     # 48,120, 48,000
               dense(120, 84), dense(84, 10))      # 10,164 + 850; 10,080 + 840

# torchvision AlexNet at 224: conv1 11×11/4 pad 2 → 55, pool → 27, conv2 5×5 → 27, pool → 13,
# conv3..5 3×3 → 13, pool → 6; classifier 256·6·6 = 9,216 → 4,096 → 4,096 → 1,000.
ALEXNET = total(conv(3, 64, 11, 55, bias=True), conv(64, 192, 5, 27, bias=True),
                conv(192, 384, 3, 13, bias=True), conv(384, 256, 3, 13, bias=True),
                conv(256, 256, 3, 13, bias=True),
                dense(9216, 4096), dense(4096, 4096), dense(4096, 1000))

# MobileNet v1 (paper, Table 1), 224: conv weights without bias, FC 1024 → 1000 with bias.
# (c_in, c_out, stride of the depthwise conv, output size of the pair)
_V1_PAIRS = ([(32, 64, 1, 112), (64, 128, 2, 56), (128, 128, 1, 56), (128, 256, 2, 28), (256, 256, 1, 28),
              (256, 512, 2, 14)] + [(512, 512, 1, 14)] * 5 + [(512, 1024, 2, 7), (1024, 1024, 1, 7)])
MOBILENET_V1 = total(conv(3, 32, 3, 112),
                     *[conv(c_in, c_in, 3, hw, groups=c_in) for c_in, _, _, hw in _V1_PAIRS],
                     *[conv(c_in, c_out, 1, hw) for c_in, c_out, _, hw in _V1_PAIRS],
                     dense(1024, 1000))

# MobileNetV2 BN channels (Table 2): stem 32; the t = 1 block: depthwise 32, projection 16; every t = 6
# block with input c_in and output c_out: expansion 6·c_in, depthwise 6·c_in, projection c_out; head 1280.
_V2_ROWS = [(16, 24, 2), (24, 32, 3), (32, 64, 4), (64, 96, 3), (96, 160, 3), (160, 320, 1)]  # c_in, c, n
_V2_BLOCKS = [(c_in if i == 0 else c, c) for c_in, c, n in _V2_ROWS for i in range(n)]
MOBILENET_V2_BN = 32 + 32 + 16 + sum(12 * c_in + c_out for c_in, c_out in _V2_BLOCKS) + 1280

# GoogLeNet BN channels: conv1 64, conv2 64, conv3 192, and per inception module every BasicConv2d of
# Table 1's row: #1×1, #3×3 reduce, #3×3, #5×5 reduce, #5×5, pool proj.
_INCEPTION_ROWS = [(64, 96, 128, 16, 32, 32), (128, 128, 192, 32, 96, 64), (192, 96, 208, 16, 48, 64),
                   (160, 112, 224, 24, 64, 64), (128, 128, 256, 24, 64, 64), (112, 144, 288, 32, 64, 64),
                   (256, 160, 320, 32, 128, 128), (256, 160, 320, 32, 128, 128), (384, 192, 384, 48, 128, 128)]
GOOGLENET_BN = 64 + 64 + 192 + sum(sum(r) for r in _INCEPTION_ROWS)

# ResNet BN channels: bn1 64; basic block 2·w, bottleneck 6·w (w, w, 4w); projection shortcuts: 1 per
# stage except ResNet-18's first, of width w (basic) or 4w (bottleneck). Stage widths 64, 128, 256, 512.
RESNET18_BN = 64 + sum(2 * 2 * w for w in (64, 128, 256, 512)) + (128 + 256 + 512)
RESNET50_BN = 64 + sum(n * 6 * w for w, n in ((64, 3), (128, 4), (256, 6), (512, 3))) \
    + sum(4 * w for w in (64, 128, 256, 512))

# VGG-16-BN: one BN after each of the 13 convolutions (2·64, 2·128, 3·256, 3·512, 3·512 channels).
VGG16_BN = 2 * 64 + 2 * 128 + 3 * 256 + 3 * 512 + 3 * 512

# name: (parameters, MACs, state)
FIGURES = {
    "lenet5": (*LENET5, 0),
    "alexnet": (*ALEXNET, 0),
    # torchvision VGG16_Weights: 138,357,544 params, 15.47 GFLOPS
    "vgg16": (138_357_544, 15_470_264_320, 0),
    # torchvision VGG16_BN_Weights: 138,365,992 params (= vgg16 + γ, β of every BN), 15.47 GFLOPS
    "vgg16_bn": (138_365_992, 15_470_264_320, 2 * VGG16_BN),
    # torchvision GoogLeNet_Weights (aux_logits=False): 6,624,904 params, 1.5 GFLOPS
    "googlenet": (6_624_904, 1_498_376_192, 2 * GOOGLENET_BN),
    # torchvision ResNet18_Weights: 11,689,512 params, 1.81 GFLOPS
    "resnet18": (11_689_512, 1_814_073_344, 2 * RESNET18_BN),
    # torchvision ResNet50_Weights.IMAGENET1K_V1: 25,557,032 params, 4.09 GFLOPS
    "resnet50": (25_557_032, 4_089_184_256, 2 * RESNET50_BN),
    "mobilenet_v1": (*MOBILENET_V1, 0),
    # torchvision MobileNet_V2_Weights: 3,504,872 params, 0.3 GFLOPS
    "mobilenet_v2": (3_504_872, 300_774_272, 2 * MOBILENET_V2_BN),
}


# The networks of issue 10, at torchvision's input size for each variant (its weights' transforms), against
# torchvision 0.28.0's published metadata: ``num_params`` exactly, and ``_ops`` (GFLOPS: conv and linear MACs
# without bias, in units of 10^9) to the digits it prints. The variant is chosen with the spec's own
# arguments, as its description says (docs/zoo.md). (spec, --set values): (weights, num_params, _ops, input)
PUBLISHED = {
    ("efficientnet", ()): ("EfficientNet_B0_Weights.IMAGENET1K_V1", 5_288_548, "0.386", 224),
    ("efficientnet", ("depth=1.1", "resolution=240")): ("EfficientNet_B1_Weights.IMAGENET1K_V2", 7_794_184, "0.687", 240),
    ("efficientnet", ("width=1.1", "depth=1.2", "resolution=288")): ("EfficientNet_B2_Weights.IMAGENET1K_V1", 9_109_994, "1.088", 288),
    ("efficientnet", ("width=1.2", "depth=1.4", "resolution=300")): ("EfficientNet_B3_Weights.IMAGENET1K_V1", 12_233_232, "1.827", 300),
    ("efficientnet", ("width=1.4", "depth=1.8", "resolution=380")): ("EfficientNet_B4_Weights.IMAGENET1K_V1", 19_341_616, "4.394", 380),
    ("efficientnet", ("width=1.6", "depth=2.2", "resolution=456")): ("EfficientNet_B5_Weights.IMAGENET1K_V1", 30_389_784, "10.266", 456),
    ("efficientnet", ("width=1.8", "depth=2.6", "resolution=528")): ("EfficientNet_B6_Weights.IMAGENET1K_V1", 43_040_704, "19.068", 528),
    ("efficientnet", ("width=2.0", "depth=3.1", "resolution=600")): ("EfficientNet_B7_Weights.IMAGENET1K_V1", 66_347_960, "37.746", 600),
    ("mobilenet_v3_large", ()): ("MobileNet_V3_Large_Weights.IMAGENET1K_V2", 5_483_032, "0.217", 224),
    ("shufflenet_v2", ("width=0.5",)): ("ShuffleNet_V2_X0_5_Weights.IMAGENET1K_V1", 1_366_792, "0.04", 224),
    ("shufflenet_v2", ()): ("ShuffleNet_V2_X1_0_Weights.IMAGENET1K_V1", 2_278_604, "0.145", 224),
    ("shufflenet_v2", ("width=1.5",)): ("ShuffleNet_V2_X1_5_Weights.IMAGENET1K_V1", 3_503_624, "0.296", 224),
    ("shufflenet_v2", ("width=2.0",)): ("ShuffleNet_V2_X2_0_Weights.IMAGENET1K_V1", 7_393_996, "0.583", 224),
    ("convnext", ()): ("ConvNeXt_Tiny_Weights.IMAGENET1K_V1", 28_589_128, "4.456", 224),
    ("convnext", ("blocks3=27",)): ("ConvNeXt_Small_Weights.IMAGENET1K_V1", 50_223_688, "8.684", 224),
    ("convnext", ("channels=128", "blocks3=27")): ("ConvNeXt_Base_Weights.IMAGENET1K_V1", 88_591_464, "15.355", 224),
    ("convnext", ("channels=192", "blocks3=27")): ("ConvNeXt_Large_Weights.IMAGENET1K_V1", 197_767_336, "34.361", 224),
    ("regnet_y_400mf", ()): ("RegNet_Y_400MF_Weights.IMAGENET1K_V2", 4_344_144, "0.402", 224),
    # issue 22: attention counted as torch's FlopCounterMode counts it (docs/conventions.md, "Products of two
    # activations"): torchvision's swin_transformer.py, Swin_T_Weights.IMAGENET1K_V1 meta
    ("swin_t", ()): ("Swin_T_Weights.IMAGENET1K_V1", 28_288_354, "4.491", 224),
    # torchvision's maxvit.py, MaxVit_T_Weights.IMAGENET1K_V1 meta
    ("maxvit_t", ()): ("MaxVit_T_Weights.IMAGENET1K_V1", 30_919_624, "5.558", 224),
    # torchvision's vision_transformer.py, ViT_B_16_Weights.IMAGENET1K_V1 meta, and IMAGENET1K_SWAG_E2E_V1 at 384
    ("vit_b_16", ()): ("ViT_B_16_Weights.IMAGENET1K_V1", 86_567_656, "17.564", 224),
    ("vit_b_16", ("resolution=384",)): ("ViT_B_16_Weights.IMAGENET1K_SWAG_E2E_V1", 86_859_496, "55.484", 384),
}


def _overrides(settings: tuple) -> dict:
    pairs = (item.split("=") for item in settings)
    return {name: float(value) if "." in value else int(value) for name, value in pairs}


@pytest.mark.parametrize("spec, settings", sorted(PUBLISHED), ids=lambda v: " ".join(v) if isinstance(v, tuple) else v)
def test_issue10_zoo_equals_torchvisions_published_figures(spec, settings):
    _, num_params, ops, size = PUBLISHED[(spec, settings)]
    rep = analyze(read_spec(str(ZOO / f"{spec}.yaml"), overrides=_overrides(settings)))
    assert rep.input_shape == (3, size, size)
    assert rep.totals.params == num_params
    digits = len(ops.split(".")[1])
    assert f"{rep.totals.macs / 10**9:.{digits}f}" == ops
    assert rep.output_shape == (1000,) and rep.warnings == ()


@pytest.mark.parametrize("width, params, macs", [
    # torchvision 0.28.0's mobilenet_v2(width_mult=w) at 224, counted with forward hooks on its own modules
    # (parameters: sum of numel; MACs: conv and linear, without bias): no weights are published for these
    (0.5, 1_968_680, 97_131_840), (0.75, 2_636_424, 209_069_792), (1.4, 6_108_776, 582_195_824)])
def test_mobilenet_v2_widths_are_torchvisions(width, params, macs):
    rep = analyze(read_spec(str(ZOO / "mobilenet_v2.yaml"), overrides={"width": width}))
    assert (rep.totals.params, rep.totals.macs) == (params, macs)


def test_unet_is_the_papers():
    # Ronneberger et al. 2015, Fig. 1: 572×572 → 388×388, two classes; 23 convolutions with bias.
    # Contracting path: two valid 3×3 convs per level (64, 128, 256, 512, 1024 channels), 2×2 max pool
    # between; expanding path: a 2×2 up-convolution halving the channels, crop-and-concat, two 3×3 convs.
    def conv(c_in, c_out, k):
        return k * k * c_in * c_out + c_out
    widths = (64, 128, 256, 512, 1024)
    params = conv(1, 64, 3) + conv(64, 64, 3)
    for c_in, c in zip(widths, widths[1:]):
        params += conv(c_in, c, 3) + conv(c, c, 3)
    for c, half in zip(widths[:0:-1], widths[-2::-1]):            # 1024 → 512, …, 128 → 64
        params += conv(c, half, 2) + conv(c, half, 3) + conv(half, half, 3)
    params += conv(64, 2, 1)
    assert params == 31_030_658                                   # the figure the paper's code is known for
    rep = analyze(read_spec(str(ZOO / "unet.yaml")))
    assert rep.input_shape == (1, 572, 572) and rep.output_shape == (2, 388, 388)
    assert rep.totals.params == params
    # sizes along the contracting path (valid 3×3: −2 each; pool: /2): 572 → 568 → 284 → 280 → 140 → 136 →
    # 68 → 64 → 32 → 28; expanding: up ×2, then −4: 28 → 56 → 52 → 104 → 100 → 200 → 196 → 392 → 388
    sizes = [row.output_shape[1] for row in rep.rows if row.type == "conv"]
    assert sizes == [570, 568, 282, 280, 138, 136, 66, 64, 30, 28, 54, 52, 102, 100, 198, 196, 390, 388, 388]


def test_derivations_agree_with_published_figures():
    # LeNet-5 as the spec builds it: the figure most textbooks quote for it
    assert LENET5[0] == 61_706
    # torchvision AlexNet_Weights: num_params 61,100,840, 0.71 GFLOPS
    assert ALEXNET[0] == 61_100_840 and round(ALEXNET[1] / 10**7) == 71
    # the MobileNet paper: "4.2 million parameters, 569 million mult-adds" for 1.0 MobileNet-224
    assert round(MOBILENET_V1[0] / 10**5) == 42 and round(MOBILENET_V1[1] / 10**6) == 569


def test_every_zoo_spec_has_figures():
    issue10 = {spec for spec, _ in PUBLISHED} | {"unet", "regnet"}      # regnet: tests/specs/test_regnet.py
    segmentation = {"lraspp_mobilenet_v3_large", "deeplabv3_mobilenet_v3_large"}     # test_zoo_segmentation.py
    assert sorted(p.stem for p in ZOO.glob("*.yaml")) == sorted(set(FIGURES) | issue10 | segmentation)


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_zoo_figures(name):
    params, macs, state = FIGURES[name]
    rep = report(name)
    assert rep.totals.params == params
    assert rep.totals.macs == macs
    assert rep.totals.state == state
    assert rep.totals.trainable_params == params and rep.totals.non_trainable_params == 0
    assert rep.output_shape == ((10,) if name == "lenet5" else (1000,))
    assert rep.warnings == ()


def test_vgg16_bn_adds_only_bn_parameters():
    # γ and β per BN channel: the difference between torchvision's two published counts
    assert FIGURES["vgg16_bn"][0] - FIGURES["vgg16"][0] == 2 * VGG16_BN


# ----------------------------------------------------------------------------- shapes from the papers' tables

def test_googlenet_shapes_follow_table_1():
    # Szegedy et al. 2015, Table 1, "output size" column
    rep = report("googlenet")
    expected = {
        "conv1.relu1": (64, 112, 112), "maxpool1": (64, 56, 56), "conv3.relu1": (192, 56, 56),
        "maxpool2": (192, 28, 28), "inception3a.cat": (256, 28, 28), "inception3b.cat": (480, 28, 28),
        "maxpool3": (480, 14, 14), "inception4a.cat": (512, 14, 14), "inception4b.cat": (512, 14, 14),
        "inception4c.cat": (512, 14, 14), "inception4d.cat": (528, 14, 14),
        "inception4e.cat": (832, 14, 14), "maxpool4": (832, 7, 7), "inception5a.cat": (832, 7, 7),
        "inception5b.cat": (1024, 7, 7), "avgpool": (1024,),
    }
    assert {name: row(rep, name).output_shape for name in expected} == expected


def test_resnet50_shapes_follow_table_1():
    # He et al. 2016, Table 1: conv2_x 56×56 … conv5_x 7×7, bottleneck output 4·w channels
    rep = report("resnet50")
    assert row(rep, "conv1").output_shape == (64, 112, 112)
    assert row(rep, "maxpool").output_shape == (64, 56, 56)
    for layer, shape in (("layer1", (256, 56, 56)), ("layer2", (512, 28, 28)), ("layer3", (1024, 14, 14)),
                         ("layer4", (2048, 7, 7))):
        # the relu after each block's add: layerN.i.relu3 (torchvision's names: layerN.i)
        ends = [r for r in rep.rows if re.fullmatch(rf"{layer}\.\d+\.relu3", r.name)]
        assert len(ends) == {"layer1": 3, "layer2": 4, "layer3": 6, "layer4": 3}[layer]
        assert all(r.output_shape == shape for r in ends)


def test_mobilenet_v2_shapes_follow_table_2():
    # Sandler et al. 2018, Table 2: the input of each row; the last row's output is 1280 at 7×7
    rep = report("mobilenet_v2")
    # (torchvision's names: features.N is the N-th block, features.N.add its residual sum)
    assert row(rep, "features.0.0").output_shape == (32, 112, 112)
    assert row(rep, "features.1.conv.2").output_shape == (16, 112, 112)
    assert row(rep, "features.3.add").output_shape == (24, 56, 56)
    assert row(rep, "features.6.add").output_shape == (32, 28, 28)
    assert row(rep, "features.10.add").output_shape == (64, 14, 14)
    assert row(rep, "features.13.add").output_shape == (96, 14, 14)
    assert row(rep, "features.16.add").output_shape == (160, 7, 7)
    assert row(rep, "features.17.conv.3").output_shape == (320, 7, 7)
    assert row(rep, "features.18.0").output_shape == (1280, 7, 7)


def test_mobilenet_v1_same_padding_is_asymmetric_on_stride_2():
    # TensorFlow 'same' on 112 with a 3×3 window at stride 2: out 56, total padding 55·2 + 3 − 112 = 1,
    # all after: output unit 0 starts at coordinate 0 of its input, not −1 as with PyTorch's padding 1
    rep = report("mobilenet_v1")
    before, after = row(rep, "block1.pw_relu").rf[0], row(rep, "block2.dw").rf[0]
    assert row(rep, "block2.dw").output_shape == (64, 56, 56)
    assert after.start == before.start
    assert after.stride == 2 * before.stride


# ----------------------------------------------------------------------------- receptive fields

def vgg16_chain(stages: int):
    """(kernel, stride, pad before, pad after, dilation) of VGG-16's window layers up to stage `stages`."""
    layers = []
    for convs in (2, 2, 3, 3, 3)[:stages]:
        layers += [(3, 1, 1, 1, 1)] * convs + [(2, 2, 0, 0, 1)]
    return layers


@pytest.mark.parametrize("stage, size, stride, padding", [
    (4, 100, 16, 42),     # Araujo et al. 2019: VGG-16 pool4
    (5, 212, 32, 90),     # pool5
])
def test_vgg16_receptive_fields_match_the_literature(stage, size, stride, padding):
    # Araujo et al. report the effective padding, i.e. −start
    traced = receptive_field_1d(vgg16_chain(stage), 224)
    assert traced == (size, stride, -padding)
    for name in ("vgg16", "vgg16_bn"):
        field = row(report(name), f"stage{stage}.pool").rf
        assert all((a.size, a.stride, a.start) == (size, stride, -padding) for a in field)


def test_alexnet_receptive_field_matches_the_literature():
    # Araujo et al. 2019: torchvision AlexNet, end of `features` (pool5): size 195, stride 32
    chain = [(11, 4, 2, 2, 1), (3, 2, 0, 0, 1), (5, 1, 2, 2, 1), (3, 2, 0, 0, 1),
             (3, 1, 1, 1, 1), (3, 1, 1, 1, 1), (3, 1, 1, 1, 1), (3, 2, 0, 0, 1)]
    traced = receptive_field_1d(chain, 224)
    assert traced[:2] == (195, 32)
    field = row(report("alexnet"), "pool5").rf
    assert all((a.size, a.stride, a.start) == traced for a in field)


def test_zoo_specs_scale_to_other_inputs():
    # the convolutional part does not depend on the input size: VGG-16 at 32×32 keeps its 14,714,688
    # convolution parameters (138,357,544 − the classifier's 25,088·4,096 + 4,096 + 4,096·4,096 + 4,096
    # + 4,096·1,000 + 1,000), and its first dense layer sees 512·1·1 inputs
    rep = report("vgg16", input_shape=(3, 32, 32))
    conv_params = sum(r.params for r in rep.rows if r.type == "conv")
    assert conv_params == 138_357_544 - (25088 * 4096 + 4096 + 4096 * 4096 + 4096 + 4096 * 1000 + 1000)
    assert row(rep, "fc6.fc").params == 512 * 4096 + 4096


def test_convnext_stochastic_depth_grows_as_torchvisions():
    # torchvision's convnext.py: block k of all N (stage by stage) drops with stochastic_depth_prob · k / (N − 1);
    # ConvNeXt-T has N = 3 + 3 + 9 + 3 = 18 blocks, p = 0.1
    from fractions import Fraction
    spec = read_spec("zoo:convnext")
    rates = [node.layer.rate for node in spec.graph.nodes.values() if node.layer.type_name == "stochastic_depth"]
    assert len(rates) == 18
    assert [Fraction(r).limit_denominator(1000) for r in rates] == [Fraction(1, 10) * k / 17 for k in range(18)]


@pytest.mark.parametrize("name", ["mobilenet_v2", "shufflenet_v2", "mobilenet_v3_large", "convnext"])
def test_resolution_is_an_argument_of_every_family_that_has_one(name):
    # the same network at another input size: --set resolution=160 equals --input 3,160,160
    import cnncalc
    by_argument = cnncalc.analyze(f"zoo:{name}", set={"resolution": 160})
    by_input = cnncalc.analyze(f"zoo:{name}", input=(3, 160, 160))
    assert by_argument.input_shape == (3, 160, 160) and by_argument.totals == by_input.totals
