"""Peak activation memory at inference: the most bytes alive at any moment, by a written liveness rule.

The rule (docs/conventions.md, "Liveness"):

* nodes run one at a time, in a topological order; the network input is a node like the others;
* a tensor is alive from the step of the node that makes it to the step of its last reader, both included
  (so a node's inputs and its output are alive together while it runs); the input counts while it is read;
* the network output stays alive from its step to the end; a tensor nobody reads is alive at its own step only;
* a node that may run in place (a predicate, off by default) writes its output into one of its inputs when
  that input has as many elements, is not the network output, and has no reader left after this node: the
  input's storage then holds the output, and the input is no longer counted from that step on;
* bytes per tensor: ceil(elements · batch · bits / 8), exact ints; the peak is the largest sum over steps.

The peak depends on the order. :func:`peak_in_order` takes one (the spec's order is the report's row order);
:func:`minimum_peak` searches for a memory-minimising one: an exact dynamic programme over the sets of nodes
already run (a set fixes which tensors are alive), level by level, while its work stays under
``EXACT_WORK``; beyond, a beam search (the ``BEAM_WIDTH`` sets with the lowest peak so far per level, the
first ``BEAM_CANDIDATES`` ready nodes of each in spec order), never worse than the spec order. The result
names the method used. Pure data: nothing here prints.
"""

from __future__ import annotations

from typing import Callable, Optional, Sequence

from cnncalc.record import record, replace

EXACT_WORK = 2_000_000       # work the exact search may do: expansions × (ready nodes copied) × words of a set
BEAM_WIDTH = 32
BEAM_CANDIDATES = 8
BEAM_WORK = 4_000_000        # past this the beam search stops too and the spec order is the answer

SPEC_ORDER = "spec order"
EXACT = "exact"
BEAM = f"heuristic: beam search ({BEAM_WIDTH} sets per step, {BEAM_CANDIDATES} candidates each)"
NO_SEARCH = "heuristic: the spec order (the graph is too large to search)"


@record
class Peak:
    """The peak of one execution order."""
    method: str               # SPEC_ORDER, EXACT, BEAM or NO_SEARCH: how ``order`` was chosen
    order: tuple              # node names, in the order they run
    step_bytes: tuple         # bytes alive while each node of ``order`` runs
    in_place: tuple           # (node, the input it overwrote), in order
    peak_bytes: int
    peak_layer: str           # the first node at whose step the peak is reached
    alive: tuple              # (name, bytes) of every tensor alive at that step; their bytes sum to the peak


class Problem:
    """A graph reduced to what liveness needs: node i's distinct inputs, its bytes, its readers, the output."""

    def __init__(self, names: Sequence[str], inputs: Sequence[Sequence[str]], sizes: Sequence[int],
                 output: str, in_place: Optional[Callable[[int], bool]] = None):
        self.names = tuple(names)
        index = {name: i for i, name in enumerate(self.names)}
        if len(index) != len(self.names):
            raise ValueError("node names repeat")
        self.inputs = tuple((index[ins[0]],) if len(ins) == 1 else tuple(dict.fromkeys(index[name] for name in ins))
                            for ins in inputs)
        self.sizes = tuple(sizes)
        self.output = index[output]
        self.readers: list[list[int]] = [[] for _ in self.names]
        for i, ins in enumerate(self.inputs):
            for u in ins:
                self.readers[u].append(i)
        self.may_overwrite = tuple(bool(in_place and in_place(i)) for i in range(len(self.names)))
        self._masks: Optional[tuple[list[int], list[int]]] = None

    @property
    def reader_mask(self) -> list[int]:
        """Node i's readers as the bits of an int (the search's sets of nodes run), made when first asked:
        n n-bit ints, so only for the search, never for one order."""
        return self._bitmasks()[0]

    @property
    def input_mask(self) -> list[int]:
        return self._bitmasks()[1]

    def _bitmasks(self) -> tuple[list[int], list[int]]:
        if self._masks is None:
            self._masks = ([sum(1 << r for r in rs) for rs in self.readers],
                           [sum(1 << u for u in ins) for ins in self.inputs])
        return self._masks

    def overwritten(self, done: int, v: int) -> Optional[int]:
        """The input node ``v`` writes its output into when it runs after the set ``done``, if any."""
        if not self.may_overwrite[v]:
            return None
        for u in self.inputs[v]:
            if (u != self.output and self.sizes[u] >= self.sizes[v]
                    and self.reader_mask[u] & ~done == 1 << v):
                return u
        return None

    def step(self, done: int, live: int, v: int) -> tuple[int, int, int, Optional[int]]:
        """Run ``v`` after the set ``done`` whose alive tensors hold ``live`` bytes: (bytes while v runs,
        the new set, bytes alive after, the input overwritten)."""
        u = self.overwritten(done, v)
        during = live + self.sizes[v] - (min(self.sizes[u], self.sizes[v]) if u is not None else 0)
        after_set = done | 1 << v
        after = live + (self.sizes[v] if self.readers[v] or v == self.output else 0)
        for w in self.inputs[v]:
            if w != self.output and self.reader_mask[w] & ~after_set == 0:
                after -= self.sizes[w]
        return during, after_set, after, u


def problem_of_report(report, batch: int = 1, bits: int = 32, output: Optional[str] = None,
                      in_place: Optional[Callable[[object], bool]] = None) -> Problem:
    """The liveness problem of an analysed network: tensors of ``batch`` samples at ``bits`` per element.
    ``in_place(row)`` says which rows may overwrite an input (None: none). The output defaults to the
    report's (the graph's output); for a report made without one, the only row that nobody reads and that the
    analysis did not warn about as unused."""
    rows = report.rows
    if output is None:
        output = report.output or _output_of(report)
    sizes = [-(-row.activation_elements * batch * bits // 8) for row in rows]
    test = (lambda i: in_place(rows[i])) if in_place else None
    return Problem([row.name for row in rows], [row.inputs for row in rows], sizes, output, test)


def runtime_in_place(graph) -> Callable[[object], bool]:
    """The ``in_place`` predicate of what runtimes do in place: the layer types that declare ``in_place``
    (activations, BN at inference, add, dropout) and views (flatten, reshape), which share their input."""
    def may(row) -> bool:
        layer = graph.nodes[row.name].layer
        return bool(layer.in_place or layer.view or row.name in graph.in_place)
    return may


def deployed_in_place(graph) -> Callable[[object], bool]:
    """The ``in_place`` predicate of the nodes the deployment runs in place (``Graph.in_place``) alone."""
    return lambda row: getattr(row, "name", "") in graph.in_place


def _output_of(report) -> str:
    read = {name for row in report.rows for name in row.inputs}
    unused = {w.layer for w in report.warnings if "is not used" in w.message}
    ends = [row.name for row in report.rows if row.name not in read and row.name not in unused]
    if len(ends) != 1:
        raise ValueError(f"cannot tell the network output among {ends}; pass output=")
    return ends[0]


def schedule(problem: Problem, order: Optional[Sequence[str]] = None
             ) -> tuple[list[int], list[int], list[int], list[Optional[int]]]:
    """One order of ``problem`` by the liveness rule (default: the problem's own order, the spec's):
    (the node indices in order; each node's position; each node's last reader's position, -1 if none;
    at each step, the input its node writes into in place, or None). Raises ValueError for an order that
    misses a node or runs one before its input. Shared by :func:`peak_in_order` and cnncalc.planner."""
    index = {name: i for i, name in enumerate(problem.names)}
    seq = list(range(len(problem.names))) if order is None else [index[name] for name in order]
    if sorted(seq) != list(range(len(problem.names))):
        raise ValueError("the order must hold every node once")
    # One pass in the order's positions (linear: no sets of nodes as in the search). A tensor is alive after
    # step t while a reader runs later (or it is the output); it changes only when its last reader runs.
    position = [0] * len(seq)
    for t, v in enumerate(seq):
        position[v] = t
    last = [max((position[r] for r in readers), default=-1) for readers in problem.readers]
    sizes, output, inputs, may_overwrite = problem.sizes, problem.output, problem.inputs, problem.may_overwrite
    overwrites: list[Optional[int]] = []
    for t, v in enumerate(seq):
        for w in inputs[v]:
            if position[w] > t:
                raise ValueError(f"'{problem.names[v]}' runs before one of its inputs")
        u = None                # the input v writes into: one it is the last reader of, at least as many bytes
        if may_overwrite[v]:    # (an element-wise layer's input has as many; a strided depthwise one more)
            u = next((w for w in inputs[v] if w != output and sizes[w] >= sizes[v] and last[w] == t), None)
        overwrites.append(u)
    return seq, position, last, overwrites


def peak_in_order(problem: Problem, order: Optional[Sequence[str]] = None, method: str = SPEC_ORDER) -> Peak:
    """The peak of running the nodes in ``order`` (default: the problem's own order, the spec's)."""
    seq, position, last, overwrite = schedule(problem, order)
    sizes, output, inputs, readers = problem.sizes, problem.output, problem.inputs, problem.readers
    live = 0
    steps: list[int] = []
    overwrites: list[tuple[str, str]] = []
    best, best_at, best_step, best_u = -1, 0, 0, None
    for t, v in enumerate(seq):
        u = overwrite[t]
        during = live + sizes[v] - (min(sizes[u], sizes[v]) if u is not None else 0)
        steps.append(during)
        if u is not None:
            overwrites.append((problem.names[v], problem.names[u]))
        if during > best:
            best, best_at, best_step, best_u = during, v, t, u
        live += sizes[v] if readers[v] or v == output else 0
        for w in inputs[v]:
            if w != output and last[w] == t:       # its last reader ran: it is freed
                live -= sizes[w]
    # the tensors alive while the peak's node runs: those made before it that are still read then or later
    # (or are the output), less the one it overwrites, and its own output; an output smaller than the input it
    # overwrites is in that input's storage, which is what is alive
    held = best_u is not None and sizes[best_u] > sizes[best_at]
    alive = [w for w in range(len(seq)) if position[w] < best_step and (w != best_u or held)
             and (w == output or readers[w] and last[w] >= best_step)]
    if not held:
        alive.append(best_at)
    return Peak(method=method, order=tuple(problem.names[v] for v in seq), step_bytes=tuple(steps),
                in_place=tuple(overwrites), peak_bytes=max(best, 0), peak_layer=problem.names[best_at],
                alive=tuple((problem.names[w], problem.sizes[w]) for w in sorted(alive)))


def largest_step(problem: Problem, order: Optional[Sequence[str]] = None) -> tuple[int, str]:
    """(bytes, node) of the largest *single step* of ``order`` (default: the problem's own): the most bytes one
    node's own tensors take while it runs, its distinct inputs and its output (less the input it overwrites in
    place, as :func:`peak_in_order` decides), nothing held for a later reader. Every step of the order holds at
    least that, so it is at most the order's peak; it is the per-layer accounting of MCUNet's figures (Lin et
    al., NeurIPS 2020 and 2021: "the largest input + output of a layer"), docs/conventions.md."""
    seq, _, _, overwrite = schedule(problem, order)
    sizes = problem.sizes
    best, best_at = -1, 0
    for t, v in enumerate(seq):
        u = overwrite[t]
        own = sum(sizes[w] for w in problem.inputs[v]) + sizes[v] - (min(sizes[u], sizes[v]) if u is not None else 0)
        if own > best:
            best, best_at = own, v
    return max(best, 0), problem.names[best_at]


class _TooMuchWork(Exception):
    pass


def _search(problem: Problem, width: Optional[int], candidates: Optional[int], work_limit: int):
    """Level-by-level search over sets of nodes run. Each level maps a set to (peak so far, live bytes);
    ``back`` remembers how each kept set was reached. ``width``/``candidates`` None: keep everything
    (exact). Returns the order, or raises _TooMuchWork."""
    n = len(problem.names)
    roots = tuple(i for i in range(n) if not problem.inputs[i])
    level: dict[int, tuple[int, int, tuple]] = {0: (0, 0, roots)}
    back: dict[int, tuple[int, int]] = {}
    work = 0
    words = 1 + n // 64         # a set of nodes is an n-bit int: each step on it costs about this many words
    for _ in range(n):
        nxt: dict[int, tuple[int, int, tuple]] = {}
        for done, (peak, live, ready) in level.items():
            for v in (ready if candidates is None else ready[:candidates]):
                during, after_set, after, _u = problem.step(done, live, v)
                new_peak = max(peak, during)
                seen = nxt.get(after_set)
                work += (1 + len(ready)) * words
                if work > work_limit:
                    raise _TooMuchWork
                if seen is None or new_peak < seen[0]:
                    grown = [r for r in problem.readers[v] if problem.input_mask[r] & ~after_set == 0]
                    nxt[after_set] = (new_peak, after, tuple(sorted([w for w in ready if w != v] + grown)))
                    back[after_set] = (done, v)
        if width is not None and len(nxt) > width:
            kept = sorted(nxt.items(), key=lambda item: (item[1][0], item[1][1]))[:width]
            nxt = dict(kept)
        level = nxt
    (full,) = level
    order = []
    while full:
        full, v = back[full]
        order.append(problem.names[v])
    return order[::-1]


def minimum_peak(problem: Problem, spec_order: Optional[Peak] = None) -> Peak:
    """A memory-minimising order's peak: exact when the search fits in ``EXACT_WORK``, else a heuristic
    that is never worse than the spec order. ``method`` says which. ``spec_order``: the spec order's peak of
    the same problem, when computed already (it is not computed again)."""
    n = len(problem.names)
    least = n * (1 + n // 64)           # the work of any search: at least one expansion a level, n levels
    spec = spec_order if spec_order is not None else peak_in_order(problem)
    if least > BEAM_WORK:               # neither search could finish: not even their sets of nodes are made
        return replace(spec, method=NO_SEARCH)
    try:
        if least <= EXACT_WORK:
            return peak_in_order(problem, _search(problem, None, None, EXACT_WORK), EXACT)
    except _TooMuchWork:
        pass
    try:
        found = peak_in_order(problem, _search(problem, BEAM_WIDTH, BEAM_CANDIDATES, BEAM_WORK), BEAM)
    except _TooMuchWork:
        return replace(spec, method=NO_SEARCH)
    if found.peak_bytes <= spec.peak_bytes:
        return found
    return replace(spec, method=BEAM)
