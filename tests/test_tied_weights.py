"""Tied weights (`share:`, docs/spec.md "Tied weights"): parameters and state counted once, at the layer that
owns them; MACs, FLOPs and activations at every use; training memory, latency, JSON and CSV; verify runs a
sharing layer with its owner's very weights. Every figure is derived by hand beside its assertion."""

from __future__ import annotations

import json
import textwrap

import pytest

from cnncalc.analysis import analyze
from cnncalc.errors import SpecError
from cnncalc.spec import parse_spec
from cnncalc.training import layer_saves, training_memory


def spec_of(text: str):
    return parse_spec(textwrap.dedent(text), "tied.yaml")


def error_of(text: str) -> SpecError:
    with pytest.raises(SpecError) as caught:
        analyze(spec_of(text))
    return caught.value


THRICE = """\
    input: [64, 16, 16]
    layers:
      - {name: a, conv: {out: 64, kernel: 3, padding: 1}}
      - {name: b, share: a}
      - {name: c, conv: {out: 64, kernel: 3, padding: 1}, share: b}
"""


def test_a_conv_shared_three_times_counts_its_weights_once_and_its_macs_three_times():
    report = analyze(spec_of(THRICE))
    rows = {row.name: row for row in report.rows}
    # 3·3·64·64 weights + 64 biases = 36,928, once; per use 16·16 positions · 64 outputs · (64·9) = 9,437,184
    assert [rows[n].params for n in "abc"] == [36_928, 0, 0]
    assert [rows[n].macs for n in "abc"] == [9_437_184] * 3
    # FLOPs per use: 2·MACs + one bias add per output element (16·16·64 = 16,384)
    assert [rows[n].flops for n in "abc"] == [2 * 9_437_184 + 16_384] * 3
    assert report.totals.params == report.totals.trainable_params == 36_928
    assert report.totals.macs == 3 * 9_437_184
    assert report.totals.activation_elements == 3 * 16_384
    # c wrote 'share: b' and b shares a: both share the original
    assert [rows[n].shares for n in "abc"] == ["", "a", "a"]
    assert rows["b"].label == rows["c"].label == "conv 3×3 shares a"
    # parameter memory: (36,928 params) · 4 bytes, once
    assert report.memory.param_bytes == 36_928 * 4
    # the receptive field grows at every use: 3, 5, 7
    assert [rows[n].rf[0].size for n in "abc"] == [3, 5, 7]


def test_an_omitted_type_takes_the_owners_type_arguments_and_automatic_name():
    nodes = spec_of("""\
        input: [3, 8, 8]
        defaults: {bias: false}
        layers:
          - {conv: {out: 3, kernel: 3, padding: 1}}
          - {share: conv1}
          - {share: conv1, repeat: 2}
    """).graph.nodes
    assert list(nodes) == ["input", "conv1", "conv2", "conv3", "conv4"]
    assert all(nodes[f"conv{i}"].layer is nodes["conv1"].layer for i in (2, 3, 4))
    assert [nodes[f"conv{i}"].shares for i in (1, 2, 3, 4)] == ["", "conv1", "conv1", "conv1"]
    assert nodes["conv4"].inputs == ("conv3",)                   # a repeat chains as usual


def test_a_conv_at_three_scales():
    report = analyze(spec_of("""\
        input: [3, 32, 32]
        layers:
          - {name: full, conv: {out: 16, kernel: 5, padding: 2}}
          - {name: half, avgpool: {kernel: 2}, from: input}
          - {name: full_at_half, share: full}
          - {name: quarter, avgpool: {kernel: 4}, from: input}
          - {name: full_at_quarter, share: full}
    """))
    rows = {row.name: row for row in report.rows}
    # 5·5·3·16 + 16 = 1,216 parameters once; MACs 16·n·n·(3·25) at n = 32, 16, 8
    assert report.totals.params == 1_216 and rows["full_at_half"].params == 0
    assert [rows[n].macs for n in ("full", "full_at_half", "full_at_quarter")] == \
        [16 * 32 * 32 * 75, 16 * 16 * 16 * 75, 16 * 8 * 8 * 75]
    assert rows["full_at_quarter"].output_shape == (16, 8, 8)


def test_batchnorm_state_is_shared_with_its_weights():
    report = analyze(spec_of("""\
        input: [8, 4, 4]
        layers:
          - {name: bn, batchnorm: {}}
          - {name: again, share: bn}
    """))
    # γ, β: 2·8 parameters; running mean and variance: 2·8 state, once (torch's module reuse shares both)
    assert (report.totals.params, report.totals.state) == (16, 16)
    assert [(r.params, r.state) for r in report.rows[1:]] == [(16, 16), (0, 0)]


@pytest.mark.parametrize("text, where, message", [
    # the same weights on another number of channels: a 3 → 8 conv applied to its own 8-channel output;
    # 3·8·3·3 + 8 = 224 parameters on 3 channels, 8·8·3·3 + 8 = 584 on 8
    ("""\
        input: [3, 8, 8]
        layers:
          - {name: a, conv: {out: 8, kernel: 3, padding: 1}}
          - {name: b, share: a}
    """, (4, 5), "layer 'b': it shares the weights of 'a', which do not fit its input: 'a' has 224 parameters "
                 "and 0 state on 3 input channels, here it would need 584 and 0 on 8"),
    # a dense of 6·4 + 4 = 28 parameters, shared onto a 4-feature input: 4·4 + 4 = 20
    ("""\
        input: [6]
        layers:
          - {name: fc, dense: {out: 4}}
          - {name: fc2, share: fc}
    """, (4, 5), "layer 'fc2': it shares the weights of 'fc', which do not fit its input: 'fc' has 28 "
                 "parameters and 0 state on 6 input channels, here it would need 20 and 0 on 4"),
    ("""\
        input: [3, 8, 8]
        layers:
          - {name: a, conv: {out: 8, kernel: 3}}
          - {name: b, conv: {out: 8, kernel: 5}, share: a, from: input}
    """, (4, 30), "layer 'b': it shares the weights of 'a', so its arguments must be the same: kernel is 5 "
                  "here, 3 in 'a'"),
    ("""\
        input: [3, 8, 8]
        layers:
          - {name: a, conv: {out: 8, kernel: 3}}
          - {name: b, conv: {out: 8, kernel: 3, bias: false}, share: a, from: input}
    """, (4, 41), "layer 'b': it shares the weights of 'a', so its arguments must be the same: bias is false "
                  "here, true in 'a'"),
    ("""\
        input: [3, 8, 8]
        layers:
          - {name: a, conv: {out: 8, kernel: 3}}
          - {name: b, maxpool: {kernel: 2}, share: a}
    """, (4, 37), "layer 'b': this maxpool cannot share the weights of 'a', a conv"),
    ("""\
        input: [3, 8, 8]
        layers:
          - {name: b, share: a}
          - {name: a, conv: {out: 8, kernel: 3}}
    """, (3, 15), "layer 'b': 'share' names 'a', but no layer written before this one has that name"),
    ("""\
        input: [3, 8, 8]
        layers:
          - {name: a, conv: {out: 3, kernel: 3, padding: 1}}
          - {name: b, share: aa}
    """, (4, 15), "layer 'b': 'share' names 'aa', but no layer written before this one has that name "
                  "(did you mean 'a'?)"),
    ("""\
        input: [3, 8, 8]
        layers:
          - {name: a, conv: {out: 3, kernel: 3, padding: 1}, repeat: 2}
          - {name: b, share: a}
    """, (4, 15), "layer 'b': 'share' names 'a', a block or a repeated entry (its output is 'a.1'); name "
                  "one layer"),
    ("""\
        input: [3, 8, 8]
        layers:
          - {name: b, share: input}
    """, (3, 15), "layer 'b': 'share' names the network input, which has no weights"),
    ("""\
        input: [3, 8, 8]
        layers:
          - {name: a, conv: {out: 3, kernel: 3, padding: 1}}
          - {name: b, share: a, trainable: false}
    """, (4, 25), "layer 'b': 'a', whose weights it shares, is trainable: tied weights are trained or frozen "
                  "together"),
    ("""\
        input: [3, 8, 8]
        blocks:
          unit: {layers: [relu]}
        layers:
          - {name: a, conv: {out: 3, kernel: 3, padding: 1}}
          - {name: b, unit: {}, share: a}
    """, (6, 25), "layer 'b': 'share' ties the weights of one layer and 'unit' is a block; share each of its "
                  "layers instead"),
    ("""\
        input: [3, 8, 8]
        layers:
          - {name: a, conv: {out: 3, kernel: 3, padding: 1}}
          - {name: b, share: 3}
    """, (4, 15), "layer 'b': 'share' must name a layer, got 3"),
])
def test_a_bad_tie_is_one_located_error_naming_both_layers(text, where, message):
    err = error_of(text)
    assert (err.location.line, err.location.column) == where
    assert f"layer '{err.layer}': {err.message}" == message


def test_a_tie_inside_a_block_and_to_an_outer_layer():
    # each instance's c2 shares its own c1 (names are local); 'stem' is outside the block
    nodes = spec_of("""\
        input: [4, 8, 8]
        blocks:
          unit:
            layers:
              - {name: c1, conv: {out: 4, kernel: 3, padding: 1}}
              - {name: c2, share: c1}
              - {name: c3, share: stem}
        layers:
          - {name: stem, conv: {out: 4, kernel: 1}}
          - {name: u, unit: {}, repeat: 2}
    """).graph.nodes
    assert nodes["u.0.c2"].shares == "u.0.c1" and nodes["u.1.c2"].shares == "u.1.c1"
    assert nodes["u.0.c3"].shares == nodes["u.1.c3"].shares == "stem"


def test_training_memory_counts_tied_weights_once_and_saved_inputs_at_every_use():
    # input → avgpool 2 (no weights before it: nothing saved) → conv a → conv b sharing a
    spec = spec_of("""\
        input: [4, 8, 8]
        layers:
          - {name: p, avgpool: {kernel: 2}}
          - {name: a, conv: {out: 4, kernel: 3, padding: 1}}
          - {name: b, share: a}
    """)
    report = analyze(spec)
    t = training_memory(report, layer_saves(spec.graph, report), batch=1, optimizer="adam")
    weights = 4 * 4 * 9 + 4                                  # 148 parameters, once
    assert report.totals.params == weights
    assert (t.weight_bytes, t.gradient_bytes, t.optimizer_bytes) == (4 * weights, 4 * weights, 8 * weights)
    # each conv keeps its input (a: p's output, b: a's output), 4·4·4 = 64 elements at 4 bytes each
    saved = {layer.name: layer.tensors for layer in t.layers}
    assert saved["a"] == ("p",) and saved["b"] == ("a",)
    assert t.activation_bytes == 2 * 64 * 4


def test_training_memory_a_tie_on_the_network_input_still_keeps_its_input():
    # b reads a pooled copy of the input: nothing before it has weights, but b's own (a's) are trained
    spec = spec_of("""\
        input: [2, 4, 4]
        layers:
          - {name: a, conv: {out: 2, kernel: 1}}
          - {name: p, avgpool: {kernel: 2}, from: input}
          - {name: b, share: a}
    """)
    report = analyze(spec)
    t = training_memory(report, layer_saves(spec.graph, report))
    saved = {layer.name: layer.tensors for layer in t.layers}
    assert saved["a"] == ("input",) and saved["b"] == ("p",) and saved["p"] == ()


def test_the_roofline_reads_tied_weights_at_every_use():
    from cnncalc.devices import load_shipped
    from cnncalc.roofline import estimate
    report = analyze(spec_of(THRICE))
    times = {t.name: t for t in estimate(report, load_shipped("t4")).layers}
    # every use reads the 36,928 weights at 4 bytes: each use is its own kernel
    assert [times[n].weight_bytes for n in "abc"] == [36_928 * 4] * 3


def test_json_and_csv_say_which_layer_a_row_shares(cli_json, cli, tmp_path):
    path = tmp_path / "tied.yaml"
    path.write_text(textwrap.dedent(THRICE))
    data = cli_json("analyze", str(path))
    assert data["schema"] == "cnncalc.report/3"
    assert [(layer["name"], layer["shares"], layer["params"]) for layer in data["layers"]] == \
        [("input", None, 0), ("a", None, 36_928), ("b", "a", 0), ("c", "a", 0)]
    code, out, _ = cli("analyze", str(path), "--format", "csv")
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith("name,type,inputs,shares,")
    assert lines[3].startswith("b,conv,a,a,64x16x16,0,")


def test_verify_runs_a_sharing_layer_with_its_owners_weights():
    import numpy as np

    from cnncalc.execute import Context, executor_for
    from cnncalc.verify import verify
    spec = spec_of("""\
        input: [4, 6, 6]
        layers:
          - {name: a, conv: {out: 4, kernel: 3, padding: 1}}
          - {name: b, share: a, from: input}
    """)
    assert verify(spec).status == "agree"
    layer = spec.graph.nodes["a"].layer
    ctx = Context(seed=1)
    x = np.random.default_rng(2).standard_normal((1, 4, 6, 6))
    first = ctx.run(executor_for("conv"), layer, [x], tied="a")
    drawn = dict(ctx.drawn)
    again = ctx.run(executor_for("conv"), layer, [x], tied="a")
    assert np.array_equal(first, again)                      # the same weights, not a second draw
    assert all(ctx.drawn[k] is drawn[k] for k in drawn)
    fresh = ctx.run(executor_for("conv"), layer, [x])        # untied: new weights, another output
    assert not np.allclose(first, fresh)


LAYERNORM_ALL_ELSEWHERE = """
input: [4, 6, 6]
layers:
  - {name: a, layernorm: {over: all}}
  - {name: r, from: input, reshape: {shape: [4, 4, 9]}}
  - {name: c, share: a, layernorm: {over: all}}
"""


def test_layernorm_over_all_shares_only_onto_the_same_shape():
    """γ and β of a layernorm over all have its input's whole shape (torch's nn.LayerNorm([4, 6, 6])): onto a
    [4, 4, 9] input, as many elements (144, so 288 parameters either way) and as many channels, torch refuses;
    so does cnncalc (it once compared the counts and the channels only)."""
    err = error_of(LAYERNORM_ALL_ELSEWHERE)
    assert "inputs shaped [4, 6, 6]" in err.message and "[4, 4, 9]" in err.message and err.layer == "c"
    torch = pytest.importorskip("torch", reason="torch's own refusal: pip install -e '.[test,parity]'")
    norm = torch.nn.LayerNorm([4, 6, 6])
    with pytest.raises(RuntimeError):
        norm(torch.zeros(2, 4, 4, 9))
