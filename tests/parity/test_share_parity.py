"""Tied weights (`share:`) against torch: the builder reuses one torch module for every layer that shares
its weights, so torch itself counts the parameters once (``nn.Module.parameters()`` yields a reused module's
tensors once) and its forward hooks count the MACs at every call. cnncalc's rows and totals must equal
torch's; a sharing whose weights do not fit its input must be refused by both."""

from __future__ import annotations

import pytest
from extras import require_torch

torch = require_torch()

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from cnncalc.analysis import analyze  # noqa: E402
from cnncalc.errors import SpecError  # noqa: E402
from cnncalc.spec import parse_spec  # noqa: E402
from props import PROPERTY, yaml_value  # noqa: E402
from torch_builder import build, measure  # noqa: E402


def torch_figures(spec):
    """Per node (params, trainable, state, MACs) and the whole network's (params, state, MACs), from torch."""
    net = build(spec, device="cpu")
    measured = measure(net, torch.randn(1, *spec.input_shape))
    rows = {name: (m.shape, m.params, m.trainable, m.state, m.macs) for name, m in measured.items()}
    params = sum(p.numel() for p in net.parameters())
    state = sum(b.numel() for n, b in net.named_buffers() if n.endswith(("running_mean", "running_var")))
    return rows, (params, state, sum(m.macs for m in measured.values()))


def cnncalc_figures(spec):
    report = analyze(spec)
    rows = {r.name: (r.output_shape, r.params, r.trainable_params, r.state, r.macs) for r in report.rows}
    return rows, (report.totals.params, report.totals.state, report.totals.macs)


SPECS = {
    # one 3×3 conv, 16 → 16, applied three times: 16·16·9 + 16 = 2,320 parameters once,
    # 8·8·16·(16·9) = 147,456 MACs at each use
    "a conv applied three times": """
        input: [16, 8, 8]
        layers:
          - {name: a, conv: {out: 16, kernel: 3, padding: 1}}
          - {name: b, share: a}
          - {name: c, conv: {out: 16, kernel: 3, padding: 1}, share: b}
    """,
    # the same conv at full, half and quarter resolution, each scale pooled and the three concatenated
    "a conv at three scales": """
        input: [3, 16, 16]
        layers:
          - {name: s1, conv: {out: 8, kernel: 3, padding: 1}}
          - {name: p1, global_avgpool: {}}
          - {name: half, avgpool: {kernel: 2}, from: input}
          - {name: s2, share: s1}
          - {name: p2, global_avgpool: {}}
          - {name: quarter, avgpool: {kernel: 4}, from: input}
          - {name: s4, share: s1}
          - {name: p4, global_avgpool: {}}
          - {name: joined, concat: {}, from: [p1, p2, p4]}
    """,
    # BN's running statistics are a module buffer: shared with the module, counted once
    "a shared batchnorm and dense": """
        input: [4, 6, 6]
        layers:
          - {name: bn, batchnorm: {}}
          - {name: bn_again, share: bn}
          - flatten
          - {name: fc, dense: {out: 144}}
          - {name: fc2, share: fc, repeat: 2}
    """,
    "a shared separable conv and a frozen pair": """
        input: [6, 9, 7]
        layers:
          - {name: sep, separable_conv: {out: 6, kernel: 3, padding: same, multiplier: 2}}
          - {name: sep2, share: sep}
          - {name: frozen, conv: {out: 6, kernel: [1, 3], padding: [0, 1]}, trainable: false}
          - {name: frozen2, share: frozen, trainable: false}
    """,
}


@pytest.mark.parametrize("case", sorted(SPECS))
def test_tied_weights_count_as_torch_counts_a_reused_module(case):
    import textwrap
    spec = parse_spec(textwrap.dedent(SPECS[case]), "share.yaml")
    assert any(node.shares for node in spec.graph.nodes.values())
    assert cnncalc_figures(spec) == torch_figures(spec)


def test_the_hand_figures_of_a_conv_applied_three_times():
    import textwrap
    spec = parse_spec(textwrap.dedent(SPECS["a conv applied three times"]), "share.yaml")
    rows, totals = torch_figures(spec)
    assert [rows[n][1] for n in "abc"] == [2_320, 0, 0]              # 16·16·9 + 16, once
    assert [rows[n][4] for n in "abc"] == [147_456] * 3               # 8·8·16·(16·9), every use
    assert totals == (2_320, 0, 3 * 147_456)


@st.composite
def shared_conv(draw):
    """A conv on the input, and the same weights again on the conv's output (a chain) or on a pooled
    input (another scale): torch runs its one module on both, cnncalc counts its weights once."""
    c_in, h, w = draw(st.integers(1, 6)), draw(st.integers(2, 12)), draw(st.integers(2, 12))
    out = draw(st.sampled_from([c_in, c_in, draw(st.integers(1, 6))]))
    args = {"out": out, "kernel": draw(st.integers(1, 3)), "stride": draw(st.integers(1, 2)),
            "padding": draw(st.sampled_from([0, 1, "same"])), "bias": draw(st.booleans())}
    where = draw(st.sampled_from(["chain", "scale"]))
    return (c_in, h, w), args, where


def tied_by_hand(untied, shape: tuple):
    """torch's figures of the untied network run with b using a's module (tied here in torch, not by the
    builder), or None when torch refuses to run a's weights on b's input."""
    try:
        net = build(untied, device="cpu")
        modules = net.node_modules()
        convs = [[m for m in modules[n].modules() if isinstance(m, torch.nn.Conv2d)][0] for n in "ab"]
        convs[1].weight = convs[0].weight                         # the tie, in torch
        if convs[0].bias is not None:
            convs[1].bias = convs[0].bias
        measured = measure(net, torch.randn(1, *shape))
    except (RuntimeError, ValueError):
        return None
    rows = {name: (m.shape, m.params, m.trainable, m.state, m.macs) for name, m in measured.items()}
    return rows, (sum(p.numel() for p in net.parameters()), 0, sum(m.macs for m in measured.values()))


@PROPERTY
@given(shared_conv())
def test_a_shared_conv_is_counted_or_refused_as_torch_does(case):
    shape, args, where = case
    conv = "{" + ", ".join(f"{k}: {yaml_value(v)}" for k, v in args.items()) + "}"
    second = "  - {name: b, share: a}\n" if where == "chain" else \
        "  - {name: pooled, maxpool: {kernel: 2}, from: input}\n  - {name: b, share: a}\n"
    text = f"input: {yaml_value(list(shape))}\nlayers:\n  - {{name: a, conv: {conv}}}\n" + second
    try:
        ours = cnncalc_figures(parse_spec(text, "prop.yaml"))
    except SpecError:
        ours = None
    try:
        untied = parse_spec(text.replace("share: a", f"conv: {conv}"), "prop.yaml")
        analyze(untied)
    except SpecError:
        untied = None            # not a network even without the tie (a kernel larger than its input)
    assert ours == (None if untied is None else tied_by_hand(untied, shape))
