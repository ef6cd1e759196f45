"""What executing a spec in `cnncalc verify` would cost, decided before anything runs: the estimate of its
memory and work, the figures that refuse a spec too large to execute, and the largest --input of the same
proportions that would be executed instead (docs/verify.md, "Cost").

Why a layer cannot run is a value here (:class:`NoExecutor`, :class:`TooLarge`, with a :data:`Hint` for
what to try), never a sentence: render/verify.py puts it in words. Pure integer arithmetic on the analysis;
no numpy, so the limits can be read without loading it.
"""

from __future__ import annotations

from enum import Enum
from typing import Callable, Optional, Union

from cnncalc.analysis import Analysis, analyze
from cnncalc.record import record
from cnncalc.shapes import product
from cnncalc.spec import Spec

MAX_PROBE_ELEMENTS = 2 ** 25     # the structural run's largest tensor, batch included, before it is split
MAX_LAYER_WEIGHTS = 5 * 10 ** 7  # weights (parameters + state) drawn for one layer: 400 MB as float64
MAX_EXAMPLE_ELEMENTS = 2 ** 24   # the largest tensor of one example (the input or a layer's output): 128 MiB
                                 # as float64; the structural run's batch of two (one probe + the zero probe)
                                 # then stays within MAX_PROBE_ELEMENTS
MAX_DEPENDENCY_CELLS = 2 ** 28   # the structural run's tables, input positions × units per axis, summed over
                                 # the layers: 256 MiB of booleans
ELEMENT_COST = 50                # an element of a layer's output costs about as much as 50 MACs in numpy
                                 # (element-wise passes, 0/1 reductions, temporaries); measured on the zoo
MAX_WORK = 3 * 10 ** 11          # examples executed × (MACs + ELEMENT_COST × elements of every tensor): about
                                 # half a minute on two cores at most (docs/verify.md, "Cost")


# ----------------------------------------------------------------------------- why a layer cannot run

class Cost(Enum):
    """What a spec has too much of to be executed."""
    LAYER_WEIGHTS = "layer weights"        # one layer's parameters + state (--max-layer-weights)
    TENSOR = "tensor elements"             # one example's largest tensor, the input or a layer's output
    TABLES = "receptive-field tables"      # input positions × output units per axis, over every layer
    WORK = "work"                          # examples × (MACs + ELEMENT_COST × elements) (--max-work)


@record
class NoExecutor:
    """The layer's type has no executor (cnncalc/execute): nothing can run it."""
    type: str


@record
class TooLarge:
    """Executing the spec would need ``found`` of ``cost``, more than ``allowed``. For ``Cost.WORK`` the
    terms of the product too: examples executed, MACs and elements of every tensor; for ``Cost.TENSOR``
    whether the tensor is the network's input."""
    cost: Cost
    found: int
    allowed: int
    examples: int = 0
    macs: int = 0
    elements: int = 0
    at_input: bool = False


Reason = Union[NoExecutor, TooLarge]


@record
class TryInput:
    """The largest input of the spec's proportions that passes every limit."""
    shape: tuple


@record
class TrySmaller:
    """No other input could be analysed (a spec read from standard input): one smaller than ``shape``."""
    shape: tuple


@record
class WeightsFixed:
    """No smaller input helps: layer ``layer`` keeps ``weights`` weights at the smallest input the network
    accepts (an adaptive or global pool, or a dense layer, fixes its input size)."""
    layer: str
    weights: int


@record
class NoSmallerInput:
    """The network accepts no smaller input of the same proportions."""


@record
class SmallestRefused:
    """Even ``shape``, the smallest input of the same proportions the network accepts, is refused."""
    shape: tuple


Hint = Union[TryInput, TrySmaller, WeightsFixed, NoSmallerInput, SmallestRefused]


@record
class Unexecutable:
    layer: str                      # '' for a limit on the whole network (its work, its structural tables)
    type: str
    reason: Reason
    hint: Optional[Hint] = None     # what to try instead, for a spec too large

    @property
    def no_executor(self) -> bool:
        return isinstance(self.reason, NoExecutor)


# ----------------------------------------------------------------------------- the estimate

def probes_per_run(report: Analysis, max_probe_elements: int = MAX_PROBE_ELEMENTS) -> int:
    """How many probes one structural run holds beside its all-zero probe: the batch's largest tensor stays
    within ``max_probe_elements``."""
    per_example = max(product(row.output_shape) for row in report.rows)
    return max(1, max_probe_elements // per_example - 1)


def work_of(examples: int, macs: int, elements: int) -> int:
    """The work limited by ``max_work``: examples × (MACs + ELEMENT_COST × elements of every tensor)."""
    return examples * (macs + ELEMENT_COST * elements)


def size_limits(report: Analysis, input_shape: tuple, max_probe_elements: int = MAX_PROBE_ELEMENTS,
                max_work: int = MAX_WORK, max_layer_weights: int = MAX_LAYER_WEIGHTS) -> tuple:
    """Unexecutable entries for the limits on weights, memory and work (docs/verify.md, "Cost"), before any
    run; empty when the spec at ``input_shape`` (analysed in ``report``) can be executed."""
    weights = tuple(Unexecutable(row.name, row.type, TooLarge(Cost.LAYER_WEIGHTS, row.params + row.state,
                                                              max_layer_weights))
                    for row in report.rows if row.params + row.state > max_layer_weights)
    if weights:
        return weights
    probes = sum(input_shape[1:])
    runs = -(-probes // probes_per_run(report, max_probe_elements))
    # examples: the numeric run's one, plus every probe and each structural run's all-zero probe
    return _too_large(report, input_shape, examples=1 + probes + runs, max_work=max_work)


def _too_large(report: Analysis, input_shape: tuple, examples: int, max_work: int) -> tuple:
    """Unexecutable entries for the limits on memory and work (docs/verify.md, "Cost"), before any run."""
    largest = max(report.rows, key=lambda r: product(r.output_shape))
    per_example = product(largest.output_shape)
    if per_example > MAX_EXAMPLE_ELEMENTS:
        return (Unexecutable(largest.name, largest.type, TooLarge(Cost.TENSOR, per_example, MAX_EXAMPLE_ELEMENTS,
                                                                  at_input=largest.is_network_input)),)
    out = []                            # (the other estimates are only larger than the one tensor's)
    spatial = input_shape[1:]
    cells = sum(sum(n * (row.output_shape[1 + a] if len(row.output_shape) == len(input_shape) else 1)
                    for a, n in enumerate(spatial))
                for row in report.rows)
    if cells > MAX_DEPENDENCY_CELLS:
        out.append(Unexecutable("", "", TooLarge(Cost.TABLES, cells, MAX_DEPENDENCY_CELLS)))
    elements = sum(product(row.output_shape) for row in report.rows)
    work = work_of(examples, report.totals.macs, elements)
    if work > max_work:
        out.append(Unexecutable("", "", TooLarge(Cost.WORK, work, max_work, examples, report.totals.macs, elements)))
    return tuple(out)


def suggest_input(rebuild: Callable[[tuple], Spec], shape: tuple, refused: tuple, **limits) -> Hint:
    """What to try instead: the largest input of the spec's proportions (its channels, every spatial size
    scaled by one factor) that passes every size limit, found by bisection over re-analyses; or why no input
    helps: a layer whose weights do not depend on the input (behind an adaptive or global pool, or a dense
    layer fed a fixed size), or no input the network accepts that is small enough. ``rebuild``: the spec
    built for another input shape."""
    from cnncalc.errors import CnncalcError

    channels, spatial = shape[0], shape[1:]
    top = max(spatial, default=0)

    def candidate(t: int) -> tuple:
        return (channels,) + tuple(max(1, n * t // top) for n in spatial)

    def limits_at(t: int):
        """None when the network refuses that input, else its size-limit refusals (empty: it fits)."""
        try:
            report = analyze(rebuild(candidate(t)))
        except (CnncalcError, ArithmeticError, ValueError):
            return None
        return size_limits(report, candidate(t), **limits)

    heavy = [u.layer for u in refused if isinstance(u.reason, TooLarge) and u.reason.cost is Cost.LAYER_WEIGHTS]
    if top <= 1:
        smallest = None
    else:
        low, high = 1, top                  # the smallest size the network accepts: bisection on validity
        while low < high:
            mid = (low + high) // 2
            if limits_at(mid) is None:
                low = mid + 1
            else:
                high = mid
        smallest = low if low < top else None
    if smallest is not None and not limits_at(smallest):
        good, bad = smallest, top           # the largest size that fits
        while bad - good > 1:
            mid = (good + bad) // 2
            result = limits_at(mid)
            if result is not None and not result:
                good = mid
            else:
                bad = mid
        return TryInput(candidate(good))
    if heavy:
        rows = {row.name: row for row in analyze(rebuild(shape)).rows}
        weights = max(rows[name].params + rows[name].state for name in heavy)
        at_smallest = limits_at(smallest) if smallest is not None else ()
        if smallest is None or any(u.layer in heavy for u in at_smallest or ()):
            return WeightsFixed(heavy[0], weights)
    if smallest is None:
        return NoSmallerInput()
    return SmallestRefused(candidate(smallest))
