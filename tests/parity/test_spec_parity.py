"""Every zoo and seed spec, built as a torch.nn network (the code `cnncalc export` writes, run by
torch_builder.py) on the CPU: each layer's output shape, parameters, trainable parameters, state and MACs
must equal cnncalc's row, and torch's whole-network totals must equal cnncalc's totals.

Each spec runs at its declared input (224×224 for the zoo, where the totals are torchvision's) and at an
odd, non-square size (65×81) that exercises ceil_mode, asymmetric `same` padding and the classifier's
dependence on the input size. A spec the export cannot express fails here, naming the layer.
A spec too large to execute (a 10^12-weight dense layer) is compared on torch's meta device: shapes,
parameters and hook-counted MACs are still torch's own (EXECUTE_LIMIT below).

MACs are counted by forward hooks from each torch module's own weight and input/output shapes; the rule for
each module type, and why it is the one docs/conventions.md states, is written beside it in
torch_builder.py (`_MAC_RULES`): convolution and linear per output element; transposed convolution per
input element (C_out/groups · prod(k) each); locally connected and tiled per output element (C_in · prod(k)
each, weight sharing changing only the parameters); NetVLAD's soft-assignment as its 1×1 convolution plus
the residual aggregation N·D·K. Every other module counts 0.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from extras import require_torch

torch = require_torch()

from cnncalc.analysis import analyze  # noqa: E402
from cnncalc.errors import SpecError  # noqa: E402
from cnncalc.spec import parse_spec, read_spec  # noqa: E402
from cnncalc.export.code import WRITERS, writable_types  # noqa: E402
from torch_builder import build, measure  # noqa: E402

SPECS = Path(__file__).resolve().parents[2] / "specs"
# tests/data/gates_and_shuffles.yaml, arithmetic.yaml: the layer types of issues 10 and 22 that no shipped spec
# uses yet
PATHS = (sorted((SPECS / "zoo").glob("*.yaml")) + sorted((SPECS / "seed").glob("*.yaml"))
         + [SPECS.parent / "tests" / "data" / name for name in ("gates_and_shuffles.yaml", "arith_and_pixels.yaml")])


# A network with more parameters than this is compared on torch's meta device: torch still builds every
# module, propagates every shape and creates every parameter (with its shape, without storage), and the MAC
# hooks read only shapes, so every figure compared is torch's own; only the arithmetic on values is skipped.
# Only fc_vs_local_vs_conv_fc is that large (10^12 weights at its input, 5.3·10^9 at 65×81);
# test_heavy_specs_are_the_expected_ones pins the list.
EXECUTE_LIMIT = 200_000_000


def device_for(spec) -> str:
    """'cpu' to execute the network, 'meta' when its parameters would not fit (see EXECUTE_LIMIT)."""
    params = sum(p.numel() for p in build(spec).parameters())      # meta: no storage
    return "cpu" if params <= EXECUTE_LIMIT else "meta"


def compare(spec):
    """Build, run and compare; returns the list of mismatches (empty when every figure agrees)."""
    try:
        device = device_for(spec)
        net = build(spec, device=device)
    except SpecError as err:
        pytest.fail(f"{spec.source}: cnncalc export cannot express {err}")
    measured = measure(net, torch.randn(1, *spec.input_shape, device=device))
    report = analyze(spec)
    mismatches = []
    assert [r.name for r in report.rows] == [r.name for r in report.rows if r.name in measured]
    for row in report.rows:
        m = measured[row.name]
        ours = (row.output_shape, row.params, row.trainable_params, row.state, row.macs)
        theirs = (m.shape, m.params, m.trainable, m.state, m.macs)
        if ours != theirs:
            mismatches.append(f"{row.name}: cnncalc (shape, params, trainable, state, MACs) {ours}, torch {theirs}")
    # whole-network figures straight from torch, independent of how the builder splits modules into nodes
    params = sum(p.numel() for p in net.parameters())
    trainable = sum(p.numel() for p in net.parameters() if p.requires_grad)
    state = sum(b.numel() for n, b in net.named_buffers() if n.endswith(("running_mean", "running_var")))
    totals = report.totals
    if (totals.params, totals.trainable_params, totals.state, totals.macs) != \
            (params, trainable, state, sum(m.macs for m in measured.values())):
        mismatches.append(f"totals: cnncalc {totals}, torch params {params}, trainable {trainable}, "
                          f"state {state}")
    if report.output_shape != measured[spec.graph.output].shape:
        mismatches.append(f"output: cnncalc {report.output_shape}, torch {measured[spec.graph.output].shape}")
    return mismatches


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_spec_at_its_declared_input(path):
    assert compare(read_spec(str(path))) == []


# DeepFace's L6 (a 5×5 locally connected layer) has only 3 rows left at 65×81 (C1 55, M2 27, C3 19, L4 11,
# L5 with stride 2: 3): both reject that (test_deepface_too_small_is_rejected_by_both); it runs at 155×149.
# U-Net's valid convolutions need n ≡ 12 (mod 16) and n ≥ 188 on each axis (four levels of −4 then /2 must
# stay even and positive): 188 × 204 is the smallest non-square input it takes.
# arith_and_pixels unshuffles twice by 2: each side must divide by 4 (68 × 84, not square, not 16's multiples).
ODD_INPUT = {"deepface": (155, 149), "unet": (188, 204), "arith_and_pixels": (68, 84),
             "swin_t": (448, 224), "maxvit_t": (448, 224)}     # 7×7 windows after a /32: sides of 224·k



def odd_input(path) -> tuple:
    """The spec's odd input: its channels at ODD_INPUT's size, or 65×81, on as many axes as it has ([C, N]
    tokens: N = 65)."""
    declared = read_spec(str(path)).input_shape
    return (declared[0], *ODD_INPUT.get(path.stem, (65, 81))[:len(declared) - 1])


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_spec_at_an_odd_input(path):
    assert compare(read_spec(str(path), input_shape=odd_input(path))) == []


def test_deepface_too_small_is_rejected_by_both():
    spec = read_spec(str(SPECS / "seed" / "deepface.yaml"), input_shape=(3, 65, 81))
    with pytest.raises(SpecError, match="layer 'L6'"):
        analyze(spec)
    # torch: the network through L5 (which both accept at 65×81) gives L6 an input of 3 rows (by hand: rows
    # 65 → C1 55 → M2 27 → C3 19 → L4 11 → L5 3, columns 81 → 71 → 35 → 27 → 19 → 7); L6's module, from
    # the export at the declared input (25×25 there), refuses them by name: its weights are per position
    text = (SPECS / "seed" / "deepface.yaml").read_text()
    head = text[:text.index("  - {name: L6")].replace("input: [3, 152, 152]", "input: [3, 65, 81]")
    head_spec = parse_spec(head, "deepface_head.yaml")
    x = build(head_spec)(torch.empty(1, 3, 65, 81, device="meta"))[head_spec.graph.output]
    assert tuple(x.shape) == (1, 16, 3, 7)
    l6 = build(read_spec(str(SPECS / "seed" / "deepface.yaml"))).node_modules()["L6"]
    with pytest.raises(RuntimeError, match=r"built for input size \[25, 25\], not \[3, 7\]"):
        l6[0](x)


def test_heavy_specs_are_the_expected_ones():
    # the specs compared on the meta device instead of executed: only the 10^12-weight dense layer
    # (10^6 inputs · 10^6 outputs; 5,265 · 10^6 at 65×81); every other spec runs on the CPU
    heavy = []
    for path in PATHS:
        for shape in (None, odd_input(path)):
            spec = read_spec(str(path), input_shape=shape)
            if device_for(spec) == "meta":
                heavy.append((path.stem, shape))
    assert heavy == [("fc_vs_local_vs_conv_fc", None), ("fc_vs_local_vs_conv_fc", (1, 65, 81))]


def test_zoo_totals_at_224_are_torchvision_figures():
    # the same published figures as tests/test_zoo.py, now counted by torch from the built network
    # (torchvision model docs: ResNet-50 25,557,032 params / 4.09 GFLOPS; VGG-16 138,357,544 / 15.47;
    # MobileNetV2 3,504,872 / 0.3; GoogLeNet 6,624,904 / 1.5)
    expected = {"resnet50": (25_557_032, 4_089_184_256), "vgg16": (138_357_544, 15_470_264_320),
                "mobilenet_v2": (3_504_872, 300_774_272), "googlenet": (6_624_904, 1_498_376_192)}
    for name, (params, macs) in expected.items():
        net = build(read_spec(str(SPECS / "zoo" / f"{name}.yaml")))      # meta device: no storage
        measured = measure(net, torch.empty(1, 3, 224, 224, device="meta"))
        assert (sum(p.numel() for p in net.parameters()), sum(m.macs for m in measured.values())) \
            == (params, macs), name


# A spec touching every core layer type and argument form the zoo does not: 1-D and 3-D inputs, explicit
# and 'full' padding, dilation, sum pooling, global max pooling with keepdims, the other activations,
# batch norm on a flat input, a frozen block and a DAG written with `from:`.
FEATURES_2D = """
input: [4, 23, 19]
blocks:
  frozen:
    args: {out: 8}
    layers:
      - {conv: {out: $out, kernel: [3, 2], padding: [[0, 2], [1, 0]], dilation: [1, 2]}}
      - {batchnorm: {affine: false}}
layers:
  - {name: a, conv: {out: 8, kernel: 3, padding: full, groups: 2}}
  - leaky_relu
  - {name: b, frozen: {out: 8}, trainable: false, from: input}
  - {name: c, sumpool: {kernel: 3, stride: 2, padding: [1, 0], ceil_mode: true}, from: a}
  - {name: d, avgpool: {kernel: 2, padding: same}, from: b}
  - {name: e, maxpool: {kernel: [3, 2], stride: [2, 3], padding: valid, dilation: 2}, from: a}
  - {name: g1, global_maxpool: {keepdims: true}, from: c}
  - {name: g2, global_avgpool: {keepdims: true}, from: d}
  - {name: g3, global_maxpool: {keepdims: true}, from: e}
  - {name: cat, concat: {}, from: [g1, g2, g3]}
  - elu
  - flatten
  - {batchnorm: {}}
  - {dense: {out: 12, bias: false}}
  - gelu
  - {dense: {out: 6}}
  - sigmoid
  - {dropout: {rate: 0.1}}
  - {name: sum, add: {}, from: [sigmoid1, dense2]}
  - softmax
"""

FEATURES_1D = """
input: [3, 50]
layers:
  - {conv: {out: 6, kernel: 5, stride: 2, padding: same}}
  - tanh
  - {sumpool: {kernel: 3, padding: 1}}
  - {name: res, add: {main: [{conv: {out: 6, kernel: 3, padding: 1, dilation: 1}}, batchnorm, relu6], skip: []}}
  - {maxpool: {kernel: 2, stride: 1, dilation: 3, ceil_mode: true}}
  - {conv: {out: 4, kernel: 4, padding: [[3, 0]]}}
  - {global_avgpool: {}}
"""

FEATURES_3D = """
input: [2, 7, 9, 8]
layers:
  - {conv: {out: 4, kernel: [3, 1, 2], stride: [1, 2, 1], padding: same}}
  - batchnorm
  - {maxpool: {kernel: 2, ceil_mode: true}}
  - {sumpool: {kernel: 2, stride: 1}}
  - {avgpool: {kernel: [1, 2, 2], padding: [0, 1, 1]}}
  - {conv: {out: 4, kernel: 2, groups: 4, bias: false}}
  - flatten
  - {dense: {out: 3}}
"""


@pytest.mark.parametrize("text", [FEATURES_2D, FEATURES_1D, FEATURES_3D], ids=["2d", "1d", "3d"])
def test_every_layer_form(text):
    spec = parse_spec(text, "features.yaml")
    assert compare(spec) == []


def test_frozen_block_counts_as_non_trainable():
    spec = parse_spec(FEATURES_2D, "features.yaml")
    net = build(spec, device="cpu")
    frozen = sum(p.numel() for p in net.parameters() if not p.requires_grad)
    # the frozen block's conv: 8 · 4 · 3 · 2 weights + 8 biases (its BN is not affine)
    assert frozen == 8 * 4 * 3 * 2 + 8
    assert analyze(spec).totals.non_trainable_params == frozen


def test_a_layer_the_builder_cannot_express_is_named():
    spec = parse_spec("input: [1, 8, 8]\nlayers:\n  - {name: blur, avgpool: {kernel: 2, dilation: 2}}\n")
    with pytest.raises(SpecError, match="layer 'blur': cannot export avgpool to PyTorch: "
                                        "torch's average pooling has no dilation"):
        build(spec)


def test_a_type_without_mapping_is_named(monkeypatch):
    monkeypatch.delitem(WRITERS, "relu6")
    spec = read_spec(str(SPECS / "zoo" / "mobilenet_v2.yaml"))
    with pytest.raises(SpecError, match=r"layer 'features\.0\.2': relu6 has no PyTorch form in `cnncalc export`"):
        build(spec)


# The CNN chapter's layer types in every argument form the seed specs do not reach, on 2-D, 1-D (text) and
# 3-D inputs: transposed convolution with Keras's 'same', [before, after] crops, output_padding, groups and
# dilation; depthwise (multiplier, asymmetric 'same') and separable ('full', dilation, multiplier);
# locally connected with every bias form; tiled with tiles smaller and larger than the output; SPP with a
# level whose rule gives fewer bins than asked (7 positions at level 4: window 2, stride 1, 6 bins) and
# mode avg; adaptive pools with overlapping windows; upsampling by scale, to a size, with align_corners;
# NetVLAD with and without intra-normalisation; LRN on a flat vector; reflect, replicate and constant
# padding; reshape with -1, to the same shape and to one axis; embedding from [1, L] and from [L].
CHAPTER_2D = """
input: [6, 21, 18]
layers:
  - {name: padr, pad: {padding: [[1, 2], [0, 3]], mode: reflect}}
  - {name: dw, depthwise_conv: {kernel: [3, 2], multiplier: 2, stride: [2, 1], padding: same, dilation: [1, 2]}}
  - {name: sep, separable_conv: {out: 8, kernel: 3, multiplier: 2, padding: full, dilation: 2}}
  - {name: norm, lrn: {size: 3}}
  - {name: loc, local: {out: 5, kernel: [3, 4], stride: 2, padding: [[1, 0], [2, 1]]}}
  - {name: tiled, tiled_conv: {out: 4, kernel: 2, tile: [2, 3], padding: same}}
  - {name: loc2, local: {out: 3, kernel: 2, dilation: 2, bias: channel}, from: norm}
  - {name: loc3, local: {out: 3, kernel: 3, stride: 3, bias: none}, from: norm}
  - {name: tiled2, tiled_conv: {out: 2, kernel: [2, 3], tile: [100, 1], stride: [1, 2], bias: false}, from: loc3}
  - {name: up, upsample: {mode: bilinear, scale: [2, 3]}, from: tiled}
  - {name: up2, upsample: {size: [7, 5]}, from: loc2}
  - {name: up3, upsample: {mode: bilinear, size: [9, 11], align_corners: true}, from: tiled2}
  - {name: deconv, conv_transpose: {out: 6, kernel: [4, 3], stride: [2, 3], padding: same, groups: 3}, from: up2}
  - {name: deconv2, conv_transpose: {out: 4, kernel: 3, stride: 2, padding: [[0, 2], [1, 1]], output_padding: 1,
                                     dilation: 2}, from: up3}
  - {name: deconv3, conv_transpose: {out: 2, kernel: [2, 5], stride: [1, 2], padding: [1, 2], output_padding: [0, 1],
                                     bias: false}, from: deconv2}
  - {name: amax, adaptive_maxpool: {size: [5, 3]}, from: up}
  - {name: aavg, adaptive_avgpool: {size: 4}, from: deconv}
  - {name: pyramid, spp: {levels: [3, 2, 1], mode: avg}, from: deconv3}
  - {name: pyramid2, spp: {levels: [3, 1]}, from: amax}
  - {name: vlad, netvlad: {clusters: 3}, from: aavg}
  - {name: vlad2, netvlad: {clusters: 2, intra_norm: false}, from: loc}
  - {name: flat, concat: {}, from: [pyramid, pyramid2, vlad, vlad2]}
  - {name: grid, reshape: {shape: [-1, 2, 3]}}
  - {name: pad0, pad: {padding: [1, 0], value: 2}}
  - {name: padc, pad: {padding: 1, mode: replicate}}
  - {name: same, reshape: {shape: [-1, 6, 5]}}
  - {name: vec, reshape: {shape: [-1]}}
  - {name: vnorm, lrn: {size: 4, alpha: 0.001, beta: 0.5, k: 2}}
  - {dense: {out: 3}}
"""

CHAPTER_1D = """
input: [1, 40]
layers:
  - {name: emb, embedding: {vocab: 50, dim: 6}}
  - {name: dw, depthwise_conv: {kernel: 3, multiplier: 3, padding: [[2, 0]], bias: false}}
  - {name: sep, separable_conv: {out: 5, kernel: 4, stride: 2, padding: same}}
  - {name: deconv, conv_transpose: {out: 4, kernel: 5, stride: 3, padding: same}}
  - {name: up, upsample: {mode: linear, scale: 2}}
  - {name: upn, upsample: {size: 91}}
  - {name: padr, pad: {padding: [[3, 1]], mode: replicate}}
  - lrn
  - {name: loc, local: {out: 3, kernel: 4, stride: 3, dilation: 2, padding: valid}}
  - {name: tiled, tiled_conv: {out: 2, kernel: 3, tile: 4, padding: 1}}
  - {name: amax, adaptive_maxpool: {size: 7}}
  - {name: aavg, adaptive_avgpool: {size: 3}, from: tiled}
  - {name: spp1, spp: {levels: [4, 2, 1]}, from: amax}
  - {name: vlad, netvlad: {clusters: 4}, from: aavg}
  - {name: out, concat: {}, from: [spp1, vlad]}
  - {name: grid, reshape: {shape: [2, -1]}}
  - {name: deconv2, conv_transpose: {out: 2, kernel: 2, stride: 2, groups: 2}}
"""

CHAPTER_TOKENS = """
input: [12]
layers:
  - {name: emb, embedding: {vocab: 7, dim: 5}}
  - {conv: {out: 4, kernel: 3}}
  - {global_maxpool: {}}
  - {lrn: {size: 2}}
"""

CHAPTER_3D = """
input: [2, 6, 7, 5]
layers:
  - {name: padc, pad: {padding: [[1, 0], [0, 2], 1]}}
  - {name: deconv, conv_transpose: {out: 4, kernel: [2, 3, 3], stride: [1, 2, 2], padding: [0, 1, [1, 0]],
                                    output_padding: [0, 1, 0]}}
  - {name: dw, depthwise_conv: {kernel: [1, 3, 2], multiplier: 2, stride: [2, 1, 1], padding: same}}
  - {name: sep, separable_conv: {out: 3, kernel: 2, dilation: [1, 2, 1], bias: false}}
  - {name: loc, local: {out: 2, kernel: [2, 3, 3], stride: [1, 2, 2], bias: position}}
  - {name: tiled, tiled_conv: {out: 3, kernel: [1, 2, 2], tile: [1, 2, 3], padding: [[0, 1], 0, [1, 0]]}, from: sep}
  - {name: up, upsample: {mode: trilinear, scale: [1, 2, 2]}, from: tiled}
  - {name: upn, upsample: {scale: 2}, from: loc}
  - {name: aavg, adaptive_avgpool: {size: [2, 3, 2]}, from: up}
  - {name: amax, adaptive_maxpool: {size: [3, 2, 1]}, from: upn}
  - {name: spp3, spp: {levels: [2, 1], mode: max}, from: up}
  - {name: vlad, netvlad: {clusters: 2}, from: aavg}
  - {name: n, lrn: {size: 2}, from: amax}
  - {name: r, reshape: {shape: [-1]}}
  - {name: all, concat: {}, from: [spp3, vlad, r]}
"""

# crop (amounts, and centred like another layer) and upsample like another layer (issue 10): U-Net's
# crop-and-concat and DeepLab's interpolate(size=x.shape[-2:]), the reference written after its reader
CHAPTER_RESIZE = """
input: [2, 21, 19]
layers:
  - {name: enc, conv: {out: 3, kernel: 3}}
  - maxpool: {kernel: 2}
  - conv: {out: 3, kernel: 3}
  - {name: up, conv_transpose: {out: 3, kernel: 2, stride: 2}}
  - {name: skip, from: enc, crop: {like: up}}
  - {from: [up, skip], concat: {}}
  - crop: {amount: [[1, 0], 2]}
  - {name: back, upsample: {like: later, mode: bilinear}}
  - {name: later, from: input, conv: {out: 6, kernel: 1}}
  - {from: [back, later], add: {}}
"""

CHAPTER = {"2d": CHAPTER_2D, "1d": CHAPTER_1D, "tokens": CHAPTER_TOKENS, "3d": CHAPTER_3D,
           "resize": CHAPTER_RESIZE}

# issue 10's normalisations, linear and split (ConvNeXt's channels-last LayerNorm and pwconv, ShuffleNetV2's
# chunk), compared in one network
CHAPTER["norm_linear_split"] = """
input: [8, 9, 9]
layers:
  - {conv: {out: 8, kernel: 3}}
  - {name: s, split: {sizes: [3, 5]}}
  - {layernorm: {eps: 1.0e-6}}
  - {linear: {out: 6}}
  - {groupnorm: {groups: 2}}
  - {from: s.0, conv: {out: 2, kernel: 3, padding: 1}}
  - {instancenorm: {affine: true}}
  - {name: t, from: groupnorm1, split: {parts: 2}}
  - {from: t.0, instancenorm: {track_running_stats: true}}
  - {layernorm: {over: all, affine: false}}
  - {from: [instancenorm1, t.1, layernorm2], concat: {}}
  - flatten
  - {linear: {out: 4, bias: false}}
"""


# TResNet's anti-aliased downsampling after a reflection pad, and NF-ResNet's weight-standardised convolutions
# (issue 22), 1-D, 2-D and grouped
CHAPTER["timm"] = """
input: [4, 29, 27]
layers:
  - {std_conv: {out: 8, kernel: 3, padding: 1}}
  - {pad: {padding: 1, mode: reflect}}
  - {blurpool: {}}
  - {std_conv: {out: 8, kernel: 3, groups: 2, bias: false, gain: false, eps: 1.0e-5}}
  - {blurpool: {kernel: [3, 4], stride: 1, padding: same}}
  - {blurpool: {kernel: 5, stride: 3, padding: 2, dilation: 2}}
"""

@pytest.mark.parametrize("text", list(CHAPTER.values()), ids=list(CHAPTER))
def test_every_chapter_layer_form(text):
    assert compare(parse_spec(text, "chapter.yaml")) == []


# Layer types torch cannot express exactly, by name, with the reason. Empty: every registered type has a
# writer in cnncalc/pytorch/ (the input is forward's argument, written by cnncalc/export/pytorch.py itself).
# A type added to cnncalc without one fails the test below until it gets one or is listed here with its reason.
EXPECTED_UNMAPPABLE: dict[str, str] = {}
EXPORTED = set(writable_types()) | {"input"}      # loads every writer (the test above deletes one)


def test_every_layer_type_is_mapped_or_listed_as_unmappable():
    from cnncalc.layers import REGISTRY
    unmapped = {name for name in REGISTRY if name not in EXPORTED}
    assert unmapped == set(EXPECTED_UNMAPPABLE)


def test_every_mapped_layer_type_is_compared_in_some_spec():
    # every type the export writes appears in a spec compared above (zoo, seed, FEATURES_*, CHAPTER_*)
    used = set()
    specs = [read_spec(str(path)) for path in PATHS]
    specs += [parse_spec(text, "x.yaml") for text in (FEATURES_2D, FEATURES_1D, FEATURES_3D, *CHAPTER.values())]
    for spec in specs:
        used |= {node.layer.type_name for node in spec.graph.nodes.values()}
    assert EXPORTED - used == set()


# Variants chosen by --set (docs/zoo.md), layer by layer: the widths and depths the spec's expressions compute
# must build the same network in torch as the default does. EfficientNet-B3 at 300 (make_divisible widths of
# 1.2, ceil depths of 1.4), ShuffleNetV2 x0.5 and ConvNeXt-Base (the cheapest variant of each other family).
VARIANTS = [("efficientnet", {"width": 1.2, "depth": 1.4, "resolution": 300}), ("shufflenet_v2", {"width": 0.5}),
            ("convnext", {"channels": 128, "blocks3": 27})]


@pytest.mark.parametrize("name, overrides", VARIANTS, ids=[name for name, _ in VARIANTS])
def test_zoo_variant_by_set(name, overrides):
    assert compare(read_spec(str(SPECS / "zoo" / f"{name}.yaml"), overrides=overrides)) == []
