"""ONNX attention as torch exports it (cnncalc/onnxmap/tensor.py, split.py, crop.py, attention.py): small
onnx.helper models mirroring each pattern of torchvision's vit_b_16 (nn.MultiheadAttention: the batch axis
moved and merged away, q, k, v gathered, the class token gathered), swin_t (torch.roll as Slice + Concat,
window partitions that merge the batch axis, a relative position bias gathered from its table, patch
merging's strided slices) and maxvit_t (Einsum, q, k, v sliced from the channels-last projection, a relative
position bias folded by the exporter), with the figures derived by hand beside each test. The three
torchvision models themselves are in tests/onnximport/test_torchvision_attention.py (they need torchvision)."""

from __future__ import annotations

import numpy as np
import pytest

import cnncalc
from cnncalc.onnximport import spec_document
from tests.onnximport.models import const, node, save, weights


def _model(tmp_path, nodes, shape, inits=None, **kw):
    path = save(tmp_path / "m.onnx", nodes, shape, inits, **kw)
    return path, spec_document(path)["layers"], cnncalc.analyze(path)


def _types(layers):
    return [next(k for k in item if k not in ("name", "from")) for item in layers]


def _swin_index(w: int) -> np.ndarray:
    """Swin's relative position index of a w×w window, written from the paper's definition (not cnncalc's):
    for tokens a = (ya, xa), b = (yb, xb) in row-major order,
    (ya − yb + w − 1)·(2w − 1) + (xa − xb + w − 1)."""
    cells = [(y, x) for y in range(w) for x in range(w)]
    return np.array([[(ya - yb + w - 1) * (2 * w - 1) + (xa - xb + w - 1) for yb, xb in cells] for ya, xa in cells],
                    dtype=np.int64)


def _ints(name, values):
    return const(name, np.array(values, np.int64))


def test_multihead_attention_moves_and_merges_the_batch_axis(tmp_path):
    # nn.MultiheadAttention(8, 2 heads, batch_first=True) as torch.onnx.export writes it, on tokens [1, 5, 8]
    # (a [1, 8, 5] map transposed, as ViT's patches), then a residual, the class token x[:, 0] and a 3-class
    # head: the batch axis is moved to axis 1, merged into the heads ([L, N·heads, d]), and restored
    nodes = [
        node("Transpose", ["x"], ["xs"], name="tokens", perm=[0, 2, 1]),                  # [1, 5, 8]
        node("Transpose", ["xs"], ["xt"], name="tr", perm=[1, 0, 2]),                     # [5, 1, 8]
        node("MatMul", ["xt", "w_in"], ["p"], name="in_proj"), node("Add", ["b_in", "p"], ["pb"], name="in_bias"),
        _ints("s0", [5, 1, 3, 8]), node("Reshape", ["pb", "s0"], ["r0"], name="r0"),
        _ints("ax0", [0]), node("Unsqueeze", ["r0", "ax0"], ["u"], name="u"),               # [1, 5, 1, 3, 8]
        node("Transpose", ["u"], ["ut"], name="tr1", perm=[3, 1, 2, 0, 4]),                # [3, 5, 1, 1, 8]
        _ints("ax3", [3]), node("Squeeze", ["ut", "ax3"], ["qkv"], name="sq"),             # [3, 5, 1, 8]
        *[const(f"i{j}", np.array(j, np.int64)) for j in range(3)],
        *[node("Gather", ["qkv", f"i{j}"], [f"g{j}"], name=f"g{j}", axis=0) for j in range(3)],   # [5, 1, 8]
        _ints("s1", [5, 2, 4]), _ints("s2", [1, 2, 5, 4]),
        *[n for j in range(3) for n in (node("Reshape", [f"g{j}", "s1"], [f"h{j}"], name=f"h{j}"),       # [5, 2, 4]
                                        node("Transpose", [f"h{j}"], [f"t{j}"], name=f"t{j}", perm=[1, 0, 2]),
                                        node("Reshape", [f"t{j}", "s2"], [f"b{j}"], name=f"b{j}"))],  # [1, 2, 5, 4]
        node("Transpose", ["b1"], ["kt"], name="kt", perm=[0, 1, 3, 2]),
        node("MatMul", ["b0", "kt"], ["sc"], name="scores"), node("Softmax", ["sc"], ["a"], name="soft", axis=-1),
        node("MatMul", ["a", "b2"], ["c"], name="context"),                                # [1, 2, 5, 4]
        node("Transpose", ["c"], ["ct"], name="tr2", perm=[2, 0, 1, 3]),                   # [5, 1, 2, 4]
        _ints("s3", [5, 8]), node("Reshape", ["ct", "s3"], ["flat"], name="flat"),         # [5, 8]
        node("Gemm", ["flat", "w_out", "b_out"], ["o"], name="out_proj", transB=1),
        _ints("s4", [5, 1, 8]), node("Reshape", ["o", "s4"], ["o3"], name="o3"),
        node("Transpose", ["o3"], ["ob"], name="tr3", perm=[1, 0, 2]),                     # [1, 5, 8]
        node("Add", ["ob", "xs"], ["res"], name="residual"),
        node("Gather", ["res", "i0"], ["cls"], name="class_token", axis=1),                # [1, 8]
        node("Gemm", ["cls", "w_head", "b_head"], ["y"], name="head", transB=1)]
    inits = {"w_in": weights(8, 24), "b_in": weights(24), "w_out": weights(8, 8), "b_out": weights(8),
             "w_head": weights(3, 8), "b_head": weights(3)}
    _, layers, report = _model(tmp_path, nodes, [1, 8, 5], inits)
    assert "split" in _types(layers) and "crop" in _types(layers)
    rows = {r.name: r for r in report.rows}
    # parameters: in-projection 8·24 + 24 = 216, out-projection 8·8 + 8 = 72, head 8·3 + 3 = 27: 315
    assert report.totals.params == 315
    # MACs: in-projection 5 tokens·8·24 = 960; scores 2 heads·5·5·4 = 200; context 2·5·4·5 = 200;
    # out-projection 5·8·8 = 320; head 8·3 = 24: 1,704
    assert rows["scores"].macs == rows["context"].macs == 200
    assert rows["in_proj"].macs == 960 and rows["out_proj"].macs == 320
    assert report.totals.macs == 1704 and report.output_shape == (3,)


def test_a_batch_of_two_keeps_the_batch_axis_in_place(tmp_path, cli):
    # the same Transpose with a batch of 2 moves data between samples: refused
    nodes = [node("Transpose", ["x"], ["xt"], name="tr", perm=[1, 0, 2]), node("Relu", ["xt"], ["y"], name="relu")]
    path = save(tmp_path / "m.onnx", nodes, [2, 5, 8])
    code, _, err = cli("analyze", path)
    assert code == 2 and "Transpose ×1 (moves the batch axis (perm [1, 0, 2]))" in err


def _swin_nodes():
    """A Swin block on [1, 2, 4, 4] (C = 2, a 4×4 map, 2×2 windows, 1 head of d = 2, shift 1), then patch
    merging, as torch.onnx.export writes torchvision's swin_transformer.py."""
    index = _swin_index(2).reshape(-1)
    return [
        node("Transpose", ["x"], ["xl"], name="to_last", perm=[0, 2, 3, 1]),               # [1, 4, 4, 2]
        _ints("zeros", [0] * 8), node("Pad", ["xl", "zeros"], ["xp"], name="pad"),        # pads of 0
        # torch.roll(x, -1, 1): x[:, 1:], x[:, :1]
        _ints("one", [1]), _ints("big", [2 ** 62]), _ints("zero", [0]), _ints("minus1", [-1]),
        node("Slice", ["xp", "one", "big", "one"], ["ra"], name="roll_a"),
        node("Slice", ["xp", "zero", "one", "one"], ["rb"], name="roll_b"),
        node("Concat", ["ra", "rb"], ["rolled"], name="roll", axis=1),
        _ints("part", [1, 2, 2, 2, 2, 2]), node("Reshape", ["rolled", "part"], ["w6"], name="w6"),
        node("Transpose", ["w6"], ["w6t"], name="w6t", perm=[0, 1, 3, 2, 4, 5]),
        _ints("tok", [4, 4, 2]), node("Reshape", ["w6t", "tok"], ["win"], name="windows"),  # [4, 4, 2]: batch merged
        node("MatMul", ["win", "w_qkv"], ["qkv0"], name="qkv"), node("Add", ["qkv0", "b_qkv"], ["qkv1"], name="qkv_b"),
        _ints("heads", [4, 4, 3, 1, 2]), node("Reshape", ["qkv1", "heads"], ["q5"], name="q5"),
        node("Transpose", ["q5"], ["q5t"], name="q5t", perm=[2, 0, 3, 1, 4]),              # [3, 4, 1, 4, 2]
        *[const(f"i{j}", np.array(j, np.int64)) for j in range(3)],
        *[node("Gather", ["q5t", f"i{j}"], [f"g{j}"], name=f"g{j}", axis=0) for j in range(3)],  # [4, 1, 4, 2]
        const("half", np.array(0.5, np.float32)), node("Mul", ["g0", "half"], ["qs"], name="q_scale"),
        node("Transpose", ["g1"], ["kt"], name="kt", perm=[0, 1, 3, 2]),
        node("MatMul", ["qs", "kt"], ["sc"], name="scores"),                               # [4, 1, 4, 4]
        # the relative position bias: table[index] → [4, 4, 1] → [1, 4, 4] → [1, 1, 4, 4], folded by cnncalc
        const("index", index), node("Gather", ["table", "index"], ["tg"], name="bias_gather", axis=0),
        _ints("bs", [4, 4, 1]), node("Reshape", ["tg", "bs"], ["tr"], name="bias_r"),
        node("Transpose", ["tr"], ["tt"], name="bias_t", perm=[2, 0, 1]),
        node("Unsqueeze", ["tt", "zero"], ["bias"], name="bias_u"),
        node("Add", ["sc", "bias"], ["biased"], name="rel_bias"),
        node("Softmax", ["biased"], ["att"], name="soft", axis=-1),
        node("MatMul", ["att", "g2"], ["ctx"], name="context"),                            # [4, 1, 4, 2]
        node("Transpose", ["ctx"], ["ctxt"], name="ctxt", perm=[0, 2, 1, 3]),
        node("Reshape", ["ctxt", "tok"], ["ctx3"], name="ctx3"),
        node("MatMul", ["ctx3", "w_proj"], ["pr0"], name="proj"), node("Add", ["pr0", "b_proj"], ["pr"], name="proj_b"),
        node("Reshape", ["pr", "part"], ["u6"], name="u6"),
        node("Transpose", ["u6"], ["u6t"], name="u6t", perm=[0, 1, 3, 2, 4, 5]),
        _ints("map", [1, 4, 4, 2]), node("Reshape", ["u6t", "map"], ["back"], name="back"),
        # torch.roll(x, 1, 1): x[:, -1:], x[:, :-1]
        node("Slice", ["back", "minus1", "big", "one"], ["ua"], name="unroll_a"),
        node("Slice", ["back", "zero", "minus1", "one"], ["ub"], name="unroll_b"),
        node("Concat", ["ua", "ub"], ["unrolled"], name="unroll", axis=1),
        # patch merging: x[0::2, 0::2], x[1::2, 0::2], x[0::2, 1::2], x[1::2, 1::2] along the channels
        _ints("two", [2]), _ints("ax2", [2]),
        node("Slice", ["unrolled", "zero", "big", "one", "two"], ["e0"], name="even_rows"),
        node("Slice", ["unrolled", "one", "big", "one", "two"], ["o0"], name="odd_rows"),
        node("Slice", ["e0", "zero", "big", "ax2", "two"], ["p00"], name="p00"),
        node("Slice", ["o0", "zero", "big", "ax2", "two"], ["p10"], name="p10"),
        node("Slice", ["e0", "one", "big", "ax2", "two"], ["p01"], name="p01"),
        node("Slice", ["o0", "one", "big", "ax2", "two"], ["p11"], name="p11"),
        node("Concat", ["p00", "p10", "p01", "p11"], ["merged"], name="merge", axis=-1),    # [1, 2, 2, 8]
        node("LayerNormalization", ["merged", "ln_s", "ln_b"], ["normed"], name="norm", axis=-1),
        node("MatMul", ["normed", "w_red"], ["y"], name="reduction")]


SWIN_INITS = {"w_qkv": weights(2, 6), "b_qkv": weights(6), "table": weights(9, 1), "w_proj": weights(2, 2),
              "b_proj": weights(2), "ln_s": weights(8), "ln_b": weights(8), "w_red": weights(8, 4)}


def test_swin_block_windows_roll_relative_bias_and_patch_merging(tmp_path):
    _, layers, report = _model(tmp_path, _swin_nodes(), [1, 2, 4, 4], SWIN_INITS)
    types = _types(layers)
    assert types.count("roll") == 2 and types.count("relative_position_bias") == 1 and "pad" not in types
    rows = {r.name: r for r in report.rows}
    assert layers[types.index("roll")]["roll"] == {"shifts": [-1], "axes": [1]}     # H, channels first: axis 1
    assert rows["rel_bias"].params == 9                   # a table of (2·2 − 1)² = 9 offsets × 1 head
    # parameters: qkv 2·6 + 6 = 18; the bias table 9 (its index is a buffer, not counted, as in torch);
    # proj 2·2 + 2 = 6; LayerNorm 8 + 8 = 16; reduction 8·4 = 32: 81
    assert report.totals.params == 81
    # MACs: qkv 16 tokens·2·6 = 192; scores 4 windows·1 head·4·4·2 = 128; context 4·4·2·4 = 128;
    # proj 16·2·2 = 64; reduction 4 positions·8·4 = 128: 640
    assert rows["scores"].macs == rows["context"].macs == 128
    assert report.totals.macs == 640 and report.output_shape == (4, 2, 2)


def test_patch_merging_keeps_torchvisions_channel_order(tmp_path):
    # the merged channels are [x00, x10, x01, x11] (row parity fastest): the permute puts the column parity
    # first, then the row parity, then the channels ([sw, sh, C, H/2, W/2], as specs/zoo/swin_t.yaml does)
    _, layers, _ = _model(tmp_path, _swin_nodes(), [1, 2, 4, 4], SWIN_INITS)
    gather = next(item for item in layers if item["name"] == "merge.gather")
    assert gather["permute"] == {"dims": [4, 2, 0, 1, 3]}


def _maxvit_nodes(bias_name="bias"):
    """MaxViT's attention on partitions [1, 2, 4, 4] (2 groups of 4 tokens, 4 channels, 1 head of d = 4):
    LayerNorm and the projections over the last axis, q, k, v sliced from the projection, Einsum products,
    the relative position bias an initializer (the exporter folded its Gather)."""
    return [
        node("LayerNormalization", ["x", "ln_s", "ln_b"], ["xn"], name="norm", axis=-1),
        node("MatMul", ["xn", "w_qkv"], ["p0"], name="to_qkv"), node("Add", ["b_qkv", "p0"], ["p"], name="to_qkv_b"),
        *[n for j in range(3) for n in (
            _ints(f"a{j}", [4 * j]), _ints(f"e{j}", [4 * j + 4]), _ints("last", [-1]),
            node("Slice", ["p", f"a{j}", f"e{j}", "last"], [f"s{j}"], name=f"slice{j}"),
            _ints("heads", [1, 2, 4, 1, 4]), node("Reshape", [f"s{j}", "heads"], [f"r{j}"], name=f"r{j}"),
            node("Transpose", [f"r{j}"], [f"h{j}"], name=f"h{j}", perm=[0, 1, 3, 2, 4]))],    # [1, 2, 1, 4, 4]
        const("scale", np.array(0.5, np.float32)), node("Mul", ["h1", "scale"], ["ks"], name="k_scale"),
        node("Einsum", ["h0", "ks"], ["sc"], name="scores", equation="bghid,bghjd->bghij"),
        node("Add", ["sc", bias_name], ["biased"], name="rel_bias"),
        node("Softmax", ["biased"], ["att"], name="soft", axis=-1),
        node("Einsum", ["att", "h2"], ["ctx"], name="context", equation="bghij,bghjd->bghid"),
        node("Transpose", ["ctx"], ["ctxt"], name="ctxt", perm=[0, 1, 3, 2, 4]),
        _ints("flat", [1, 2, 4, 4]), node("Reshape", ["ctxt", "flat"], ["c4"], name="c4"),
        node("MatMul", ["c4", "w_merge"], ["m0"], name="merge"), node("Add", ["b_merge", "m0"], ["y"], name="merge_b")]


def _maxvit_inits(bias):
    return {"ln_s": weights(4), "ln_b": weights(4), "w_qkv": weights(4, 12), "b_qkv": weights(12),
            "bias": bias, "w_merge": weights(4, 4), "b_merge": weights(4)}


def test_maxvit_attention_einsum_channel_slices_and_a_folded_bias(tmp_path):
    table = np.arange(9, dtype=np.float32) / 10           # 9 distinct offsets' values
    folded = table[_swin_index(2)][None, None]            # [1, 1, 4, 4]: the exporter's folded bias
    _, layers, report = _model(tmp_path, _maxvit_nodes(), [1, 2, 4, 4], _maxvit_inits(folded))
    types = _types(layers)
    assert types.count("matmul") == 2 and "split" in types and types.count("relative_position_bias") == 1
    rows = {r.name: r for r in report.rows}
    # parameters: LayerNorm 4 + 4 = 8; qkv 4·12 + 12 = 60; the bias's table (2·2 − 1)² = 9 (not its 16
    # folded values); merge 4·4 + 4 = 20: 97
    assert rows["rel_bias"].params == 9 and report.totals.params == 97
    # MACs: qkv 8 tokens·4·12 = 384; scores 2 groups·1 head·4·4·4 = 128; context 128; merge 8·4·4 = 128: 768
    assert rows["scores"].macs == rows["context"].macs == 128
    # the output [1, 2, 4, 4] ends channels last (the merge's features): channels first it is [4, 2, 4]
    assert report.totals.macs == 768 and report.output_shape == (4, 2, 4)


def test_a_constant_that_is_not_one_value_per_offset_is_refused(tmp_path, cli):
    # 16 values that differ where two token pairs share an offset (the pairs (0, 0) and (1, 1) both have
    # offset 0): not a relative position bias, and no other layer adds a constant of that shape
    bias = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
    path = save(tmp_path / "m.onnx", _maxvit_nodes(), [1, 2, 4, 4], _maxvit_inits(bias))
    code, _, err = cli("analyze", path)
    assert code == 2 and "Add ×1 (its constant has shape [1, 1, 4, 4]" in err and "'rel_bias'" in err


@pytest.mark.parametrize("equation", ["bghid,bghjd->bghji", "bghid,bghid->bgh"])
def test_einsum_that_is_not_a_matrix_product_is_refused(tmp_path, cli, equation):
    nodes = [node("Einsum", ["x", "x"], ["y"], name="e", equation=equation)]
    path = save(tmp_path / "m.onnx", nodes, [1, 2, 1, 4, 4])
    code, _, err = cli("analyze", path)
    assert code == 2 and f"equation '{equation}'" in err


def _mask(regions):
    """Swin's mask of windows whose tokens have ``regions``: −100 between two regions, 0 within one."""
    r = np.array(regions)
    return np.where(r[:, :, None] != r[:, None, :], -100.0, 0.0).astype(np.float32)


# a 4×4 map shifted by 1 in 2×2 windows (tests/execute/test_tensor.py derives these regions by hand)
REGIONS = [[0, 0, 0, 0], [1, 2, 1, 2], [3, 3, 6, 6], [4, 5, 7, 8]]


def test_swins_mask_of_shifted_windows(tmp_path):
    # scores [1, 4 windows, 2 heads, 4, 4] + the mask [1, 4, 1, 4, 4] broadcast over the heads, as
    # torchvision's shifted_window_attention adds it: a shifted_window_mask, no parameters, 128 adds
    nodes = [node("Add", ["x", "mask"], ["y"], name="mask_add")]
    _, layers, report = _model(tmp_path, nodes, [1, 4, 2, 4, 4], {"mask": _mask(REGIONS)[None, :, None]})
    assert layers == [{"name": "mask_add",
                       "shifted_window_mask": {"heads": 2, "window": 2, "shift": 1, "size": [4, 4]}}]
    assert (report.totals.params, report.totals.macs, report.totals.flops) == (0, 0, 4 * 2 * 4 * 4)


def test_a_mask_of_other_regions_is_refused(tmp_path, cli):
    # window (0, 1)'s tokens all in one region: not the mask of any shift of any grid of 4 windows
    regions = [[0, 0, 0, 0], [1, 1, 1, 1], [3, 3, 6, 6], [4, 5, 7, 8]]
    path = save(tmp_path / "m.onnx", [node("Add", ["x", "mask"], ["y"], name="mask_add")], [1, 4, 2, 4, 4],
                {"mask": _mask(regions)[None, :, None]})
    code, _, err = cli("analyze", path)
    assert code == 2 and "Add ×1 (its constant has shape [1, 4, 1, 4, 4]" in err


def test_a_large_folded_bias_moved_by_folding_is_read_from_the_file(tmp_path):
    # the dynamo exporter's folding leaves the gathered bias as a weight [N·N, heads] (here 49·49·8 float32
    # values, 76,832 bytes: more than the 64 KiB the import loads), which the model reshapes, transposes and
    # unsqueezes to [1, heads, N, N]: cnncalc reads that one weight, replays the moves, finds one value per
    # relative offset of a 7×7 window for each head: a relative_position_bias of (2·7 − 1)²·8 = 1,352 parameters
    table = (np.arange(169 * 8, dtype=np.float32) / 1000).reshape(169, 8)
    gathered = table[_swin_index(7).reshape(-1)]                          # [2401, 8]
    nodes = [_ints("s", [49, 49, 8]), node("Reshape", ["g", "s"], ["r"], name="r"),
             node("Transpose", ["r"], ["tr"], name="tr", perm=[2, 0, 1]), _ints("zero", [0]),
             node("Unsqueeze", ["tr", "zero"], ["bias"], name="u"), node("Add", ["x", "bias"], ["y"], name="rel_bias")]
    _, layers, report = _model(tmp_path, nodes, [1, 8, 49, 49], {"g": gathered})
    assert layers == [{"name": "rel_bias", "relative_position_bias": {"heads": 8, "window": 7}}]
    assert (report.totals.params, report.totals.flops) == (169 * 8, 8 * 49 * 49)


def test_a_gather_of_every_entry_in_order_is_a_reshape(tmp_path):
    # the dynamo exporter's flatten of a pooled [1, 6, 1, 1]: Reshape [6] (the batch merged away), Gather of
    # the indices 0..5 shaped [1, 6], then a 6 → 3 Gemm: parameters 6·3 + 3 = 21, MACs 18
    nodes = [_ints("flat", [6]), node("Reshape", ["x", "flat"], ["f"], name="f"),
             const("idx", np.arange(6, dtype=np.int64).reshape(1, 6)), node("Gather", ["f", "idx"], ["g"], name="g"),
             node("Gemm", ["g", "w", "b"], ["y"], name="fc", transB=1)]
    _, layers, report = _model(tmp_path, nodes, [1, 6, 1, 1], {"w": weights(3, 6), "b": weights(3)})
    assert _types(layers)[-1] == "dense"
    assert (report.totals.params, report.totals.macs, report.output_shape) == (21, 18, (3,))


def _large_window_bias(tmp_path, index):
    """Scores of one head over a 10×10 window (N = 100 tokens: [1, 1, 100, 100]) plus table[index] moved to
    [1, 1, N, N]; the index, N² = 10,000 int64 = 80,000 bytes, is an initializer the import leaves in the file
    (over 64 KiB), read on demand to check it."""
    n = 100
    nodes = [node("Transpose", ["x"], ["xt"], name="t", perm=[0, 1, 3, 2]),
             node("MatMul", ["x", "xt"], ["sc"], name="scores"),
             node("Gather", ["table", "index"], ["tg"], name="bias_gather", axis=0),
             _ints("bs", [n, n, 1]), node("Reshape", ["tg", "bs"], ["tr"], name="bias_r"),
             node("Transpose", ["tr"], ["tt"], name="bias_t", perm=[2, 0, 1]),
             _ints("zero", [0]), node("Unsqueeze", ["tt", "zero"], ["bias"], name="bias_u"),
             node("Add", ["sc", "bias"], ["y"], name="rel_bias")]
    inits = {"table": weights(19 * 19, 1), "index": index.reshape(-1)}
    return _model(tmp_path, nodes, [1, 1, n, 3], inits)


def test_a_large_relative_index_is_read_and_checked(tmp_path):
    # Swin's index of a 10×10 window (the paper's definition): the Add is the bias, its table (2·10 − 1)² = 361
    # offsets × 1 head its parameters
    _, layers, report = _large_window_bias(tmp_path, _swin_index(10))
    assert _types(layers)[-1] == "relative_position_bias" and report.rows[-1].params == 361
    # the same with one entry of the index changed: not Swin's index, so not the bias
    wrong = _swin_index(10)
    wrong[0, 1] = wrong[0, 2]
    _, layers, _ = _large_window_bias(tmp_path, wrong)
    assert "relative_position_bias" not in _types(layers)
