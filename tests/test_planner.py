"""Arena memory planners (cnncalc/planner.py) against hand-derived plans, an independent simulation of
TF-Lite Micro's GreedyMemoryPlanner, brute-force properties and the shipped specs.

The simulation (``tflm_simulation``) is written from the planner's description in
tensorflow/lite/micro/memory_planner/greedy_memory_planner.cc (tflite-micro commit 90b983c), differently from
cnncalc.planner: the buffers are put in an array from its end (as CalculateOffsetsIfNeeded fills
``buffer_ids_sorted_`` from ``idx_from_tail``) and bubble-sorted, largest first, swapping only a strictly
smaller value before a larger one (ReverseSortInPlace, a stable sort); each buffer then goes to the lowest
byte offset whose bytes are free at every step it is alive, found by scanning offsets 0, 1, 2, ... over a
byte-level occupancy map of every step. TF-Lite Micro instead walks its placed buffers by offset, taking the
first gap (from the highest end seen so far) that holds the buffer, among those alive at a common step.
The two agree: below that running end the free bytes are exactly the gaps already rejected, each shorter
than the buffer, and a window of free bytes cannot straddle a placed buffer; so the first accepted gap's
start is the lowest free offset, and when no gap holds it, the end above all of them is.
"""

from __future__ import annotations

import random
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cnncalc import peak as pk
from cnncalc import planner as pl
from cnncalc.analysis import analyze
from cnncalc.spec import parse_spec, read_spec
from tests.test_peak import CHAIN       # input [1,4,4], c1 conv 2 1×1, r1 relu, c2 conv 4 3×3/2, f flatten

T = pl.Tensor


def brute_force_valid(plan):
    """Every byte of every step held by at most one tensor, on a byte map per step; in-place pairs share an
    offset. Returns the bytes used at each step (from the map, not from the planner)."""
    tensors, offsets = plan.tensors, plan.offsets
    steps = range(min(t.first for t in tensors), max(t.last for t in tensors) + 1)
    for step in steps:
        owner: dict[int, str] = {}
        for t, o in zip(tensors, offsets):
            if t.first <= step <= t.last:
                assert o >= 0 and o + t.size <= plan.arena_bytes
                for byte in range(o, o + t.size):
                    assert byte not in owner, f"{t.name} and {owner[byte]} share byte {byte} at step {step}"
                    owner[byte] = t.name
    by_name = dict(zip((t.name for t in tensors), offsets))
    for t, o in zip(tensors, offsets):
        if t.overwrites is not None:
            assert o == by_name[t.overwrites]
    return [sum(t.size for t in tensors if t.first <= step <= t.last) for step in steps]


def valid_by_intervals(plan):
    """The same check for big plans: every pair alive at a common step is apart in memory."""
    items = sorted(zip(plan.tensors, plan.offsets), key=lambda p: p[0].first)
    for i, (a, oa) in enumerate(items):
        assert 0 <= oa and oa + a.size <= plan.arena_bytes
        for b, ob in items[i + 1:]:
            if b.first > a.last:
                break
            assert oa + a.size <= ob or ob + b.size <= oa, f"{a.name} and {b.name} overlap"


# ----------------------------------------------------------------------------- hand-derived plans

SIX = [T("A", 32, 0, 1), T("B", 28, 1, 2), T("C", 16, 2, 4), T("D", 32, 3, 4), T("E", 8, 1, 3), T("F", 4, 0, 0)]


def test_six_tensors_by_hand():
    # Order: largest first, equal sizes the later-added first: D (32, added 4th), A (32), B 28, C 16, E 8, F 4.
    # D [3,4]: nothing placed → 0.
    # A [0,1]: D is not alive at 0 or 1 → 0.                       placed by offset: D 0, A 0
    # B [1,2]: A alive at 1: gap 0−0 = 0 < 28, end 32 → 32.         D 0, A 0, B 32
    # C [2,4]: D (at 3, 4), B (at 2): D's gap 0 < 16, end 32; B's gap 32−32 = 0, end 60 → 60
    # E [1,3]: all four: D gap 0 → 32; A gap −32 → 32; B gap 0 → 60; C gap 0 → 76 → 76
    # F [0,0]: only A: gap 0 → 32; none after → 32
    # arena = max(D 0+32, A 0+32, B 32+28, C 60+16, E 76+8, F 32+4) = 84
    # alive per step: 0: A+F = 36; 1: A+B+E = 68; 2: B+C+E = 52; 3: C+D+E = 56; 4: C+D = 48 → peak 68
    plan = pl.greedy_by_size(SIX)
    assert plan.offsets == (0, 32, 60, 0, 76, 32)
    assert (plan.arena_bytes, plan.peak_bytes, plan.fragmentation_bytes) == (84, 68, 16)
    assert brute_force_valid(plan) == [36, 68, 52, 56, 48]
    # linear: one after the other in the order added: A 0, B 32, C 60, D 76, E 108, F 116; arena 120
    flat = pl.linear(SIX)
    assert flat.offsets == (0, 32, 60, 76, 108, 116)
    assert (flat.arena_bytes, flat.peak_bytes, flat.fragmentation_bytes) == (120, 68, 52)
    assert pl.lower_bound(SIX) == 68


def test_equal_sizes_the_later_added_first():
    # X, Y 10 bytes each, Y added later: Y first → Y 0; X alive with Y at 1 → 10; Z [0,0] is alive with X
    # only: the gap below X (10 − 0 = 10 ≥ 5) → 0. (Were X first: X 0, Y 10, Z above X at 10.)
    plan = pl.greedy_by_size([T("X", 10, 0, 1), T("Y", 10, 1, 2), T("Z", 5, 0, 0)])
    assert plan.offsets == (10, 0, 0)
    assert plan.arena_bytes == 20


def test_tflite_micros_own_expected_offsets():
    # tensorflow/lite/micro/memory_planner/greedy_memory_planner_test.cc, TestGreedyMemoryPlanner: buffers
    # (size, first, last) = (10,0,1) (20,1,2) (30,2,3) (40,3,4) (50,0,1); expected offsets 50, 70, 40, 0, 0
    # and GetMaximumMemorySize 90.
    plan = pl.greedy_by_size([T("0", 10, 0, 1), T("1", 20, 1, 2), T("2", 30, 2, 3), T("3", 40, 3, 4),
                              T("4", 50, 0, 1)])
    assert plan.offsets == (50, 70, 40, 0, 0)
    assert plan.arena_bytes == 90
    # the same file's TestOverlapCase: (100,0,1) (50,2,3) (20,1,2) → 120
    assert pl.greedy_by_size([T("0", 100, 0, 1), T("1", 50, 2, 3), T("2", 20, 1, 2)]).arena_bytes == 120


def test_in_place_chain_is_one_buffer():
    # Q overwrites P (P ends at 1, Q starts at 2): one buffer of 16 bytes over steps 0..3; R 8 bytes [1,2]
    # overlaps it → 16. Alive: 0: 16; 1: P+R = 24; 2: Q+R = 24; 3: 16 → peak 24 = arena, no fragmentation.
    tensors = [T("P", 16, 0, 1), T("R", 8, 1, 2), T("Q", 16, 2, 3, overwrites="P")]
    for place in (pl.greedy_by_size, pl.linear):
        plan = place(tensors)
        assert plan.offsets == (0, 16, 0)
        assert (plan.arena_bytes, plan.peak_bytes, plan.fragmentation_bytes) == (24, 24, 0)
        assert brute_force_valid(plan) == [16, 24, 24, 16]


def test_bad_tensors_and_names_are_refused():
    with pytest.raises(ValueError, match="cannot overwrite"):
        pl.greedy_by_size([T("P", 16, 0, 2), T("Q", 16, 2, 3, overwrites="P")])     # P still alive at 2
    with pytest.raises(ValueError, match="repeat"):
        pl.linear([T("P", 1, 0, 0), T("P", 1, 1, 1)])
    with pytest.raises(ValueError, match="greedy-by-size, linear"):
        pl.planner_named("best-fit")
    assert pl.greedy_by_size([]).arena_bytes == pl.lower_bound([]) == 0


# ----------------------------------------------------------------------------- the independent simulation

def tflm_simulation(buffers):
    """(offsets, arena) of buffers given as (size, first, last) in the order added (see the module doc)."""
    n = len(buffers)
    ids = [0] * n
    tail = n
    for i in range(n):                  # filled from the end
        tail -= 1
        ids[tail] = i
    values = [buffers[i][0] for i in ids]
    swapped = True
    while swapped:                      # bubble sort, largest first, stable
        swapped = False
        for k in range(1, n):
            if values[k - 1] < values[k]:
                values[k - 1], values[k] = values[k], values[k - 1]
                ids[k - 1], ids[k] = ids[k], ids[k - 1]
                swapped = True
    horizon = max((b[2] for b in buffers), default=-1) + 1
    total = sum(b[0] for b in buffers)
    used = [bytearray(total) for _ in range(horizon)]        # used[step][byte]
    offsets = [0] * n
    for i in ids:
        size, first, last = buffers[i]
        offset = 0
        while any(used[s][offset + k] for s in range(first, last + 1) for k in range(size)):
            offset += 1
        for s in range(first, last + 1):
            for k in range(size):
                used[s][offset + k] = 1
        offsets[i] = offset
    return offsets, max((o + b[0] for o, b in zip(offsets, buffers)), default=0)


def random_buffers(rng):
    n = rng.randint(1, 12)
    horizon = rng.randint(1, 10)
    sizes = [1, 2, 3, 4, 5, 8, 13] if rng.random() < 0.5 else [4, 8]     # few sizes: many ties
    out = []
    for _ in range(n):
        first = rng.randrange(horizon)
        out.append((rng.choice(sizes), first, rng.randint(first, min(horizon - 1, first + rng.randint(0, 4)))))
    return out


@pytest.mark.parametrize("seed", range(400))
def test_greedy_equals_the_simulation_of_tflite_micro(seed):
    buffers = random_buffers(random.Random(seed))
    plan = pl.greedy_by_size([T(f"t{i}", s, f, last) for i, (s, f, last) in enumerate(buffers)])
    offsets, arena = tflm_simulation(buffers)
    assert list(plan.offsets) == offsets
    assert plan.arena_bytes == arena
    # only the order of the steps matters: spread out and shifted, the same plan
    spread = pl.greedy_by_size([T(f"t{i}", s, 1000 * f + 7, 1000 * last + 7) for i, (s, f, last) in enumerate(buffers)])
    assert spread.offsets == plan.offsets


# ----------------------------------------------------------------------------- properties

def random_tensors(rng):
    """Random tensors, some overwriting an earlier one in place (same size, starting the step after it
    ends), as the liveness rule makes them."""
    tensors: list = []
    free: list = []                     # tensors nobody has overwritten yet
    for i in range(rng.randint(1, 10)):
        if free and rng.random() < 0.3:
            u = rng.choice(free)
            free.remove(u)
            first = u.last + 1
            tensors.append(T(f"t{i}", u.size, first, first + rng.randint(0, 3), overwrites=u.name))
        else:
            first = rng.randrange(8)
            tensors.append(T(f"t{i}", rng.choice([1, 2, 3, 5, 8]), first, first + rng.randint(0, 3)))
        free.append(tensors[-1])
    return tensors


@pytest.mark.parametrize("seed", range(300))
def test_plans_are_valid_and_bounded(seed):
    tensors = random_tensors(random.Random(seed))
    greedy, flat = pl.greedy_by_size(tensors), pl.linear(tensors)
    moments = brute_force_valid(greedy)
    assert brute_force_valid(flat) == moments
    assert greedy.peak_bytes == flat.peak_bytes == max(moments)
    assert greedy.peak_bytes <= greedy.arena_bytes <= flat.arena_bytes
    # linear: the sum of the buffers, an in-place chain counted once
    assert flat.arena_bytes == sum(t.size for t in tensors if t.overwrites is None)


# ----------------------------------------------------------------------------- through the analysis

def test_chain_through_the_analysis_by_hand():
    # elements: input 1·4·4 = 16, c1 2·4·4 = 32, r1 32, c2 4·2·2 = 16, f 16; float32: 64, 128, 128, 64, 64 B.
    # Spec order, steps 0..4: input [0,1], c1 [1,2], r1 [2,3], c2 [3,4], f [4,4] (the output: to the end, 4).
    # Greedy: r1 (128, added after c1) 0; c1 alive with r1 at 2 → 128; then the 64s, latest first:
    # f [4,4] alive with neither → 0; c2 [3,4]: r1 (gap 0) → 128, f (gap −128) → 128, c1 not alive → 128;
    # input [0,1]: only c1, gap 128 − 0 ≥ 64 → 0. Arena 256; alive: 64, 192, 256, 192, 128 → peak 256.
    spec = parse_spec(textwrap.dedent(CHAIN), "chain.yaml")
    report = analyze(spec)
    plan = pl.plan_of(report)
    assert [(t.name, t.size, t.first, t.last) for t in plan.tensors] == [
        ("input", 64, 0, 1), ("c1", 128, 1, 2), ("r1", 128, 2, 3), ("c2", 64, 3, 4), ("f", 64, 4, 4)]
    assert plan.offsets == (0, 128, 0, 128, 0)
    assert (plan.arena_bytes, plan.peak_bytes) == (256, 256)
    # In place (ReLU overwrites c1, the flatten view c2): c1 ends at 1, c2 at 3; buffers {c1, r1} 128 B
    # [1,3], {c2, f} 64 B [3,4], input 64 B [0,1]. Greedy: {c1, r1} 0; {c2, f} (added after input) alive
    # with it at 3 → 128; input alive with it at 1: gap 0 → 128, {c2, f} not alive → 128.
    # Alive: 0: 64; 1: 64 + 128 = 192; 2: 128; 3: 128 + 64 = 192; 4: 64 → peak 192 = arena.
    inplace = pl.plan_of(report, in_place=pk.runtime_in_place(spec.graph))
    assert [t.overwrites for t in inplace.tensors] == [None, None, "c1", None, "c2"]
    assert inplace.offsets == (128, 0, 0, 128, 128)
    assert (inplace.arena_bytes, inplace.peak_bytes, inplace.fragmentation_bytes) == (192, 192, 0)
    # int8 at batch 3: ceil(elements · 3 · 8 / 8) = 48, 96, 96, 48, 48 B: every figure × 3/4 of the float32 one
    assert pl.plan_of(report, bits=8, batch=3).offsets == (0, 96, 0, 96, 0)
    # TF-Lite Micro's 16-byte rounding leaves these sizes (multiples of 16) as they are
    assert pl.plan_of(report, alignment=16).offsets == plan.offsets
    # linear: 0, 64, 192, 320, 384 → 448 = the sum of the five
    assert pl.plan_of(report, planner=pl.LINEAR).arena_bytes == 448


def test_orders_and_alignment():
    report = analyze(parse_spec(textwrap.dedent(CHAIN), "chain.yaml"))
    names = ["input", "c1", "r1", "c2", "f"]
    assert pl.plan_of(report, names) == pl.plan_of(report, pl.SPEC) == pl.plan_of(report, pl.MINIMUM)
    # bits 4: ceil(16·4/8) = 8 B for input; aligned to 16 → 16; c1: 32·4/8 = 16 → 16
    assert [t.size for t in pl.plan_of(report, bits=4, alignment=16).tensors] == [16, 16, 16, 16, 16]
    with pytest.raises(ValueError, match="unknown order 'best'"):
        pl.plan_of(report, "best")
    with pytest.raises(ValueError, match="before one of its inputs"):
        pl.plan_of(report, ["c1", "input", "r1", "c2", "f"])
    with pytest.raises(ValueError, match="unknown memory planner 'tlsf'"):
        pl.plan_of(report, planner="tlsf")
    with pytest.raises(ValueError, match="alignment"):
        pl.plan_of(report, alignment=0)


def random_spec(rng):
    """A small random DAG as a spec: 1×1 convolutions, ReLUs, adds and concats on 3×3 maps; what nobody
    reads is concatenated into the output."""
    first = rng.randint(1, 3)
    lines = [f"input: [{first}, 3, 3]", "layers:"]
    channels: dict = {}
    read: set = set()
    for i in range(rng.randint(2, 7)):
        name = f"n{i}"
        kind = rng.choice(["conv", "conv", "relu", "add", "concat"]) if len(channels) >= 2 else "conv"
        if kind in ("add", "concat"):
            a, b = rng.sample(sorted(channels), 2)
            if kind == "add" and channels[a] != channels[b]:
                kind = "concat"
            lines.append(f"  - {{name: {name}, from: [{a}, {b}], {kind}: {{}}}}")
            channels[name] = channels[a] + channels[b] if kind == "concat" else channels[a]
            read |= {a, b}
        else:
            src = rng.choice(sorted(channels) + ["input"]) if channels else "input"
            frm = "" if src == "input" else f", from: {src}"
            read.add(src)
            if kind == "relu":
                lines.append(f"  - {{name: {name}{frm}, relu: {{}}}}")
                channels[name] = first if src == "input" else channels[src]
            else:
                channels[name] = rng.randint(1, 4)
                lines.append(f"  - {{name: {name}{frm}, conv: {{out: {channels[name]}, kernel: 1}}}}")
    loose = [w for w in channels if w not in read]
    if len(loose) > 1:
        lines.append(f"  - {{name: out, from: [{', '.join(loose)}], concat: {{}}}}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("seed", range(150))
def test_never_below_the_optimal_orders_peak(seed):
    rng = random.Random(seed)
    spec = parse_spec(textwrap.dedent(random_spec(rng)), "random.yaml")
    report = analyze(spec)
    in_place = pk.runtime_in_place(spec.graph) if rng.random() < 0.5 else None
    bits = rng.choice([8, 32])
    problem = pk.problem_of_report(report, bits=bits, in_place=in_place)
    best = pk.minimum_peak(problem)
    assert best.method == pk.EXACT
    for order in (pl.SPEC, pl.MINIMUM):
        for name in pl.PLANNERS:
            plan = pl.plan_of(report, order, name, bits=bits, in_place=in_place)
            brute_force_valid(plan)
            # the planner's lower bound is peak.py's peak of the same order (the adapter keeps the rule)
            same = pk.peak_in_order(problem, [t.name for t in plan.tensors])
            assert plan.peak_bytes == same.peak_bytes
            assert {(t.name, t.overwrites) for t in plan.tensors if t.overwrites} == set(same.in_place)
            assert plan.arena_bytes >= same.peak_bytes >= best.peak_bytes


SHIPPED = sorted(Path(__file__).resolve().parent.parent.glob("specs/*/*.yaml"))


@pytest.mark.parametrize("path", [p for p in SHIPPED if p.parent.name in ("zoo", "seed")], ids=lambda p: p.stem)
def test_shipped_specs_plan_validly_above_the_peak(path):
    spec = read_spec(str(path))
    report = analyze(spec)
    for in_place in (None, pk.runtime_in_place(spec.graph)):
        problem = pk.problem_of_report(report, bits=8, in_place=in_place)
        peak = pk.peak_in_order(problem)
        plan = pl.plan_of(report, pl.SPEC, pl.GREEDY_BY_SIZE, bits=8, in_place=in_place)
        valid_by_intervals(plan)
        assert plan.peak_bytes == peak.peak_bytes
        assert peak.peak_bytes <= plan.arena_bytes <= pl.plan_of(report, bits=8, planner=pl.LINEAR,
                                                                  in_place=in_place).arena_bytes


def test_resnet50_in_place_fragments_by_one_slot():
    # ResNet-50 (specs/zoo/resnet50.yaml) at int8, in place. The 802,816-byte tensors are the stem's
    # 64·112·112 (conv1, bn1, relu1: one buffer in place) and layer1's 256·56·56 ones: per bottleneck, conv3
    # with bn3, the add and relu in place (one buffer), plus layer1.0's projection shortcut (conv, bn): five
    # buffers, all the same size, so placed first and latest-added first:
    #   layer1.2's chain → 0; layer1.1's (alive with it) → 802,816; the shortcut's (alive with
    #   neither) → 0; layer1.0's main chain, alive with the shortcut and with layer1.1's → 1,605,632;
    #   the stem's (alive with none of them) → 0.
    # Never more than two of them are alive together, yet they take three slots: arena ≥ 3 · 802,816.
    # The peak (tests of cnncalc.peak): at layer1.0's shortcut conv, maxpool's 64·56·56 = 200,704 B, bn3's
    # and the shortcut's 802,816 B each: 1,806,336 B.
    spec = read_spec("zoo:resnet50")
    plan = pl.plan_of(analyze(spec), bits=8, in_place=pk.runtime_in_place(spec.graph))
    big = {t.name: o for t, o in zip(plan.tensors, plan.offsets) if t.size == 802_816}
    slot = 802_816
    expected = {name: 0 for name in ("conv1", "bn1", "relu1", "layer1.0.downsample.0", "layer1.0.downsample.1")}
    for block, at in (("layer1.0", 2 * slot), ("layer1.1", slot), ("layer1.2", 0)):
        expected.update({f"{block}.{name}": at for name in ("conv3", "bn3", "add", "relu3")})
    assert big == expected
    assert plan.peak_bytes == 200_704 + 2 * slot
    assert plan.arena_bytes >= 3 * slot
    assert plan.fragmentation_bytes >= 3 * slot - plan.peak_bytes == 602_112


def test_analyze_and_check_do_not_import_the_planner():
    # `cnncalc analyze` must not get slower: the planner is imported only when a plan is asked for
    spec = Path(__file__).resolve().parent.parent / "specs" / "seed" / "mobilenet_v2_035_96.yaml"
    code = ("import sys\nfrom click.testing import CliRunner\nfrom cnncalc.cli import main\n"
            f"r = CliRunner().invoke(main, ['analyze', {str(spec)!r}, '--in-place', '--format', 'json'])\n"
            f"r2 = CliRunner().invoke(main, ['check', {str(spec)!r}, '--max-peak-memory', '1GiB'])\n"
            "assert r.exit_code == 0 and r2.exit_code == 0, (r.output, r2.output)\n"
            "print('cnncalc.peak' in sys.modules, 'cnncalc.planner' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["True", "False"]
