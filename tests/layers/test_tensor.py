"""cnncalc/layers/tensor.py (matmul, reduce, permute, expand) and softmax along an axis: shapes, counts and
receptive fields, each figure derived by hand beside it from the operation's definition."""

from __future__ import annotations

import pytest

from cnncalc.errors import SpecError

from conftest import one_layer, report_of


def rows(text):
    return {r.name: r for r in report_of(text).rows}


ATTENTION = """
    input: [64, 16]
    layers:
      - {name: qkv, linear: {out: 192}}
      - {name: parts, split: {sizes: [64, 64, 64]}}
      - {name: q, from: parts.0, reshape: {shape: [4, 16, 16]}}
      - {name: k, from: parts.1, reshape: {shape: [4, 16, 16]}}
      - {name: v, from: parts.2, reshape: {shape: [4, 16, 16]}}
      - {name: kt, from: k, permute: {dims: [0, 2, 1]}}
      - {name: scores, from: [kt, q], matmul: {}}
      - {name: attn, softmax: {axis: 1}}
      - {name: out, from: [v, attn], matmul: {}}
      - {name: merged, reshape: {shape: [64, 16]}}
      - {name: proj, linear: {out: 64}}
"""


def test_attention_products_are_counted():
    # 16 tokens of 64 channels ([C, N] = [64, 16]), 4 heads of d = 16: q, k, v are [heads, d, N] = [4, 16, 16]
    r = rows(ATTENTION)
    # scores: kᵀ [4, N=16, d=16] × q [4, d=16, N=16] → [4, 16 (keys), 16 (queries)]: 4 · 16·16 · 16 MACs
    assert r["scores"].output_shape == (4, 16, 16)
    assert (r["scores"].macs, r["scores"].flops, r["scores"].params) == (4 * 16 * 16 * 16, 2 * 4 * 16 * 16 * 16, 0)
    # out: v [4, d, N_k] × attn [4, N_k, N_q] → [4, d, N_q]: again heads · d · N_q · N_k
    assert r["out"].macs == 4 * 16 * 16 * 16
    assert r["attn"].flops == 3 * 4 * 16 * 16             # exp, add, divide per element, along the keys
    assert r["kt"].output_shape == (4, 16, 16) and r["kt"].flops == 0
    # the whole block: qkv 16 positions · 64 · 192, proj 16 · 64 · 64, the two products 16,384 each
    total = 16 * 64 * 192 + 16 * 64 * 64 + 2 * 16_384
    assert report_of(ATTENTION).totals.macs == total == 294_912


def test_matmul_broadcasts_leading_axes_and_checks_shapes():
    r = rows("""
        input: [6, 5]
        layers:
          - {name: a, reshape: {shape: [2, 3, 5]}}
          - {name: b, from: input, reshape: {shape: [1, 5, 6]}}
          - {name: p, from: [a, b], matmul: {}}
    """)
    # [2, 3, 5] × [1, 5, 6]: leading axes 2 and 1 broadcast to 2; 2 · 3 · 6 · 5 MACs
    assert r["p"].output_shape == (2, 3, 6) and r["p"].macs == 2 * 3 * 6 * 5
    with pytest.raises(SpecError, match="must equal the axis before last"):
        report_of("input: [6, 5]\nlayers:\n  - {name: p, from: [input, input], matmul: {}}\n")
    with pytest.raises(SpecError, match="takes 2 inputs: name them"):
        report_of("input: [6, 6]\nlayers:\n  - {name: p, matmul: {}}\n")
    with pytest.raises(SpecError, match="takes 2 inputs, 'from' names 1"):
        report_of("input: [6, 6]\nlayers:\n  - {name: p, from: input, matmul: {}}\n")


@pytest.mark.parametrize("op, per_output", [("sum", 8 * 4 - 1), ("mean", 8 * 4), ("max", 8 * 4 - 1),
                                            ("l2", 2 * 8 * 4)])
def test_reduce_flops_and_shapes(op, per_output):
    # [3, 8, 4] reduced over H and W: n = 32 values per output element, 3 outputs
    row = one_layer((3, 8, 4), f"reduce: {{op: {op}, axes: [1, -1]}}")
    assert row.output_shape == (3,)
    assert (row.flops, row.macs, row.params) == (3 * per_output, 0, 0)
    kept = one_layer((3, 8, 4), f"reduce: {{op: {op}, axes: [1, 2], keepdims: true}}")
    assert kept.output_shape == (3, 1, 1)
    assert kept.rf[0].size == 8 and kept.rf[1].size == 4          # the whole input, both axes


def test_reduce_over_channels_keeps_fields_apart():
    # CBAM's spatial attention: the mean over the 5 channels at each position, [5, 7, 7] → [1, 7, 7]
    r = rows("""
        input: [5, 7, 7]
        layers:
          - {name: conv, conv: {out: 5, kernel: 3, padding: 1}}
          - {name: m, reduce: {op: mean, axes: 0, keepdims: true}}
          - {name: dropped, from: conv, reduce: {op: max, axes: 0}}
    """)
    assert r["m"].output_shape == (1, 7, 7) and r["m"].flops == 49 * 5
    assert [(a.size, a.stride, a.start) for a in r["m"].rf] == [(3, 1, -1)] * 2       # the conv's, unchanged
    # without keepdims the spatial axes move down one: [7, 7], whose H is now the channel axis: unknown
    assert r["dropped"].output_shape == (7, 7) and r["dropped"].rf[0].size is None


def test_reduce_refuses_bad_axes():
    with pytest.raises(SpecError, match="outside an input of 3 axes"):
        one_layer((3, 8, 4), "reduce: {op: sum, axes: [3]}")
    with pytest.raises(SpecError, match="named twice"):
        one_layer((3, 8, 4), "reduce: {op: sum, axes: [1, -2]}")


def test_softmax_along_an_axis():
    # along the channels (the default): element-wise in space; along H: every position of H is read
    channels = one_layer((4, 6, 5), "conv: {out: 4, kernel: 3}")
    soft = rows("""
        input: [4, 6, 5]
        layers:
          - {name: c, softmax: {}}
          - {name: h, from: input, softmax: {axis: 1}}
          - {name: last, from: input, softmax: {axis: -1}}
    """)
    assert soft["c"].rf[0].size == 1 and soft["c"].flops == 3 * 4 * 6 * 5
    assert (soft["h"].rf[0].size, soft["h"].rf[1].size) == (6, 5)
    assert soft["last"].flops == 3 * 4 * 6 * 5 and soft["last"].output_shape == (4, 6, 5)
    assert channels.output_shape == (4, 4, 3)
    with pytest.raises(SpecError, match="outside an input of 3 axes"):
        one_layer((4, 6, 5), "softmax: {axis: 3}")


def test_permute():
    row = one_layer((2, 3, 4), "permute: {dims: [0, 2, 1]}")
    assert row.output_shape == (2, 4, 3) and row.flops == 0
    assert row.rf[0].size is None                                   # H and W swapped: unknown
    same = one_layer((2, 3, 4), "permute: {dims: [0, 1, 2]}")
    assert same.rf[0].size == 1
    with pytest.raises(SpecError, match="must name each of the 3 axes"):
        one_layer((2, 3, 4), "permute: {dims: [0, 1]}")


def test_expand_repeats_one_position():
    r = rows("""
        input: [6, 9, 9]
        layers:
          - {name: pool, global_avgpool: {keepdims: true}}
          - {name: ex, expand: {shape: [-1, 9, 9]}}
          - {name: both, from: [input, ex], add: {}}
    """)
    assert r["ex"].output_shape == (6, 9, 9) and r["ex"].flops == 0
    # every position of the expanded map sees the pool's one field, the whole 9×9 input: stride 0
    assert [(a.size, a.stride, a.start) for a in r["ex"].rf] == [(9, 0, 0)] * 2
    assert [(a.size, a.stride, a.start) for a in r["both"].rf] == [(9, 0, 0)] * 2
    with pytest.raises(SpecError, match="only an axis of size 1"):
        one_layer((6, 9, 9), "expand: {shape: [6, 18, 9]}")
    added = one_layer((6, 1), "expand: {shape: [2, 6, 4]}")
    assert added.output_shape == (2, 6, 4) and added.rf[0].size is None


def test_roll_moves_data_only():
    row = one_layer((4, 6, 5), "roll: {shifts: [-3, 2], axes: [1, 2]}")
    assert row.output_shape == (4, 6, 5) and (row.flops, row.params) == (0, 0)
    assert row.rf[0].size is None                       # positions wrap around: unknown
    whole_turn = one_layer((4, 6, 5), "roll: {shifts: [6, 1], axes: [1, 0]}")
    assert whole_turn.rf[0].size == 1                   # 6 ≡ 0 on H, and channels only otherwise
    with pytest.raises(SpecError, match="2 shifts for 1 axes"):
        one_layer((4, 6, 5), "roll: {shifts: [1, 2], axes: [1]}")


def test_relative_position_bias_parameters_and_flops():
    # Swin's table: (2·7 − 1)² = 169 offsets × 3 heads = 507 parameters; one add per score; 4 windows · 3 heads
    row = one_layer((12, 49, 49), "relative_position_bias: {heads: 3, window: 7}")
    assert (row.params, row.flops, row.macs) == (169 * 3, 12 * 49 * 49, 0)
    rect = one_layer((2, 6, 6), "relative_position_bias: {heads: 2, window: [2, 3]}")
    assert rect.params == (2 * 2 - 1) * (2 * 3 - 1) * 2 == 30
    with pytest.raises(SpecError, match=r"needs scores \[\.\.\., 49, 49\]"):
        one_layer((10, 49, 49), "relative_position_bias: {heads: 3, window: 7}")


def test_shifted_window_mask_has_no_parameters_and_adds_once_per_score():
    # Swin's first stage: a 56×56 map in 8·8 = 64 windows of 7×7, 3 heads: scores [192, 49, 49], one add each
    row = one_layer((192, 49, 49), "shifted_window_mask: {heads: 3, window: 7, shift: 3, size: [56, 56]}")
    assert (row.params, row.flops, row.macs) == (0, 192 * 49 * 49, 0)
    assert one_layer((64, 3, 49, 49), "shifted_window_mask: {heads: 3, window: 7, shift: 3, size: [56, 56]}").flops \
        == 64 * 3 * 49 * 49
    with pytest.raises(SpecError, match=r"64 windows × 2 heads"):
        one_layer((192, 49, 49), "shifted_window_mask: {heads: 2, window: 7, shift: 3, size: [56, 56]}")
    with pytest.raises(SpecError, match=r"a shift between 0 and it"):
        one_layer((192, 49, 49), "shifted_window_mask: {heads: 3, window: 7, shift: 7, size: [56, 56]}")
    for size in ("56", "[56, 56, 56]"):      # the map is two sizes: a scalar or three is refused, located
        with pytest.raises(SpecError, match=r"'size' of shifted_window_mask is the map \[H, W\]"):
            one_layer((192, 49, 49), f"shifted_window_mask: {{heads: 3, window: 7, shift: 3, size: {size}}}")
