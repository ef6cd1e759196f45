"""Memory planners: an arena with real offsets for the tensors of one execution (docs/conventions.md,
"Memory planners (arena)").

A tensor is alive over a range of steps (a step is a node's position in an execution order), both ends
included; a plan gives every tensor an offset in one arena so that two tensors alive at a common step never
share a byte. The arena is the largest offset + size. A tensor that takes over another's storage in place
(``overwrites``) gets that tensor's offset: the two are one buffer, alive from the first's first step to
the last's last step (the liveness rule ends the overwritten tensor the step before, cnncalc.peak).

Planners, each a function of the tensors (in the order they were added: the adapter adds them in the order
their producers run):

* :func:`greedy_by_size`: TF-Lite Micro's GreedyMemoryPlanner (tensorflow/lite/micro/memory_planner/
  greedy_memory_planner.cc): buffers by size, largest first (equal sizes: the one added later first), each
  at the lowest offset below, between or above the placed buffers alive at a common step where it fits;
* :func:`linear`: no reuse, every buffer its own slot in the order added (TF-Lite Micro's
  LinearMemoryPlanner): the upper bound;
* :func:`lower_bound`: the liveness peak of the same tensors, the most bytes alive at one step. No plan of
  them is smaller; a plan's fragmentation is its arena less this peak.

:func:`tensors_of` and :func:`plan_of` build the tensors of an analysed network through cnncalc.peak's
liveness problem (the same sizes, order and in-place rule as the peak). Pure data, exact ints; nothing here
prints. Imported only when a plan is asked for.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import Callable, Mapping, Optional, Sequence, Union

from cnncalc.record import record

GREEDY_BY_SIZE = "greedy-by-size"
LINEAR = "linear"
SPEC = "spec"                # plan_of's orders: the spec's, the memory-minimising one of cnncalc.peak
MINIMUM = "minimum"


@record
class Tensor:
    """One tensor of an execution: ``size`` bytes, alive from step ``first`` to step ``last``, both included;
    ``overwrites``: the name of the tensor whose storage it takes over in place (that tensor ends before
    ``first``), or None."""
    name: str
    size: int
    first: int
    last: int
    overwrites: Optional[str] = None


@record
class Plan:
    """Where each tensor lives in one arena."""
    planner: str              # the planner's name
    tensors: tuple            # the Tensors planned, in the order added
    offsets: tuple            # the offset of each tensor, in the same order
    arena_bytes: int          # the largest offset + size (0 without tensors)
    peak_bytes: int           # the liveness peak of the same tensors (lower_bound): no plan is smaller
    fragmentation_bytes: int  # arena_bytes - peak_bytes


class _Buffers:
    """The tensors grouped into buffers: a tensor and the chain of tensors that overwrite it in place.
    Buffer b: ``members[b]`` (tensor indices), ``size[b]`` (the largest member), ``first[b]``, ``last[b]``;
    buffers are numbered in the order their first member was added."""

    def __init__(self, tensors: Sequence[Tensor]):
        index: dict[str, int] = {}
        for i, t in enumerate(tensors):
            if t.name in index:
                raise ValueError(f"tensor names repeat: '{t.name}'")
            if t.size < 0 or t.first > t.last:
                raise ValueError(f"tensor '{t.name}': size {t.size}, steps {t.first}..{t.last}")
            index[t.name] = i
        taken: dict[int, int] = {}          # overwritten tensor → the tensor that takes its storage
        for i, t in enumerate(tensors):
            if t.overwrites is None:
                continue
            u = index.get(t.overwrites)
            if u is None or u in taken or tensors[u].last >= t.first:
                raise ValueError(f"tensor '{t.name}' cannot overwrite '{t.overwrites}': unknown, taken twice "
                                 "or still alive at its first step")
            taken[u] = i               # (so a chain's first steps rise: no cycle)
        self.of = [-1] * len(tensors)         # tensor → its buffer
        self.members: list[list[int]] = []
        for i, t in enumerate(tensors):
            if t.overwrites is not None:
                continue                    # placed with the tensor it overwrites
            chain = [i]
            while chain[-1] in taken:
                chain.append(taken[chain[-1]])
            for j in chain:
                self.of[j] = len(self.members)
            self.members.append(chain)
        self.size = [max(tensors[j].size for j in chain) for chain in self.members]
        self.first = [min(tensors[j].first for j in chain) for chain in self.members]
        self.last = [max(tensors[j].last for j in chain) for chain in self.members]


def _plan(name: str, tensors: Sequence[Tensor], buffers: _Buffers, at: Sequence[int]) -> Plan:
    offsets = tuple(at[b] for b in buffers.of)
    arena = max((o + s for o, s in zip(at, buffers.size)), default=0)   # a buffer's size: its largest tensor
    peak = lower_bound(tensors)
    return Plan(planner=name, tensors=tuple(tensors), offsets=offsets, arena_bytes=arena, peak_bytes=peak,
                fragmentation_bytes=arena - peak)


def greedy_by_size(tensors: Sequence[Tensor]) -> Plan:
    """TF-Lite Micro's GreedyMemoryPlanner. The buffers are taken largest first; of equal sizes, the one
    added later first (TF-Lite Micro fills its array to sort from the end and sorts it stably). Each goes to
    the lowest offset that fits among the buffers placed so far that are alive at a common step: those are
    visited by offset (equal offsets in the order placed), and the first gap before one of them, from the
    highest end of those visited already (0 at first), that holds it is taken; else it goes above them all."""
    buffers = _Buffers(tensors)
    size, first, last = buffers.size, buffers.first, buffers.last
    # Two buffers are alive at a common step exactly when one's first step lies in the other's life; so
    # each placed buffer is listed at the first steps (of any buffer) its life covers, and a buffer finds
    # those alive with it there, in the work of the lives it covers rather than of every placed buffer.
    points = sorted(set(first))
    covers = [range(bisect_left(points, first[b]), bisect_right(points, last[b])) for b in range(len(size))]
    listed: list[list[int]] = [[] for _ in points]
    at = [0] * len(size)
    when = [0] * len(size)
    for w, b in enumerate(sorted(range(len(size)), key=lambda b: (-size[b], -b))):
        together = {c for p in covers[b] for c in listed[p]}
        low = 0
        for c in sorted(together, key=lambda c: (at[c], when[c])):     # by offset, then in the order placed
            if at[c] - low >= size[b]:
                break
            low = max(low, at[c] + size[c])
        at[b], when[b] = low, w
        for p in covers[b]:
            listed[p].append(b)
    return _plan(GREEDY_BY_SIZE, tensors, buffers, at)


def linear(tensors: Sequence[Tensor]) -> Plan:
    """No reuse: every buffer its own slot, one after the other in the order added (TF-Lite Micro's
    LinearMemoryPlanner). A tensor that overwrites another in place still shares its buffer."""
    buffers = _Buffers(tensors)
    at, end = [], 0
    for s in buffers.size:
        at.append(end)
        end += s
    return _plan(LINEAR, tensors, buffers, at)


def lower_bound(tensors: Sequence[Tensor]) -> int:
    """The liveness peak: the most bytes of tensors alive at one step (0 without tensors)."""
    change: dict[int, int] = {}
    for t in tensors:
        change[t.first] = change.get(t.first, 0) + t.size
        change[t.last + 1] = change.get(t.last + 1, 0) - t.size
    live = best = 0
    for step in sorted(change):
        live += change[step]
        best = max(best, live)
    return best


PLANNERS: dict[str, Callable[[Sequence[Tensor]], Plan]] = {GREEDY_BY_SIZE: greedy_by_size, LINEAR: linear}


def planner_named(name: str) -> Callable[[Sequence[Tensor]], Plan]:
    """The planner of that name; an unknown name is a ValueError that lists the shipped ones."""
    found = PLANNERS.get(name)
    if found is None:
        raise ValueError(f"unknown memory planner '{name}'; the planners are: {', '.join(PLANNERS)}")
    return found


def tensors_of(problem, order: Optional[Sequence[str]] = None, alignment: int = 1,
               scratch: Optional[Mapping[str, int]] = None) -> tuple[Tensor, ...]:
    """The tensors of a cnncalc.peak liveness problem run in ``order`` (default: its own, the spec's), by
    the liveness rule: node v's tensor is alive from v's step to its last reader's (its own if unread; the
    last step for the network output); a node that runs in place overwrites the input cnncalc.peak chooses,
    which then ends the step before. Added in the order the nodes run. ``alignment``: each size rounded up to
    a multiple of it (TF-Lite Micro rounds to 16 bytes, micro_arena_constants.h). ``scratch``: node name →
    bytes of a scratch buffer alive at that node's step only (TF-Lite Micro's per-operator scratch), added
    after the node's tensor as "NAME (scratch)"."""
    from cnncalc import peak
    if alignment < 1:
        raise ValueError(f"alignment must be at least 1, not {alignment}")
    seq, position, last, overwrite = peak.schedule(problem, order)
    end = [len(seq) - 1 if v == problem.output else last[v] if last[v] >= 0 else position[v]
           for v in range(len(seq))]
    took: dict[int, int] = {}
    for t, u in enumerate(overwrite):
        if u is not None:
            end[u] = t - 1
            took[seq[t]] = u
    names, sizes, scratch = problem.names, problem.sizes, scratch or {}

    def aligned(n: int) -> int:
        return -(-n // alignment) * alignment

    found = []
    for v in seq:
        found.append(Tensor(name=names[v], size=aligned(sizes[v]), first=position[v], last=end[v],
                            overwrites=names[took[v]] if v in took else None))
        if scratch.get(names[v]):
            found.append(Tensor(name=f"{names[v]} (scratch)", size=aligned(scratch[names[v]]),
                                first=position[v], last=position[v]))
    return tuple(found)


def plan_of(report, order: Union[str, Sequence[str], None] = SPEC, planner: str = GREEDY_BY_SIZE,
            bits: int = 32, batch: int = 1, in_place: Optional[Callable[[object], bool]] = None,
            alignment: int = 1, scratch: Optional[Mapping[str, int]] = None) -> Plan:
    """The arena plan of an analysed network (cnncalc.analysis.Analysis): tensors of ``batch`` samples at
    ``bits`` per element (cnncalc.peak.problem_of_report), run in ``order`` — ``"spec"`` (the report's row
    order), ``"minimum"`` (cnncalc.peak.minimum_peak's order) or the node names in order — with the named
    ``planner``. ``in_place(row)``: which rows may overwrite an input (cnncalc.peak.runtime_in_place);
    ``alignment`` and ``scratch`` as :func:`tensors_of`."""
    from cnncalc import peak
    place = planner_named(planner)
    problem = peak.problem_of_report(report, batch=batch, bits=bits, in_place=in_place)
    if order == SPEC or order is None:
        names: Optional[Sequence[str]] = None
    elif order == MINIMUM:
        names = peak.minimum_peak(problem).order
    elif isinstance(order, str):
        raise ValueError(f"unknown order '{order}'; the orders are: {SPEC}, {MINIMUM}, or the layers' names")
    else:
        names = order
    return place(tensors_of(problem, names, alignment, scratch))
