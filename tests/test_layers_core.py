"""Table-driven checks of every option of the core layer types.

Expected figures are derived in the test: output sizes by enumerating window positions (tests/oracle.py),
receptive fields by tracing taps back to the input, parameters and MACs by the formulas written beside each
case from the layer's definition.
"""

from __future__ import annotations

import math

import pytest

from oracle import receptive_field_1d, window_starts
from conftest import one_layer


def prod(values):
    return math.prod(values)


def pads_for(padding, size, kernel, stride, dilation):
    """Resolve a padding form to (before, after) for one axis, by each form's definition."""
    span = dilation * (kernel - 1) + 1
    if padding == "valid":
        return 0, 0
    if padding == "full":
        return span - 1, span - 1
    if padding == "same":
        # TensorFlow: output ceil(size/stride); the smallest total padding giving it, extra after
        out = -(-size // stride)
        total = 0
        while len(window_starts(size, kernel, stride, total // 2, total - total // 2, dilation)) < out:
            total += 1
        return total // 2, total - total // 2
    if isinstance(padding, list):
        return tuple(padding)
    return padding, padding


# (input shape, kernel, stride, padding, dilation, groups, out channels, bias)
CONV_CASES = [
    ((3, 32, 32), 3, 1, 0, 1, 1, 8, True),
    ((3, 32, 32), 3, 1, 1, 1, 1, 8, False),
    ((3, 224, 224), 7, 2, 3, 1, 1, 64, False),
    ((16, 28, 28), 5, 1, "same", 1, 1, 16, False),
    ((16, 28, 28), 4, 2, "same", 1, 1, 16, True),       # even kernel: extra padding after
    ((16, 27, 27), 3, 2, "same", 1, 1, 4, True),
    ((4, 10, 10), 4, 1, "same", 1, 1, 4, True),         # odd total padding 3: 1 before, 2 after
    ((4, 11, 11), 2, 2, "same", 1, 1, 4, True),         # total 1: all after
    ((8, 10, 10), 3, 1, "full", 1, 1, 8, True),
    ((8, 10, 10), 3, 1, "valid", 2, 1, 8, True),         # dilation 2: span 5
    ((8, 19, 19), 3, 2, 2, 2, 1, 8, True),
    ((32, 14, 14), 3, 1, 1, 1, 32, 32, False),           # depthwise via groups
    ((32, 14, 14), 3, 1, 1, 1, 4, 64, True),
    ((4, 50), 5, 3, 0, 1, 1, 6, True),                   # 1-D
    ((4, 50), 3, 1, [2, 0], 1, 1, 6, True),              # 1-D causal padding
    ((2, 8, 16, 16), 3, 1, 1, 1, 1, 4, True),            # 3-D
    ((2, 8, 16, 16), 3, 2, 0, 1, 1, 4, False),
]


@pytest.mark.parametrize("shape, k, s, p, d, g, out, bias", CONV_CASES)
def test_conv(shape, k, s, p, d, g, out, bias):
    padding = f"[{p[0]}, {p[1]}]" if isinstance(p, list) else p
    explicit = f"[{', '.join([f'[{p[0]}, {p[1]}]'] * (len(shape) - 1))}]" if isinstance(p, list) else padding
    row = one_layer(shape, f"conv: {{out: {out}, kernel: {k}, stride: {s}, padding: {explicit}, "
                           f"dilation: {d}, groups: {g}, bias: {str(bias).lower()}}}")
    c_in, spatial = shape[0], shape[1:]
    sizes = []
    for n in spatial:
        before, after = pads_for(p, n, k, s, d)
        sizes.append(len(window_starts(n, k, s, before, after, d)))
    assert row.output_shape == (out, *sizes)
    ndim = len(spatial)
    weights = out * (c_in // g) * k**ndim
    assert row.params == weights + (out if bias else 0)
    assert row.macs == prod(sizes) * out * (c_in // g) * k**ndim
    assert row.flops == 2 * row.macs + (prod(sizes) * out if bias else 0)
    before, after = pads_for(p, spatial[0], k, s, d)
    size, jump, start = receptive_field_1d([(k, s, before, after, d)], spatial[0])
    assert (row.rf[0].size, row.rf[0].start) == (size, start)
    if jump is not None:
        assert row.rf[0].stride == jump


@pytest.mark.parametrize("shape, k, s, p, d, ceil", [
    ((3, 32, 32), 2, 2, 0, 1, False),
    ((64, 112, 112), 3, 2, 1, 1, False),
    ((64, 112, 112), 3, 2, 0, 1, True),
    ((96, 55, 55), 3, 2, 0, 1, False),        # AlexNet
    ((8, 10, 10), 3, 2, 0, 1, True),          # ceil adds a partial window
    ((8, 11, 11), 2, 2, 1, 1, True),          # ceil's extra window would start in the padding: dropped
    ((8, 6, 6), 2, 2, 1, 1, True),
    ((8, 13, 13), 3, 1, 0, 2, False),         # dilated pooling
    ((8, 16, 16), 3, 1, "same", 1, False),
    ((4, 30), 4, 3, 0, 1, True),              # 1-D
    ((4, 6, 9, 9), 2, 2, 0, 1, False),        # 3-D
])
@pytest.mark.parametrize("kind", ["maxpool", "avgpool", "sumpool"])
def test_pooling(kind, shape, k, s, p, d, ceil):
    row = one_layer(shape, f"{kind}: {{kernel: {k}, stride: {s}, padding: {p}, dilation: {d}, "
                           f"ceil_mode: {str(ceil).lower()}}}")
    c, spatial = shape[0], shape[1:]
    sizes = []
    for n in spatial:
        before, after = pads_for(p, n, k, s, d)
        sizes.append(len(window_starts(n, k, s, before, after, d, ceil)))
    assert row.output_shape == (c, *sizes)
    assert row.params == 0 and row.macs == 0
    window = k ** len(spatial)
    per_output = window if kind == "avgpool" else window - 1     # avg: k−1 adds + 1 divide
    assert row.flops == c * prod(sizes) * per_output
    before, after = pads_for(p, spatial[0], k, s, d)
    size, jump, start = receptive_field_1d([(k, s, before, after, d)], spatial[0])
    assert (row.rf[0].size, row.rf[0].start) == (size, start)


def test_pool_stride_defaults_to_kernel():
    row = one_layer((3, 32, 32), "maxpool: {kernel: 2}")
    assert row.output_shape == (3, 16, 16)


@pytest.mark.parametrize("kind, extra", [("global_avgpool", 1), ("global_maxpool", 0)])
def test_global_pooling(kind, extra):
    row = one_layer((512, 7, 7), f"{kind}: {{}}")
    assert row.output_shape == (512,)
    assert row.flops == 512 * (49 - 1 + extra)     # n−1 adds or comparisons (+ one division)
    # sees the whole 7-wide input: positions 0..6
    assert (row.rf[0].size, row.rf[0].start) == (7, 0)
    kept = one_layer((512, 7, 7), f"{kind}: {{keepdims: true}}")
    assert kept.output_shape == (512, 1, 1)


@pytest.mark.parametrize("bias", [True, False])
def test_dense(bias):
    row = one_layer((4096,), f"dense: {{out: 1000, bias: {str(bias).lower()}}}")
    assert row.output_shape == (1000,)
    assert row.params == 4096 * 1000 + (1000 if bias else 0)
    assert row.macs == 4096 * 1000
    assert row.flops == 2 * 4096 * 1000 + (1000 if bias else 0)


@pytest.mark.parametrize("alias", ["fc", "linear"])
def test_dense_aliases(alias):
    assert one_layer((10,), f"{alias}: {{out: 3}}").params == 33


def test_flatten_then_dense_sees_everything():
    from conftest import report_of
    report = report_of("""
        input: [2, 5, 5]
        layers:
          - conv: {out: 4, kernel: 3}
          - flatten
          - dense: {out: 10}
    """)
    flat, dense = report.rows[2], report.rows[3]
    assert flat.output_shape == (4 * 3 * 3,)
    # the conv's 3 output positions per axis each see 3 inputs: together all 5
    assert (dense.rf[0].size, dense.rf[0].start) == (5, 0)
    assert dense.params == 36 * 10 + 10


# FLOPs per element of each activation, from the operations listed in docs/conventions.md
@pytest.mark.parametrize("layer, per_element", [
    ("relu", 1), ("relu6", 2), ("leaky_relu", 2), ("elu", 4), ("gelu", 5), ("{gelu: {approximate: tanh}}", 9),
    ("tanh", 1), ("sigmoid", 4), ("softmax", 3), ("dropout", 0),
])
def test_elementwise_layers(layer, per_element):
    row = one_layer((6, 4, 5), layer)
    assert row.output_shape == (6, 4, 5)
    assert row.params == 0 and row.macs == 0
    assert row.flops == per_element * 6 * 4 * 5


@pytest.mark.parametrize("args, params, state", [
    ("{}", 2 * 32, 2 * 32),
    ("{affine: false}", 0, 2 * 32),
    ("{track_running_stats: false}", 2 * 32, 0),
])
def test_batchnorm(args, params, state):
    row = one_layer((32, 8, 8), f"batchnorm: {args}")
    assert (row.params, row.state) == (params, state)
    assert row.flops == 2 * 32 * 8 * 8


def test_concat_and_add():
    from conftest import report_of
    report = report_of("""
        input: [8, 10, 10]
        layers:
          - {name: a, conv: {out: 4, kernel: 3, padding: 1}}
          - {name: b, from: input, conv: {out: 6, kernel: 5, padding: 2}}
          - {name: c, from: [a, b], concat: {}}
          - {name: d, from: input, conv: {out: 10, kernel: 1}}
          - {name: e, from: [c, d], add: {}}
    """)
    rows = {row.name: row for row in report.rows}
    assert rows["c"].output_shape == (10, 10, 10)
    assert rows["c"].flops == 0
    assert rows["e"].flops == 10 * 10 * 10           # one addition per element for two inputs
    # union of fields: a sees [-1, 2), b sees [-2, 3) → [-2, 3): size 5, start -2
    assert (rows["c"].rf[0].size, rows["c"].rf[0].start) == (5, -2)
    assert (rows["e"].rf[0].size, rows["e"].rf[0].start) == (5, -2)


def test_merge_with_disagreeing_strides_is_flagged():
    from conftest import report_of
    # both branches give 8×8 from 16×16: a 9-wide window at stride 1 (jump 1), a 2-wide at stride 2 (jump 2)
    report = report_of("""
        input: [3, 16, 16]
        layers:
          - {name: a, conv: {out: 4, kernel: 9}}
          - {name: b, from: input, conv: {out: 4, kernel: 2, stride: 2}}
          - {name: c, from: [a, b], concat: {}}
    """)
    c = report.rows[-1]
    assert c.output_shape == (8, 8, 8)
    assert c.rf[0].size is None and c.rf[0].stride is None
    assert any(w.layer == "c" and "disagree" in w.message for w in report.warnings)


def test_merging_single_positions_needs_no_common_stride():
    """A text CNN: branches of kernel 3 and 5 over 10 tokens, each max-pooled over all positions, then
    joined. Each branch ends with one position, so the differing 'strides' (10−3+1 = 8 and 6 positions)
    mean nothing: no warning, and the union sees every token (0..9)."""
    from conftest import report_of
    report = report_of("""
        input: [4, 10]
        layers:
          - name: feats
            concat:
              - [{conv: {out: 2, kernel: 3}}, global_maxpool]
              - [{conv: {out: 2, kernel: 5}}, global_maxpool]
          - dense: {out: 2}
    """)
    feats = next(row for row in report.rows if row.name == "feats")
    assert (feats.rf[0].size, feats.rf[0].start) == (10, 0)
    assert report.warnings == ()
    assert (report.output_rf[0].size, report.output_rf[0].start) == (10, 0)
