"""Peak activation memory (cnncalc/peak.py) against a brute-force oracle and hand-derived figures.

The oracle is written from the liveness rule (docs/conventions.md) as intervals, independently of peak.py's
incremental sets: in an order, tensor u is alive at every moment t with pos(u) ≤ t ≤ end(u), where end(u)
is its last reader's position (its own if nobody reads it, the last moment for the network output), or
pos(v) − 1 when v overwrites it in place (v may, u is v's first-listed input with as many bytes, u is not
the output, and v is u's last reader in this order). Every topological order is enumerated.
"""

from __future__ import annotations

import random

import pytest

from cnncalc import peak as pk
from tests.conftest import report_of


def topological_orders(n, inputs):
    """Every order of 0..n-1 that puts each node after its inputs."""
    order, placed = [], [False] * n

    def extend():
        if len(order) == n:
            yield list(order)
            return
        for v in range(n):
            if not placed[v] and all(placed[u] for u in inputs[v]):
                placed[v] = True
                order.append(v)
                yield from extend()
                order.pop()
                placed[v] = False
    yield from extend()


def oracle(order, inputs, sizes, output, may):
    """(peak, bytes per moment, first peak moment's node, set alive then) of one order, by intervals. A node
    that overwrites an input of as many bytes ends that input's interval before it; one that overwrites a
    larger input (a strided depthwise convolution run in place) is written into that input's storage, so its
    own interval starts after it runs."""
    n = len(order)
    start, end = intervals(order, inputs, sizes, output, may)
    moments = [sum(sizes[u] for u in range(n) if start[u] <= t <= end[u]) for t in range(n)]
    top = max(moments)
    t = moments.index(top)
    return top, moments, order[t], {u for u in range(n) if start[u] <= t <= end[u]}


def own_step_oracle(order, inputs, sizes, output, may):
    """(bytes, node) of the largest single step: at each node's moment, the tensors alive by the intervals that
    are its inputs or itself (an input it overwrote has ended, or holds its output: counted once)."""
    start, end = intervals(order, inputs, sizes, output, may)
    own = [sum(sizes[u] for u in {*inputs[v], v} if start[u] <= t <= end[u]) for t, v in enumerate(order)]
    return max(own), order[own.index(max(own))]


def intervals(order, inputs, sizes, output, may):
    """Each tensor's (first, last) moment alive, by the liveness rule's intervals."""
    n = len(order)
    pos = {v: t for t, v in enumerate(order)}
    start = dict(pos)
    readers = {u: [v for v in range(n) if u in inputs[v]] for u in range(n)}
    end = {}
    for u in range(n):
        end[u] = max([pos[r] for r in readers[u]], default=pos[u])
        if u == output:
            end[u] = n - 1
    for v in order:
        if may[v]:
            for u in inputs[v]:
                if u != output and sizes[u] >= sizes[v] and max(pos[r] for r in readers[u]) == pos[v]:
                    if sizes[u] == sizes[v]:
                        end[u] = pos[v] - 1
                    else:
                        start[v] = pos[v] + 1
                    break
    return start, end


def random_dag(rng):
    n = rng.randint(2, 8)
    inputs = [[]]
    for v in range(1, n):
        k = rng.choice([1, 1, 1, 2, 2, 3])
        inputs.append(list(dict.fromkeys(rng.randrange(v) for _ in range(k))))
    sizes = [rng.choice([1, 2, 3, 5, 8, 13]) if rng.random() < 0.6 else rng.choice([2, 3]) for _ in range(n)]
    output = n - 1 if rng.random() < 0.8 else rng.randrange(n)
    may = [rng.random() < 0.5 for _ in range(n)] if rng.random() < 0.6 else [False] * n
    return n, inputs, sizes, output, may


@pytest.mark.parametrize("seed", range(600))
def test_peak_equals_brute_force_over_every_order(seed):
    rng = random.Random(seed)
    n, inputs, sizes, output, may = random_dag(rng)
    orders = list(topological_orders(n, inputs))
    spec = rng.choice(orders)                       # the spec's order: any topological order
    names = [f"n{v}" for v in spec]
    problem = pk.Problem(names, [[f"n{u}" for u in inputs[v]] for v in spec], [sizes[v] for v in spec],
                         f"n{output}", lambda i: may[spec[i]])

    got = pk.peak_in_order(problem)
    top, moments, at, alive = oracle(spec, inputs, sizes, output, may)
    assert got.method == pk.SPEC_ORDER
    assert (got.peak_bytes, list(got.step_bytes), got.peak_layer) == (top, moments, f"n{at}")
    assert {name for name, _ in got.alive} == {f"n{u}" for u in alive}
    assert sum(b for _, b in got.alive) == top
    # the largest single step (MCUNet's per-layer accounting) never exceeds the order's peak
    own, own_at = own_step_oracle(spec, inputs, sizes, output, may)
    assert pk.largest_step(problem) == (own, f"n{own_at}") and own <= top

    best = pk.minimum_peak(problem)
    assert best.method == pk.EXACT
    assert best.peak_bytes == min(oracle(o, inputs, sizes, output, may)[0] for o in orders)
    chosen = [int(name[1:]) for name in best.order]
    assert chosen in orders
    assert oracle(chosen, inputs, sizes, output, may)[0] == best.peak_bytes


def test_an_order_that_breaks_a_dependency_is_refused():
    problem = pk.Problem(["a", "b"], [[], ["a"]], [1, 1], "b")
    with pytest.raises(ValueError, match="before one of its inputs"):
        pk.peak_in_order(problem, ["b", "a"])


# ----------------------------------------------------------------------------- hand-derived figures

CHAIN = """
    input: [1, 4, 4]
    layers:
      - {name: c1, conv: {out: 2, kernel: 1}}
      - {name: r1, relu: {}}
      - {name: c2, conv: {out: 4, kernel: 3, stride: 2, padding: 1}}
      - {name: f, flatten: {}}
"""


def _relu_and_add(row):
    return row.type in ("relu", "add", "batchnorm")


def test_chain_peak():
    # elements: input 1·4·4 = 16, c1 2·4·4 = 32, r1 32, c2 4·2·2 = 16, f 16. float32: ×4 bytes.
    # steps: input 16 | c1 16+32 = 48 | r1 32+32 = 64 | c2 32+16 = 48 | f 16+16 = 32   (elements)
    # peak at r1: 64 elements = 256 bytes, alive {c1, r1}. A chain has one order: the minimum is the same.
    report = report_of(CHAIN)
    got = pk.peak_in_order(pk.problem_of_report(report))
    assert got.step_bytes == (64, 192, 256, 192, 128)
    assert (got.peak_bytes, got.peak_layer, dict(got.alive)) == (256, "r1", {"c1": 128, "r1": 128})
    assert pk.minimum_peak(pk.problem_of_report(report)).peak_bytes == 256
    # r1 in place over c1: r1's step holds 32 elements, so the steps are 16 | 48 | 32 | 48 | 32: peak 48
    # elements, first at c1 = 192 bytes. int8, batch 3: 48·3 = 144 bytes.
    inplace = pk.peak_in_order(pk.problem_of_report(report, in_place=_relu_and_add))
    assert (inplace.peak_bytes, inplace.peak_layer, inplace.in_place) == (192, "c1", (("r1", "c1"),))
    assert pk.peak_in_order(pk.problem_of_report(report, 3, 8, in_place=_relu_and_add)).peak_bytes == 144
    # int4, batch 1: every tensor ceil(elements/2): 8 | 8+16 | 16+16 = 32 | 16+8 | 8+8: peak 32 at r1
    assert pk.peak_in_order(pk.problem_of_report(report, 1, 4)).peak_bytes == 32


INCEPTION = """
    input: [4, 8, 8]
    layers:
      - name: mixed
        concat:
          a: [{name: a1, conv: {out: 2, kernel: 1}}]
          b: [{name: b1, conv: {out: 1, kernel: 1}}, {name: b2, conv: {out: 8, kernel: 3, padding: same}}]
          c: [{name: c1, conv: {out: 1, kernel: 1}}, {name: c2, conv: {out: 8, kernel: 5, padding: same}}]
"""


def test_inception_peak_spec_order_and_minimum():
    # Per 8×8 plane (64 elements): input 4 planes, a1 2, b1 1, b2 8, c1 1, c2 8, mixed 18. Units: planes.
    # Spec order: input 4 | a1 4+2 = 6 | b1 4+2+1 = 7 | b2 4+2+1+8 = 15 (b1 then dies) | c1 4+2+8+1 = 15
    # (the input dies: c1 is its last reader) | c2 2+8+1+8 = 19 | mixed 2+8+8+18 = 36.
    # The concat's step dominates every order (its three inputs and its output: 36 planes), so the minimum
    # is 36 as well. float32: 36·64·4 = 9216 bytes.
    report = report_of(INCEPTION)
    names = [row.name for row in report.rows]
    assert names == ["input", "mixed.a.a1", "mixed.b.b1", "mixed.b.b2", "mixed.c.c1", "mixed.c.c2", "mixed"]
    got = pk.peak_in_order(pk.problem_of_report(report))
    assert got.step_bytes == tuple(p * 256 for p in (4, 6, 7, 15, 15, 19, 36))
    assert (got.peak_bytes, got.peak_layer) == (9216, "mixed")
    assert set(dict(got.alive)) == {"mixed.a.a1", "mixed.b.b2", "mixed.c.c2", "mixed"}
    assert pk.minimum_peak(pk.problem_of_report(report)).peak_bytes == 9216


INTERLEAVED = """
    input: [1, 8, 8]
    layers:
      - {name: a1, conv: {out: 16, kernel: 1}}
      - {name: b1, from: input, conv: {out: 16, kernel: 1}}
      - {name: a2, from: a1, conv: {out: 1, kernel: 1}}
      - {name: b2, from: b1, conv: {out: 1, kernel: 1}}
      - {name: m, from: [a2, b2], concat: {}}
"""


def test_minimum_order_beats_the_spec_order():
    # Planes of 64 elements (256 bytes at float32): input 1, a1 16, b1 16, a2 1, b2 1, m 2.
    # The spec order expands both branches before shrinking either:
    #   input 1 | a1 1+16 = 17 | b1 1+16+16 = 33 (input dies) | a2 16+16+1 = 33 | b2 1+16+1 = 18 | m 4 → 33.
    # Finishing one branch first: input 1 | a1 17 | a2 1+16+1 = 18 | b1 1+1+16 = 18 | b2 1+16+1 = 18 | m 4
    #   → 18. No order does better: at a2's step a1 (16) and a2 (1) are alive, plus the input (1) if b1
    #   has not run, b1 (16) if b1 ran and b2 not, b2 (1) if both ran: at least 18. Symmetrically for b2.
    report = report_of(INTERLEAVED)
    spec = pk.peak_in_order(pk.problem_of_report(report))
    assert (spec.peak_bytes, spec.peak_layer) == (33 * 256, "b1")
    best = pk.minimum_peak(pk.problem_of_report(report))
    assert (best.method, best.peak_bytes) == (pk.EXACT, 18 * 256)
    assert best.order.index("a2") < best.order.index("b1") or best.order.index("b2") < best.order.index("a1")


RESIDUAL = """
    input: [8, 4, 4]
    defaults: {bias: false}
    layers:
      - name: block
        add:
          main:
            - {name: conv1, conv: {out: 8, kernel: 3, padding: 1}}
            - {name: bn1, batchnorm: {}}
            - {name: relu1, relu: {}}
            - {name: conv2, conv: {out: 8, kernel: 3, padding: 1}}
            - {name: bn2, batchnorm: {}}
          shortcut: []
      - {name: out, relu: {}}
"""


def test_residual_block_peak():
    # Every tensor is 8·4·4 = 128 elements = 512 bytes at float32: count tensors (T).
    # Without in place: input 1 | conv1 2 | bn1 3 (input kept for the shortcut) | relu1 3 | conv2 3 |
    # bn2 3 | add 3 (input, bn2, sum; input dies) | out 2  → peak 3 T = 1536 bytes, first at bn1, alive
    # {input, conv1, bn1}.
    # In place for relu, batchnorm and add: bn1 writes into conv1, relu1 into bn1, bn2 into conv2, the add
    # into bn2 (the main branch, its first input, read by nobody else) and out into block:
    # input 1 | conv1 2 | bn1 2 | relu1 2 | conv2 3 | bn2 2 | add 2 | out 1 → peak 3 T at conv2 (input,
    # relu1, conv2): the shortcut still holds the input while the main path needs two tensors.
    report = report_of(RESIDUAL)
    plain = pk.peak_in_order(pk.problem_of_report(report))
    assert plain.step_bytes == tuple(t * 512 for t in (1, 2, 3, 3, 3, 3, 3, 2))
    assert (plain.peak_bytes, plain.peak_layer) == (1536, "block.main.bn1")
    assert set(dict(plain.alive)) == {"input", "block.main.conv1", "block.main.bn1"}
    inplace = pk.peak_in_order(pk.problem_of_report(report, in_place=_relu_and_add))
    assert inplace.step_bytes == tuple(t * 512 for t in (1, 2, 2, 2, 3, 2, 2, 1))
    assert (inplace.peak_bytes, inplace.peak_layer) == (1536, "block.main.conv2")
    assert report.rows[-2].inputs == ("block.main.bn2", "input")
    assert inplace.in_place == (("block.main.bn1", "block.main.conv1"), ("block.main.relu1", "block.main.bn1"),
                                ("block.main.bn2", "block.main.conv2"), ("block", "block.main.bn2"),
                                ("out", "block"))
    # One layer alone (its inputs and output, nothing held for later): without in place every layer holds
    # 2 T but the add, which reads bn2 and the input and writes the sum: 3 T; in place the add writes into
    # bn2, so no step holds more than 2 T, first at conv1 (the input and conv1).
    assert pk.largest_step(pk.problem_of_report(report)) == (1536, "block")
    assert pk.largest_step(pk.problem_of_report(report, in_place=_relu_and_add)) == (1024, "block.main.conv1")


def test_the_network_output_is_never_overwritten_and_stays_alive():
    # Every node may run in place; sizes 2 each. a → b (the output), a → c (unused).
    # a 2 | b: c still reads a, so b cannot overwrite it: 4 | c: a, b alive; c overwrites a (its last reader,
    # not the output): 4. Without in place c's step would hold 6.
    problem = pk.Problem(["a", "b", "c"], [[], ["a"], ["a"]], [2, 2, 2], "b", lambda i: True)
    got = pk.peak_in_order(problem)
    assert got.step_bytes == (2, 4, 4) and got.in_place == (("c", "a"),)
    # a → b (the output) → c: b overwrites a (2), c may not overwrite b, the output, which stays alive: 4.
    problem = pk.Problem(["a", "b", "c"], [[], ["a"], ["b"]], [2, 2, 2], "b", lambda i: True)
    got = pk.peak_in_order(problem)
    assert got.step_bytes == (2, 2, 4) and got.in_place == (("b", "a"),)


def test_large_graphs_fall_back_to_a_named_heuristic(monkeypatch):
    # 12 parallel branches of 2 nodes: 3^12 sets of nodes run, far beyond a work limit of 1,000.
    # The heuristic's answer is never worse than the spec order's.
    names, inputs, sizes = ["in"], [[]], [1]
    for b in range(12):
        names += [f"x{b}", f"y{b}"]
        inputs += [["in"], [f"x{b}"]]
        sizes += [10 + b, 1]
    names.append("cat")
    inputs.append([f"y{b}" for b in range(12)])
    sizes.append(12)
    problem = pk.Problem(names, inputs, sizes, "cat")
    monkeypatch.setattr(pk, "EXACT_WORK", 1_000)
    got = pk.minimum_peak(problem)
    assert got.method == pk.BEAM
    assert got.peak_bytes <= pk.peak_in_order(problem).peak_bytes
    monkeypatch.setattr(pk, "BEAM_WORK", 100)
    assert pk.minimum_peak(problem).method == pk.NO_SEARCH


def test_a_graph_too_large_to_search_is_measured_in_linear_time_and_memory():
    # 30,000 nodes: any search needs at least n·(1 + n//64) = 30,000·469 > BEAM_WORK work, so none runs and the
    # n n-bit sets of nodes (110 MB here, 1.2 GB at 100,000 layers) are never made. A chain of equal tensors:
    # while node i runs, its input and its output are alive, 2 sizes; the output node stays alive alone.
    n = 30_000
    names = [f"n{i}" for i in range(n)]
    problem = pk.Problem(names, [[]] + [[names[i - 1]] for i in range(1, n)], [5] * n, names[-1])
    found = pk.minimum_peak(problem)
    assert found.method == pk.NO_SEARCH and problem._masks is None
    assert found.peak_bytes == 10 and found.peak_layer == "n1" and found.step_bytes[0] == 5


def test_the_spec_orders_peak_given_is_not_computed_again(monkeypatch):
    # the same chain, its spec-order peak handed in (as Figures does): minimum_peak runs no pass of its own,
    # and its answer is that peak, named as no search
    n = 30_000
    names = [f"n{i}" for i in range(n)]
    problem = pk.Problem(names, [[]] + [[names[i - 1]] for i in range(1, n)], [5] * n, names[-1])
    spec = pk.peak_in_order(problem)
    monkeypatch.setattr(pk, "peak_in_order", lambda *a, **k: pytest.fail("the spec order's peak again"))
    found = pk.minimum_peak(problem, spec)
    assert found.method == pk.NO_SEARCH and (found.peak_bytes, found.order) == (spec.peak_bytes, spec.order)
