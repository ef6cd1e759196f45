"""Training activations against torch: the bytes each layer saves for backward (saved_tensors_hooks, unique
storages by data_ptr, the module's own parameters and buffers left out: they are weights, counted apart)
must equal cnncalc.training's figure under the layer types' own rules (``Layer.saved_for_backward``,
through training.layer_saves), layer by layer and in total (every storage once), for every zoo and seed
spec torch can build, in training mode at batch 2.

One documented difference (docs/conventions.md): a convolution with asymmetric padding (TensorFlow's `same`
at stride 2) is written by `cnncalc export` as an explicit F.pad followed by the convolution, which then
keeps the padded copy of its input; cnncalc counts the unpadded input, which a runtime with native
asymmetric padding keeps. For those layers torch's figure must be cnncalc's with the input replaced by
torch's padded tensor."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from extras import require_torch

torch = require_torch()

from cnncalc.analysis import analyze  # noqa: E402
from cnncalc.spec import read_spec  # noqa: E402
from cnncalc.training import layer_saves, training_memory  # noqa: E402
from torch_builder import NodeTracker, build  # noqa: E402

SPECS = Path(__file__).resolve().parents[2] / "specs"
# torch cannot build it: its dense layer has 10^12 weights (4 TB)
UNBUILDABLE = {"fc_vs_local_vs_conv_fc"}
# test data that holds layer types no shipped spec uses yet (squeeze-and-excitation's mul, the gated
# activations, layer scale, stochastic depth, channel shuffle; issue 22's arithmetic with a constant, sqrt, rsqrt, pixel shuffle and unshuffle)
DATA = [SPECS.parent / "tests" / "data" / name for name in ("gates_and_shuffles.yaml", "arith_and_pixels.yaml")]
ZOO = [p for p in sorted(SPECS.glob("zoo/*.yaml")) + sorted(SPECS.glob("seed/*.yaml")) if p.stem not in UNBUILDABLE] + DATA
# Layer types whose torch build is cnncalc's own composition, not a torch layer, and keeps more than the one
# layer's rule (docs/conventions.md, "Differences from torch"): left out on both sides, and asserted to differ
# in the direction the docs say (torch keeps more).
COMPOSED = {"local", "tiled_conv", "netvlad"}
BATCH = 2


def torch_saved(net, x):
    """Per node: {storage data_ptr: bytes} of what autograd saved while that node's line of the generated
    forward ran (torch_builder.NodeTracker); the node's own parameters and buffers left out. And per node
    whose module runs on an explicit F.pad of its input (asymmetric padding), the bytes that padded copy
    adds."""
    holders = net.node_modules()
    weights = {name: {t.untyped_storage().data_ptr() for t in [*m.parameters(), *m.buffers()]}
               for name, m in holders.items()}
    per_node: dict = {name: {} for name in net.names}
    padded: dict = {}
    tracker = NodeTracker(net)

    def pack(t):
        storage = t.untyped_storage()
        if storage.data_ptr() not in weights[tracker.running]:
            per_node[tracker.running][storage.data_ptr()] = storage.nbytes()
        return t

    functional = net.namespace["F"]

    class PadSeen:
        """F for the generated code, noting an F.pad written on a line of a layer with modules."""

        def __getattr__(self, name):
            return getattr(functional, name)

        @staticmethod
        def pad(x, *args, **kwargs):
            y = functional.pad(x, *args, **kwargs)
            caller = sys._getframe(1)
            if caller.f_code.co_name == "pad_same":          # TensorFlow 'same' padded when forward runs
                caller = caller.f_back
            if caller.f_code.co_filename == tracker.filename and caller.f_lineno in tracker.lines \
                    and net.export.modules.get(tracker.running):
                padded[tracker.running] = y.numel() * y.element_size() - x.numel() * x.element_size()
            return y

    net.namespace["F"] = PadSeen()
    try:
        with tracker, torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            net(x)
    finally:
        net.namespace["F"] = functional
    return per_node, padded


@pytest.mark.parametrize("path", ZOO, ids=[f"{p.parent.name}/{p.stem}" for p in ZOO])
def test_saved_bytes_per_layer_and_in_total(path):
    spec = read_spec(str(path))
    report = analyze(spec)
    net = build(spec, "cpu").train()
    torch.manual_seed(0)
    x = torch.randn(BATCH, *spec.input_shape)
    got, padded = torch_saved(net, x)
    rules = layer_saves(spec.graph, report)
    ours = training_memory(report, rules, batch=BATCH)
    mine = {layer.name: layer.bytes + padded.get(layer.name, 0) for layer in ours.layers}
    theirs = {name: sum(seen.values()) for name, seen in got.items()}
    composed = {row.name for row in report.rows if row.type in COMPOSED}
    assert all(theirs[name] > mine[name] for name in composed)
    differ = {name: (mine[name], theirs[name]) for name in theirs
              if name not in composed and mine[name] != theirs[name]}
    assert not differ, f"cnncalc vs torch saved bytes: {differ}"
    # In total, every storage once; the padded layers (above) left out on both sides. Not for specs with a
    # composed layer: the storages its torch build keeps may also be kept by its neighbours.
    if composed:
        return
    unique: dict = {}
    for name, seen in got.items():
        if name not in padded and name not in composed:
            unique.update(seen)
    rest = training_memory(report, lambda row: () if row.name in padded or row.name in composed else rules(row), batch=BATCH)
    assert rest.activation_bytes == sum(unique.values())


# Issue 10's normalisations, linear and split, in small networks (no zoo spec uses them yet): the same
# comparison, per layer and in total. (An instancenorm straight on a split part differs: torch's instance
# norm keeps a contiguous copy of the part, cnncalc the storage the part is a view of; docs/conventions.md.)
NORM_LINEAR_SPLIT = {
    "layernorm_linear": """
        input: [6, 5, 4]
        layers:
          - {conv: {out: 8, kernel: 3, padding: 1}}
          - {layernorm: {eps: 1.0e-6}}
          - {linear: {out: 12}}
          - gelu
          - {linear: {out: 8, bias: false}}
          - {layernorm: {over: all}}
          - {groupnorm: {groups: 4}}
          - relu
    """,
    "instancenorm_split": """
        input: [4, 6]
        layers:
          - {conv: {out: 6, kernel: 3}}
          - {name: s, split: {sizes: [2, 4]}}
          - {conv: {out: 3, kernel: 1}}
          - {instancenorm: {}}
          - {name: a, conv: {out: 2, kernel: 1}}
          - {from: s.0, conv: {out: 2, kernel: 1}}
          - {instancenorm: {affine: true}}
          - {name: b, instancenorm: {affine: true, track_running_stats: true}}
          - {from: [a, b], concat: {}}
          - {name: t, split: {parts: 2}}
          - {from: t.0, conv: {out: 3, kernel: 1}}
    """,
}


@pytest.mark.parametrize("name", NORM_LINEAR_SPLIT)
def test_saved_bytes_of_norms_linear_and_split(name, tmp_path):
    import textwrap
    path = tmp_path / f"{name}.yaml"
    path.write_text(textwrap.dedent(NORM_LINEAR_SPLIT[name]))
    test_saved_bytes_per_layer_and_in_total(path)


# Issue 25's six classes of networks where cnncalc's saved-for-backward figure differed from torch's (found
# on 20,520 random networks), each now a network here, compared per layer and in total as above:
SIX_CLASSES = {
    # adaptive average pooling to a size other than 1 keeps its input (torch's _adaptive_avg_pool2d); to 1×1
    # torch takes the mean, which keeps only the sizes
    "adaptive_avgpool": """
        input: [3, 9, 9]
        layers:
          - {conv: {out: 4, kernel: 3, padding: 1}}
          - {name: a, adaptive_avgpool: {size: [3, 2]}}
          - {from: a, conv: {out: 2, kernel: 1}}
          - {adaptive_avgpool: {size: 1}}
          - flatten
          - {dense: {out: 3}}
    """,
    # a crop is a view in torch: what keeps it keeps its input's storage; upsample's like: is shape only
    "crop_like": """
        input: [2, 12, 12]
        layers:
          - {name: big, conv: {out: 4, kernel: 3, padding: 1}}
          - {maxpool: {kernel: 2}}
          - {name: small, conv: {out: 4, kernel: 3, padding: 1}}
          - {name: up, upsample: {like: big}}
          - {name: cut, from: big, crop: {amount: 2}}
          - {name: c, conv: {out: 3, kernel: 1}}
          - {from: input, maxpool: {kernel: 3, stride: 1}}
          - {name: cropped, crop: {like: cut}}
          - {from: [cropped, c], concat: {}}
          - {conv: {out: 2, kernel: 1}}
          - {name: joined, from: [up, big], concat: {}}
          - {conv: {out: 2, kernel: 1}}
    """,
    # mul keeps a factor only when its partner needs a gradient: here the gate is computed from the network
    # input alone (no weights before it), so the features' gradient needs no gate... and the gate needs none
    "mul_partner": """
        input: [4, 6, 6]
        layers:
          - {name: gate, global_avgpool: {keepdims: true}}
          - sigmoid
          - {name: g, identity: {}}
          - {name: features, from: input, conv: {out: 4, kernel: 3, padding: 1}}
          - {name: gated, from: [features, g], mul: {}}
          - {from: [g, gated, features], mul: {}}
          - {from: [g, input], mul: {}}
    """,
    # frozen linear, dense and scale layers keep nothing (their input's gradient needs only the weights)
    "frozen": """
        input: [4, 5, 5]
        layers:
          - {linear: {out: 6}, trainable: false}
          - relu
          - {conv: {out: 4, kernel: 1}}
          - {scale: {}, trainable: false}
          - {linear: {out: 5}, trainable: false}
          - {scale: {}}
          - global_avgpool
          - {dense: {out: 3}, trainable: false}
          - {dense: {out: 2}}
    """,
    # stochastic depth at rate 0 is an alias of its input; at rate 1 it keeps its (zero) factor
    "stochastic_depth": """
        input: [3, 6, 6]
        layers:
          - {name: a, conv: {out: 4, kernel: 3, padding: 1}}
          - {name: s0, stochastic_depth: {rate: 0.0}}
          - {conv: {out: 4, kernel: 1}}
          - {name: s1, stochastic_depth: {rate: 1.0, mode: batch}}
          - {from: [s0, s1], add: {}}
    """,
}


@pytest.mark.parametrize("name", SIX_CLASSES)
def test_saved_bytes_of_the_six_classes(name, tmp_path):
    import textwrap
    path = tmp_path / f"{name}.yaml"
    path.write_text(textwrap.dedent(SIX_CLASSES[name]))
    test_saved_bytes_per_layer_and_in_total(path)


def random_network(seed: int) -> str:
    """A small random network (seeded, so every run draws the same ones): a chain of layers of the types
    whose saved-for-backward rules depend on shapes and on which gradients flow (pooling to any size, crops,
    products with a gate computed from the network input or from weights, frozen weight layers, stochastic
    depth at rates 0, ½ and 1, normalisations), with side branches joined by add or mul."""
    import random
    rng = random.Random(seed)
    c, h = rng.choice([2, 3, 4]), rng.choice([5, 6, 8])
    lines = [f"input: [{c}, {h}, {h}]", "layers:"]
    current, count = "input", 0

    def add(text: str) -> str:
        nonlocal count, current
        count += 1
        name = f"l{count}"
        lines.append(f"  - {{name: {name}, {text}}}")
        current = name
        return name

    def frozen() -> str:
        return ", trainable: false" if rng.random() < 0.3 else ""

    for _ in range(rng.randint(3, 9)):
        choice = rng.randrange(14)
        if choice == 0:
            c = rng.choice([2, 4, 6])
            add(f"conv: {{out: {c}, kernel: {rng.choice([1, 3])}, padding: same}}{frozen()}")
        elif choice == 1:
            add(f"batchnorm: {{}}{frozen()}")
        elif choice == 2:
            add(f"{rng.choice(['relu', 'sigmoid', 'gelu', 'hardswish', 'tanh', 'silu'])}: {{}}")
        elif choice == 3 and h >= 4:
            h = h // 2
            add(f"{rng.choice(['maxpool', 'avgpool'])}: {{kernel: 2}}")
        elif choice == 4:
            h = rng.randint(1, h)
            add(f"adaptive_avgpool: {{size: {h}}}")
        elif choice == 5 and h >= 3:
            h -= 2
            add("crop: {amount: 1}")
        elif choice == 6 and h <= 6:
            h *= 2
            add("upsample: {scale: 2}")
        elif choice == 7:
            c = rng.choice([2, 3, 5])
            add(f"linear: {{out: {c}}}{frozen()}")
        elif choice == 8:
            add(f"scale: {{}}{frozen()}")
        elif choice == 9:
            add(f"stochastic_depth: {{rate: {rng.choice([0.0, 0.5, 1.0])}, mode: {rng.choice(['row', 'batch'])}}}")
        elif choice == 10 and h > 1:
            add(f"{rng.choice(['layernorm: {}', 'groupnorm: {groups: 1}', 'instancenorm: {affine: true}'])}")
        elif choice == 11:         # a gate: from the network input (no gradient) or from here, then a product
            source = rng.choice(["input", current])
            main = current
            gate_c = c if source == current else int(lines[0].split("[")[1].split(",")[0])
            if gate_c != c:
                continue
            add(f"from: {source}, global_avgpool: {{keepdims: true}}")
            add("sigmoid: {}")
            add(f"from: [{main}, {current}], mul: {{}}")
        elif choice == 12:         # a residual: a 1×1 convolution (maybe frozen) beside, joined by add
            main = current
            side = add(f"from: {main}, conv: {{out: {c}, kernel: 1}}{frozen()}")
            add(f"from: [{main}, {side}], add: {{}}")
        elif choice == 13:
            add("dropout: {rate: 0.5}")
    add("global_avgpool: {}")
    add(f"dense: {{out: 3}}{frozen()}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("seed", range(120))
def test_saved_bytes_of_random_networks(seed, tmp_path):
    """The comparison above on random networks: per layer and in total, every network."""
    path = tmp_path / f"random{seed}.yaml"
    path.write_text(random_network(seed))
    try:
        test_saved_bytes_per_layer_and_in_total(path)
    except AssertionError as err:
        raise AssertionError(f"{err}\n{path.read_text()}") from None
