"""Executing layers in numpy, for ``cnncalc verify``. Imported only when a network is executed.

An **executor** is one function ``(layer, inputs, ctx) -> ndarray`` registered under a layer type name with
:func:`executes`. ``layer`` is the checked layer dataclass (its fields are the spec's arguments), ``inputs``
the list of input arrays, each with a leading batch axis (``[B, C, *spatial]`` or ``[B, N]``), and ``ctx``
a :class:`Context` that hands out the layer's weights. Every module in this package is imported on first
use, so adding an executor is one decorated function in any module here (a new module is picked up
without editing this file).

The same executor runs twice in ``verify``:

* **numeric**: random weights (``ctx.structural`` is False), to execute the network and read its shapes;
* **structural**: every input is a 0/1 reachability indicator and every weight is one, every bias and
  shift zero (``ctx.structural`` is True). The verifier reads a non-zero output element as "depends on a
  marked input position". An executor must therefore map an all-zero input to an all-zero output and a
  non-negative input with a non-zero element to a non-zero output exactly where the output depends on it.
  Sums, means and maxima of non-negative values with unit weights do so without any special code; an
  executor whose function is not zero at zero (``sigmoid``) or can cancel (``softmax``) says what it
  depends on when ``ctx.structural`` is set. The verifier checks the zero-to-zero rule on every run.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Callable, Optional

import numpy as np

Executor = Callable[..., np.ndarray]

EXECUTORS: dict[str, Executor] = {}
_discovered = False


def executes(*type_names: str):
    """Decorator: register ``func`` as the executor of the layer types ``type_names`` (canonical names)."""
    def decorate(func: Executor) -> Executor:
        for name in type_names:
            if name in EXECUTORS:
                raise RuntimeError(f"two executors for layer type '{name}'")
            EXECUTORS[name] = func
        return func
    return decorate


def _discover() -> None:
    global _discovered
    if _discovered:
        return
    _discovered = True
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


def executor_for(type_name: str) -> Optional[Executor]:
    """The executor of a layer type, or None when cnncalc cannot execute it."""
    _discover()
    return EXECUTORS.get(type_name)


def executable_types() -> list[str]:
    _discover()
    return sorted(EXECUTORS)


class Context:
    """Hands out a layer's weights: random in the numeric run, ones and zeros in the structural run.

    Every tensor drawn for the current layer is kept in :attr:`drawn` under its name (tests read the
    weights back from it to compute the expected output independently).
    """

    def __init__(self, structural: bool = False, seed: int = 0):
        self.structural = structural
        self.dtype = np.float32 if structural else np.float64
        self.rng = np.random.default_rng(seed)
        self.drawn: dict[str, np.ndarray] = {}

    def _keep(self, name: str, value: np.ndarray) -> np.ndarray:
        self.drawn[name] = value
        return value

    def weight(self, name: str, shape: tuple, fan_in: int) -> np.ndarray:
        """Multiplicative weights: N(0, 1/fan_in) (variance-preserving); structural: ones."""
        if self.structural:
            return self._keep(name, np.ones(shape, self.dtype))
        return self._keep(name, self.rng.standard_normal(shape) / np.sqrt(max(fan_in, 1)))

    def shift(self, name: str, shape: tuple) -> np.ndarray:
        """Additive terms (biases, BN β and running mean): N(0, 0.1²); structural: zeros."""
        if self.structural:
            return self._keep(name, np.zeros(shape, self.dtype))
        return self._keep(name, 0.1 * self.rng.standard_normal(shape))

    def positive(self, name: str, shape: tuple) -> np.ndarray:
        """Positive factors (BN γ and running variance): uniform in [0.5, 1.5); structural: ones."""
        if self.structural:
            return self._keep(name, np.ones(shape, self.dtype))
        return self._keep(name, self.rng.uniform(0.5, 1.5, shape))

    def run(self, executor: Executor, layer, inputs: list) -> np.ndarray:
        """Execute one layer; :attr:`drawn` then holds this layer's tensors only."""
        self.drawn = {}
        return executor(layer, inputs, self)


def channel_shape(x: np.ndarray) -> tuple:
    """Shape that broadcasts a per-channel vector over ``x`` ([B, C, *spatial] or [B, C])."""
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)
