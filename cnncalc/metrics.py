"""The whole-network figures that `compare` shows and `check` limits: one table, read from a Report."""

from __future__ import annotations

from typing import Callable

from cnncalc.analysis import Report
from cnncalc.record import record
from cnncalc.units import BYTES, COUNT


@record
class Metric:
    key: str                          # the name in budgets, JSON and --max-increase (params, macs, ...)
    label: str                        # for people
    kind: str                         # units.COUNT or units.BYTES
    get: Callable[[Report], int]
    budget: bool = True               # may be limited by `check`


METRICS = (
    Metric("params", "parameters", COUNT, lambda r: r.totals.params),
    Metric("trainable_params", "trainable parameters", COUNT, lambda r: r.totals.trainable_params),
    Metric("non_trainable_params", "non-trainable parameters", COUNT, lambda r: r.totals.non_trainable_params,
           budget=False),
    Metric("state", "state (BN running stats)", COUNT, lambda r: r.totals.state, budget=False),
    Metric("macs", "MACs", COUNT, lambda r: r.totals.macs),
    Metric("flops", "FLOPs", COUNT, lambda r: r.totals.flops),
    Metric("param_memory", "parameter memory", BYTES, lambda r: r.memory.param_bytes),
    Metric("activation_memory", "activation memory", BYTES, lambda r: r.memory.activation_bytes),
)

BY_KEY = {m.key: m for m in METRICS}
BUDGET_KEYS = tuple(m.key for m in METRICS if m.budget)
