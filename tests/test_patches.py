"""Patch-based inference (cnncalc/patches.py): tiles, peak and halo MACs against figures derived by hand, the
properties of the rule (docs/conventions.md, "Patch-based inference"), its errors, and MobileNetV2 at 224 beside
MCUNetV2's Fig. 1."""

from __future__ import annotations

import pytest

from cnncalc import peak as pk
from cnncalc.analysis import analyze
from cnncalc.patches import GIVEN, LEAST_PEAK, PatchError, parse_grid, patch_schedule
from cnncalc.spec import parse_spec, read_spec

CHAIN_1D = """
name: chain1d
input: [1, 16]
layers:
  - {name: c1, conv: {out: 2, kernel: 3, padding: 1, bias: false}}
  - {name: c2, conv: {out: 2, kernel: 3, stride: 2, padding: 1, bias: false}}
"""

CHAIN_2D = """
name: chain2d
input: [1, 8, 8]
layers:
  - {name: c1, conv: {out: 1, kernel: 3, padding: 1, bias: false}}
  - {name: pool, maxpool: {kernel: 2}}
  - {name: c2, conv: {out: 1, kernel: 3, padding: 1, bias: false}}
"""


def schedule_of(text, grid, cut=None, dtype="float32", **kwargs):
    spec = parse_spec(text)
    return patch_schedule(spec, grid, cut, report=analyze(spec, dtype=dtype), **kwargs)


def tiles(schedule, index):
    (patch,) = [p for p in schedule.patches if p.index == index]
    return {t.layer: t for t in patch.tiles}


def test_chain_1d_by_hand():
    # c1: 3-tap, stride 1, pad 1 on 16 → 16; c2: 3-tap, stride 2, pad 1 → floor((16+2−3)/2)+1 = 8; 2 patches of 4.
    # patch 0: c2 [0,4) reads c1 [0·2−1, 3·2−1+3) = [−1,8) → [0,8); c1 [0,8) reads the input [−1,9) → [0,9).
    # patch 1: c2 [4,8) reads c1 [4·2−1, 7·2−1+3) = [7,16); c1 [7,16) reads [6,17) → [6,16).
    s = schedule_of(CHAIN_1D, (2,), "c2")
    assert [t.region for t in tiles(s, (0,)).values()] == [((0, 9),), ((0, 8),), ((0, 4),)]
    assert [t.region for t in tiles(s, (1,)).values()] == [((6, 16),), ((7, 16),), ((4, 8),)]
    # MACs per output position: c1 2 out · 1 in · 3 taps = 6, c2 2·2·3 = 12. Whole: 16·6 + 8·12 = 192.
    # Tiles: c1 8 + 9 positions = 102, c2 4 + 4 = 96: 198, 6 more (c1's position 7, computed twice).
    assert (s.first_part_macs, s.patched_macs, s.extra_macs, s.halo_macs, s.skipped_macs) == (192, 198, 6, 6, 0)
    # float32. input 16·4 = 64 B, cut buffer 2·8·4 = 64 B; c1 tiles 2·8·4 = 64 B and 2·9·4 = 72 B.
    # patch 0: input 64; c1 64 + input 64 = 128; c2 (writes the buffer) c1 64 + input 64 + buffer 64 = 192.
    # patch 1: input step 64 + 64 = 128; c1 72 + input 64 + buffer 64 = 200; c2 72 + buffer 64 (the input's last
    # reader, c1, has run in the last patch) = 136. Whole network: input 64 + c1 128 = 192.
    assert patches_steps(s) == [((0,), 192, "c2"), ((1,), 200, "c1")]
    assert (s.patch_peak_bytes, s.patch_peak_at, s.peak_bytes, s.whole_peak_bytes) == (200, ((1,), "c1"), 200, 192)
    assert (s.input_bytes, s.cut_bytes, s.rest, s.chosen) == (64, 64, (), GIVEN)


def patches_steps(s):
    return [(p.index, p.peak_bytes, p.peak_layer) for p in s.patches]


def test_skipped_positions_by_hand():
    # c2, a 1×1 convolution at stride 2 on 8 → 4, reads c1's positions 0, 2, 4, 6 only. 2 patches:
    # c2 [0,2) reads c1 [0, 1·2+1) = [0,3); c2 [2,4) reads c1 [4,7). c1 (1 MAC a position) computes 6 of its 8
    # positions: nothing recomputed, positions 3 and 7 skipped (the whole run computes them for nothing).
    s = schedule_of("""
input: [1, 8]
layers:
  - {name: c1, conv: {out: 1, kernel: 1, bias: false}}
  - {name: c2, conv: {out: 1, kernel: 1, stride: 2, bias: false}}
""", (2,), "c2")
    assert [tiles(s, (i,))["c1"].region for i in (0, 1)] == [((0, 3),), ((4, 7),)]
    assert (s.extra_macs, s.halo_macs, s.skipped_macs) == (-2, 0, 2)


def test_chain_2d_by_hand():
    # c1 3×3 pad 1 on 8 → 8; 2×2 max pooling → 4; c2 3×3 pad 1 → 4; 2×2 patches of 2×2, per axis:
    # index 0: c2 [0,2) reads pool [−1,3) → [0,3); pool [0,3) reads c1 [0,6); c1 reads the input [−1,7) → [0,7).
    # index 1: c2 [2,4) reads pool [1,5) → [1,4); pool [1,4) reads c1 [2,8); c1 reads [1,9) → [1,8).
    s = schedule_of(CHAIN_2D, (2, 2), "c2")
    t = tiles(s, (0, 1))
    assert [t[name].region for name in ("input", "c1", "pool", "c2")] == [
        ((0, 7), (1, 8)), ((0, 6), (2, 8)), ((0, 3), (1, 4)), ((0, 2), (2, 4))]
    assert [t[name].shape for name in ("input", "c1", "pool", "c2")] == [(1, 7, 7), (1, 6, 6), (1, 3, 3), (1, 2, 2)]
    # c1: 9 MACs per position, whole 64·9 = 576, tiles 4·36·9 = 1296: 720 more; c2 16 positions in 4 tiles of 4:
    # none more; pooling has no MACs.
    assert (s.extra_macs, s.halo_macs, s.skipped_macs, s.first_part_macs) == (720, 720, 0, 576 + 144)
    # float32: input 256 B, buffer 16·4 = 64 B, c1 tile 144 B, pool tile 36 B.
    # (0,0): c1 144 + 256 = 400, pool 144 + 36 + 256 = 436, c2 36 + 256 + 64 = 356;
    # (0,1), (1,0): pool 144 + 36 + 256 + 64 = 500; (1,1): c1 144 + 256 + 64 = 464, then the input is freed.
    # Whole network: c1's step 256 + 256 = 512.
    assert patches_steps(s) == [((0, 0), 436, "pool"), ((0, 1), 500, "pool"), ((1, 0), 500, "pool"),
                                ((1, 1), 464, "c1")]
    assert (s.peak_bytes, s.patch_peak_at, s.whole_peak_bytes, s.rest_peak_bytes) == (500, ((0, 1), "pool"), 512, 64)


def test_streamed_input_chain_2d_by_hand():
    # As test_chain_2d_by_hand, the input now read one tile per patch (TinyEngine): its tile (index 0 on an axis:
    # [0,7), 7 positions; index 1: [1,8), 7) is 7·7·4 = 196 B, alive until c1 has read it; no whole input.
    # (0,0): c1 196 + 144 = 340; pool 144 + 36 = 180; c2 36 + 64 = 100 (the buffer from c2's step on).
    # (0,1), (1,0), (1,1): c1 196 + 144 + 64 = 404; pool 144 + 36 + 64 = 244.
    s = schedule_of(CHAIN_2D, (2, 2), "c2", stream=True)
    assert patches_steps(s) == [((0, 0), 340, "c1"), ((0, 1), 404, "c1"), ((1, 0), 404, "c1"), ((1, 1), 404, "c1")]
    assert (s.peak_bytes, s.input_streamed) == (404, True)
    resident = schedule_of(CHAIN_2D, (2, 2), "c2")
    assert (resident.peak_bytes, resident.input_streamed) == (500, False)


def test_streamed_follows_the_runtime_unless_told():
    from cnncalc import runtimes
    from cnncalc.patches import streamed
    tiny, micro = runtimes.load("tinyengine"), runtimes.load("tflite-micro")
    assert streamed("runtime", tiny) and not streamed("runtime", micro) and not streamed("runtime", None)
    assert not streamed("resident", tiny) and streamed("streamed", None)


def test_cut_chosen_by_least_peak():
    # float32, 2×2 patches; candidates c1 (8×8, tiles 4×4), pool (4×4, tiles 2×2), c2 (above: 500 B, 720 MACs more).
    # cut c1: every c1 step holds the input 256 + c1's buffer 256 = 512 (its tile is written into the buffer);
    #   the rest from the buffer: pool's step 256 + 64 = 320. Peak 512, no halo (c1 reads the input only).
    # cut pool: c1 tiles 4×4 (64 B): c1's step 64 + input 256 (+ pool's buffer 64 after the first patch) = 384,
    #   pool's step the same 384; the rest: c2's step 64 + 64. Peak 384; pooling 2×2/2 has no halo: 0 MACs more.
    s = schedule_of(CHAIN_2D, (2, 2))
    assert s.chosen == LEAST_PEAK
    assert s.considered == (("c1", 512, 0), ("pool", 384, 0), ("c2", 500, 720))
    assert (s.cut, s.peak_bytes, s.extra_macs) == ("pool", 384, 0)
    for cut, peak_bytes, extra in s.considered:
        given = schedule_of(CHAIN_2D, (2, 2), cut)
        assert (given.peak_bytes, given.extra_macs, given.chosen) == (peak_bytes, extra, GIVEN)


def test_one_by_one_grid_is_the_eager_run():
    for source, shape in (("zoo:mobilenet_v2", (3, 64, 64)), ("zoo:resnet18", (3, 64, 64)),
                          ("seed:mobilenet_v2_035_96", None)):
        spec = read_spec(source, input_shape=shape)
        report = analyze(spec, dtype="int8")
        whole = pk.peak_in_order(pk.problem_of_report(report, 1, 8)).peak_bytes
        s = patch_schedule(spec, (1, 1), report=report)
        assert s.extra_macs == 0
        for cut, peak_bytes, extra in s.considered:
            assert (peak_bytes, extra) == (whole, 0), cut


def test_errors_say_why():
    with pytest.raises(PatchError, match=r"layer 'c2'.*grid does not divide its output 4x4: rows: 4 is not a multiple of 3; columns: 4 is not a multiple of 3$"):
        schedule_of(CHAIN_2D, (3, 3), "c2")
    with pytest.raises(PatchError, match="no layer named 'pool2'.*did you mean 'pool'"):
        schedule_of(CHAIN_2D, (2, 2), "pool2")
    with pytest.raises(PatchError, match="network input"):
        schedule_of(CHAIN_2D, (2, 2), "input")
    with pytest.raises(PatchError, match="2 spatial axes"):
        schedule_of(CHAIN_2D, (2,), "c2")
    head = CHAIN_2D + "  - {name: gap, global_avgpool: {}}\n  - {name: fc, dense: {out: 3}}\n"
    with pytest.raises(PatchError, match=r"layer 'fc'.*'gap' \(global_avgpool\), which runs before it, cannot run "
                                         r"patch by patch: it sees its whole input"):
        schedule_of(head, (1, 1), "fc")
    with pytest.raises(PatchError, match="layer 'gap'.*it sees its whole input"):
        schedule_of(head, (1, 1), "gap")
    residual = """
input: [2, 8, 8]
layers:
  - {name: c0, conv: {out: 2, kernel: 3, padding: 1}}
  - name: res
    add:
      main: [{name: a, conv: {out: 2, kernel: 3, padding: 1}}]
      shortcut: []
"""
    with pytest.raises(PatchError, match="'res', after it, reads 'c0'"):
        schedule_of(residual, (2, 2), "res.main.a")
    assert schedule_of(residual, (2, 2), "res").cut == "res"
    norm = CHAIN_2D.replace("{name: pool, maxpool: {kernel: 2}}", "{name: pool, groupnorm: {groups: 1}}")
    with pytest.raises(PatchError, match="'pool' \\(groupnorm\\).*statistics over all positions"):
        schedule_of(norm, (2, 2), "c2")
    assert schedule_of(norm, (2, 2), "c1").cut == "c1"
    with pytest.raises(PatchError, match="no layer can be the cut of a 3x3"):
        schedule_of(CHAIN_2D, (3, 3))


def test_parse_grid():
    assert parse_grid("4x4") == (4, 4) and parse_grid("2×3") == (2, 3) and parse_grid("4") == (4,)
    for bad in ("", "0x2", "ax2", "1x1x1x1"):
        with pytest.raises(PatchError, match="count per spatial axis"):
            parse_grid(bad)


# ----------------------------------------------------------------------------- MCUNetV2, Fig. 1

def test_mobilenet_v2_int8_224_four_by_four():
    """MCUNetV2 (Lin et al., NeurIPS 2021, Fig. 1): MobileNetV2 int8, "the first 5 blocks" patch by patch with
    4×4 patches, peak 1372 kB → 172 kB under TinyEngine. cnncalc's eager rule, cut after the fifth
    inverted-residual block (28×28×32, tiles 7×7); docs/conventions.md records the comparison."""
    spec = read_spec("zoo:mobilenet_v2")
    report = analyze(spec, dtype="int8")
    s = patch_schedule(spec, (4, 4), "features.5.add", report=report)
    # (torchvision's names: features.N is the N-th block; features.N.conv.1.0 its depthwise convolution.)
    # Tiles of an interior patch, index 1 on both axes, back from the cut's [7,14) (3×3 windows, padding 1):
    #   block 5 depthwise (s1) [7,14) 7 ← expansion [6,15) 9, hulled with the shortcut's [7,14): [6,15);
    #   block 4 depthwise (s2, on 56) outputs [6,15) 9 ← [6·2−1, 14·2−1+3) = [11,30) 19;
    #   block 3 depthwise (s1) outputs [11,30) ← [10,31) 21 (hull with its shortcut's [11,30));
    #   block 2 depthwise (s2, on 112) outputs [10,31) 21 ← [19, 30·2−1+3) = [19,62) 43;
    #   block 1 depthwise (s1) outputs [19,62) 43 ← stem [18,63) 45; stem (3×3 s2) ← input [35, 62·2−1+3) = [35,126) 91.
    t = tiles(s, (1, 1))
    expected = {"input": 91, "features.0.0": 45, "features.1.conv.0.0": 43, "features.2.conv.1.0": 21,
                "features.3.conv.1.0": 19, "features.4.conv.1.0": 9, "features.5.conv.1.0": 7, "features.5.add": 7}
    assert {name: t[name].shape[1:] for name in expected} == {name: (n, n) for name, n in expected.items()}
    # The corner patch: the cut's [0,7) ← ... ← stem [0,35) ← input [−1,70) → [0,70).
    corner = tiles(s, (0, 0))
    assert (corner["input"].shape, corner["features.0.0"].shape) == ((3, 70, 70), (32, 35, 35))
    # Peak: in patch (1,1) the 96-channel expansion of stage 2 on 43×43 and its BN output alive together, the whole
    # 3×224×224 input, the 32×28×28 cut buffer (int8: a byte each).
    assert s.patch_peak_at == ((1, 1), "features.2.conv.0.1")
    assert s.peak_bytes == 2 * 96 * 43 * 43 + 3 * 224 * 224 + 32 * 28 * 28 == 530_624
    assert s.whole_peak_bytes == 2_408_448           # the eager whole network: the 2.30 MiB
    # The stem's halo MACs: stem tiles per axis, indices 0..3: [0,35) 35, [18,63) 45, [46,91) 45, [74,112) 38 (the
    # same derivation at indices 2 and 3); 864 MACs per position (32 out · 3 in · 9 taps);
    # Σ positions 163² = 26,569 against 112² = 12,544.
    stem = sum(tiles(s, p.index)["features.0.0"].macs for p in s.patches)
    assert stem - 12_544 * 864 == (163 ** 2 - 112 ** 2) * 864 == 12_117_600
    assert s.extra_macs == 79_013_808 and s.total_macs == 300_774_272 + 79_013_808
    assert s.rest_peak_bytes == 326_144
    auto = patch_schedule(spec, (4, 4), report=report)
    assert (auto.cut, auto.peak_bytes, auto.extra_macs) == ("features.4.conv.2", 410_816, 27_919_344)
    assert auto.peak_bytes <= s.peak_bytes and all(auto.peak_bytes <= c[1] for c in auto.considered)
    in_place = patch_schedule(spec, (4, 4), "features.5.add", report=report, in_place=pk.runtime_in_place(spec.graph))
    assert in_place.peak_bytes == 395_456 < s.peak_bytes


def test_mobilenet_v2_int8_224_four_by_four_under_tinyengine():
    """MCUNetV2 (Lin et al., NeurIPS 2021, Fig. 1 and §3.1): MobileNetV2 int8 at 224, 4×4 patches under TinyEngine,
    peak 1372 kB → 172 kB ("the first 5 blocks" patch by patch; the later blocks "all share a small memory
    usage", 8× less). TinyEngine's patch stage reads its input one patch at a time (its code generator resizes
    the first layer's input to the patch: tinyengine code_generator/InputResizer.py), so --runtime tinyengine
    streams the input."""
    import cnncalc
    report = cnncalc.analyze("zoo:mobilenet_v2", dtype="int8", runtime="tinyengine", patches="4x4")
    s = report.figures.patches
    # the 4th block's projection (torchvision's features.4, the first block at 28×28) is the cut
    assert s.input_streamed and s.cut == "features.4.conv.2"
    # Interior patch (1,1), back from the cut's [7,14) on 28 (3×3 depthwise windows, padding 1):
    #   stage3.first depthwise (s2, on 56) outputs [7,14) ← [13, 13·2−1+3) = [13,28) 15; its 1×1 expansion too;
    #   stage2.rest (residual; depthwise s1) outputs [13,28) ← [12,29) 17, hulled with the shortcut: [12,29);
    #   stage2.first depthwise (s2, on 112) outputs [12,29) ← [23, 28·2−1+3) = [23,58) 35;
    #   stage1 depthwise (s1) [23,58) ← stem [22,59) 37; stem (3×3 s2) ← input [43, 58·2−1+3) = [43,118) 75.
    # The patch phase peaks at stage2's expansion (its BN and ReLU6 fused, its depthwise in place): stage1's
    # projection tile 16·35·35 and the expansion's 96·35·35, with the cut's whole 32·28·28 buffer (int8).
    assert s.patch_peak_at == ((1, 1), "features.2.conv.0.0")      # stage 2's expansion conv (torchvision's name)
    assert s.patch_peak_bytes == 16 * 35 * 35 + 96 * 35 * 35 + 32 * 28 * 28 == 162_288
    assert s.patch_peak_bytes <= 172 * 1024          # MCUNetV2's kB are KiB: its 1372 kB is 1,404,928 B exactly
    # The rest runs whole. Its peak is in the first residual block at 28×28 (expansion 192): the block's input,
    # held for the shortcut (32·28·28), the expansion (192·28·28, its depthwise in place) and the projection
    # (32·28·28) while the projection runs: 200,704 B = 196 KiB. MCUNetV2's 172 kB is 175,616 B = 171.5 KiB,
    # the largest input + output of one layer there (32·28·28 + 192·28·28): its per-layer accounting does not
    # hold the shortcut through the block, which TinyEngine's scheduler does (code_generator/
    # GeneralMemoryScheduler.py: a tensor lives until its last reader, the add). docs/conventions.md says so.
    assert s.rest_peak_bytes == 2 * 32 * 28 * 28 + 192 * 28 * 28 == 200_704
    assert s.peak_bytes == 200_704 and 32 * 28 * 28 + 192 * 28 * 28 == 175_616
    # MCUNet's per-layer accounting, the largest single step of both phases (one layer's inputs and output,
    # nothing held for a later layer): that expansion, 32·28·28 in and 192·28·28 out, 175,616 B ≤ 172 kB.
    assert (s.layer_bytes, s.layer_at) == (175_616, "features.5.conv.0.0")
    assert s.layer_bytes <= 172 * 1024 < s.peak_bytes
    # Halo MACs: the same tiles as the eager schedule's least-peak cut (test_mobilenet_v2_int8_224_four_by_four):
    # folding and fusing change no MAC.
    assert s.extra_macs == 27_919_344


@pytest.mark.parametrize("layer, refused", [
    ("groupnorm: {groups: 1}", True), ("instancenorm: {}", True), ("layernorm: {over: all}", True),
    ("instancenorm: {track_running_stats: true}", False), ("layernorm: {over: channels}", False),
    ("batchnorm: {}", False)])
def test_normalisations_by_statistics_over_positions_are_refused(layer, refused):
    # statistics over every position mix the whole input though the field is element-wise; per position (over
    # channels) or running statistics (a per-channel scale and shift) do not
    text = CHAIN_2D.replace("{name: pool, maxpool: {kernel: 2}}", f"{{name: n, {layer}}}")
    if refused:
        with pytest.raises(PatchError, match="'n' .*statistics over all positions"):
            schedule_of(text, (2, 2), "c2")
    else:
        assert schedule_of(text, (2, 2), "c2").cut == "c2"


def test_smallest_fitting_grid():
    from cnncalc.patches import grids, smallest_fitting
    assert grids(2, 4) == [(1, 1), (1, 2), (2, 1), (1, 3), (3, 1), (2, 2), (1, 4), (4, 1)]
    spec = parse_spec(CHAIN_2D)
    report = analyze(spec)
    # 1×1: the eager 512 B at every cut. 1×2 and 2×1 (the 2×1 case; 1×2 the same by symmetry): cut pool → c1 tiles
    # 4×8 (128 B): c1's step 128 + input 256, pool's 128 + 256 + buffer 64 = 448; cut c2 → c1 tiles 6×8 (192 B):
    # 192 + 256 = 448 already; cut c1: 512. Three: no output divisible. 2×2: pool, 384 B (test_cut_chosen...).
    s = smallest_fitting(spec, 400, report)
    assert (s.grid, s.cut, s.peak_bytes, s.extra_macs) == ((2, 2), "pool", 384, 0)
    assert smallest_fitting(spec, 448, report).grid == (1, 2)
    assert smallest_fitting(spec, 512, report).grid == (1, 1)
    assert smallest_fitting(spec, 100, report) is None
