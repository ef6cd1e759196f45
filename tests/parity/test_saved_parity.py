"""Training activations against torch: the bytes each layer saves for backward (saved_tensors_hooks, unique
storages by data_ptr, the module's own parameters and buffers left out: they are weights, counted apart)
must equal cnncalc.training's figure under the proposed rules (saved_rules.py), layer by layer and in
total (every storage once), for every zoo spec torch can build, in training mode at batch 2.

One documented difference (docs/memory.md): a convolution with asymmetric padding (TensorFlow's `same` at
stride 2) is built in torch as an explicit pad followed by the convolution, which then keeps the padded copy
of its input; cnncalc counts the unpadded input, which a runtime with native asymmetric padding keeps. For
those layers torch's figure must be cnncalc's with the input replaced by torch's padded tensor."""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from cnncalc.analysis import analyze  # noqa: E402
from cnncalc.spec import read_spec  # noqa: E402
from cnncalc.training import training_memory  # noqa: E402
import saved_rules  # noqa: E402
import torch_builder  # noqa: E402
from torch_builder import build  # noqa: E402

ZOO = sorted((Path(__file__).resolve().parents[2] / "specs" / "zoo").glob("*.yaml"))
BATCH = 2


def torch_saved(net, x):
    """Per node: {storage data_ptr: bytes} of what autograd saved while that node ran; weights left out."""
    per_node, outputs, padded = {}, {}, {}
    for name, module in zip(net.names, net.layers):
        weights = {t.untyped_storage().data_ptr() for t in [*module.parameters(), *module.buffers()]}
        seen: dict = {}

        def pack(t, seen=seen, weights=weights):
            storage = t.untyped_storage()
            if storage.data_ptr() not in weights:
                seen[storage.data_ptr()] = storage.nbytes()
            return t
        sources = net.inputs[name]
        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            outputs[name] = module(*(outputs[s] for s in sources)) if sources else module(x)
        per_node[name] = seen
        if isinstance(module, torch.nn.Sequential) and isinstance(module[0], torch_builder.Pad):
            with torch.no_grad():
                inner = module[0](*(outputs[s] for s in sources))
            padded[name] = inner.numel() * inner.element_size() - outputs[sources[0]].numel() * 4
    return per_node, padded


@pytest.mark.parametrize("path", ZOO, ids=[p.stem for p in ZOO])
def test_saved_bytes_per_layer_and_in_total(path):
    spec = read_spec(str(path))
    report = analyze(spec)
    net = build(spec, "cpu").train()
    torch.manual_seed(0)
    x = torch.randn(BATCH, *spec.input_shape)
    got, padded = torch_saved(net, x)
    ours = training_memory(report, saved_rules.rules_for(report), batch=BATCH)
    mine = {layer.name: layer.bytes + padded.get(layer.name, 0) for layer in ours.layers}
    theirs = {name: sum(seen.values()) for name, seen in got.items()}
    differ = {name: (mine[name], theirs[name]) for name in theirs if mine[name] != theirs[name]}
    assert not differ, f"cnncalc vs torch saved bytes: {differ}"
    # In total, every storage once; the padded layers (above) left out on both sides.
    unique: dict = {}
    for name, seen in got.items():
        if name not in padded:
            unique.update(seen)
    rules = saved_rules.rules_for(report)
    rest = training_memory(report, lambda row: () if row.name in padded else rules(row), batch=BATCH)
    assert rest.activation_bytes == sum(unique.values())
