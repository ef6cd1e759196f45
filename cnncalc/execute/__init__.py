"""Executing layers in numpy, for ``cnncalc verify``. Imported only when a network is executed.

An **executor** is one function ``(layer, inputs, ctx) -> ndarray`` registered under a layer type name with
:func:`executes`. ``layer`` is the checked layer record (its fields are the spec's arguments), ``inputs``
the list of input arrays, each with a leading batch axis (``[B, C, *spatial]`` or ``[B, N]``), and ``ctx``
a :class:`Context` that hands out the layer's weights.

**Where an executor lives**: the executor of a type defined in ``cnncalc/layers/<module>.py`` is in
``cnncalc/execute/<module>.py``, the module of the same name; :func:`executor_for` imports that module and
nothing else. The rule is the layer module's name with its ``layers`` part replaced by ``execute``, so a
plug-in laid out the same way (``mypkg/layers/mul.py``, ``mypkg/execute/mul.py``) needs nothing more; a
layer class elsewhere names its executor's module in ``companions = {"execute": ...}`` (the companion rule
of :mod:`cnncalc.layers`, shared with the PyTorch writers and ONNX mappings; docs/adding-a-layer.md). The
executor module imports numpy; the layer module must not, so that ``cnncalc analyze`` never loads it.

The same executor runs twice in ``verify``:

* **numeric**: random weights (``ctx.structural`` is False), to execute the network and read its shapes;
* **structural**: every input is a 0/1 reachability indicator and every weight is one, every bias and
  shift zero (``ctx.structural`` is True). The verifier reads a non-zero output element as "depends on a
  marked input position".

So every registration declares, with ``structural=``, how its structural run is computed (there is no
default: an author must decide):

* :data:`SAME`: the numeric function itself, on 0/1 values with unit weights and zero shifts. Right for
  sums, means, maxima, copies and linear maps with non-negative weights, which map an all-zero input to an
  all-zero output and are non-zero exactly where a marked input reaches.
* a function ``(layer, inputs, ctx) -> ndarray`` computing the dependencies instead, built from sums and
  maxima. Needed when the numeric function is not zero at zero (``sigmoid``), can cancel (``softmax``) or
  **multiplies two values that depend on the input**: a product of 0/1 values is non-zero only where
  *both* are, so it loses the dependencies of each factor (an element-wise ``mul`` must use a sum here).

``flat_unit=`` says how verify measures a flat output ``[N]``: ``"element"`` (default: element 0 is the
unit, as for ``dense``) or ``"vector"`` (the whole vector is one unit, its bins' fields united: ``spp``).

verify checks the declarations on every structural run: an all-zero input must give an all-zero output,
and the output must distribute over its inputs (what probes reach together is what each reaches alone,
and what all inputs reach together is what each input reaches alone). An executor that breaks a rule
stops verify with a message naming the layer type and this page.
"""

from __future__ import annotations

from typing import Callable, Optional

import numpy as np

Executor = Callable[..., np.ndarray]

SAME = "same"                            # structural=SAME: the numeric function is its own structural run
FLAT_UNITS = ("element", "vector")

EXECUTORS: dict[str, Executor] = {}


def executes(*type_names: str, structural: object, flat_unit: str = "element") -> Callable[[Executor], Executor]:
    """Decorator: register ``func`` as the executor of the layer types ``type_names`` (canonical names).
    ``structural``: :data:`SAME` or the structural function; ``flat_unit``: see the module's documentation."""
    if structural is not SAME and not callable(structural):
        raise TypeError(f"executes{type_names}: structural= must be SAME or a function (layer, inputs, ctx)")
    if flat_unit not in FLAT_UNITS:
        raise TypeError(f"executes{type_names}: flat_unit= must be one of {', '.join(FLAT_UNITS)}")

    def decorate(func: Executor) -> Executor:
        for name in type_names:
            if name in EXECUTORS:
                raise RuntimeError(f"two executors for layer type '{name}'")
            EXECUTORS[name] = func
        func.structural = func if structural is SAME else structural    # type: ignore[attr-defined]
        func.flat_unit = flat_unit                                       # type: ignore[attr-defined]
        return func
    return decorate


def executor_module(cls: type) -> str:
    """The module holding the executor of layer class ``cls`` (see the module's documentation)."""
    from cnncalc.layers import companion_module

    return companion_module(cls, "execute")


def executor_for(type_name: str) -> Optional[Executor]:
    """The executor of a layer type (name or alias), or None when cnncalc cannot execute it."""
    from cnncalc.layers import load_companion, lookup

    cls = lookup(type_name)
    if cls is None:
        return None
    if cls.type_name not in EXECUTORS:
        load_companion(cls, "execute")
    return EXECUTORS.get(cls.type_name)


def executable_types() -> list[str]:
    """Every layer type (built-in or plug-in) that has an executor."""
    from cnncalc.layers import registry

    return sorted(name for name in registry() if executor_for(name) is not None)


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
        self.tied: dict[str, list] = {}        # tied weights ('share:'): their owner → its tensors, in order
        self.made: list[np.ndarray] = []       # the current layer's tensors, in the order it asked for them
        self.replay: Optional[list] = None     # the tensors the current layer reuses instead of drawing

    def _keep(self, name: str, shape: tuple, make: Callable[[], np.ndarray]) -> np.ndarray:
        """The tensor ``name`` of the current layer: made by ``make``, or the tied layer's own."""
        if self.replay is None:
            value = make()
        else:
            value = self.replay[len(self.made)]
            if value.shape != tuple(shape):
                raise ValueError(f"tied weights '{name}' of shape {list(value.shape)} used at shape {list(shape)}")
        self.drawn[name] = value
        self.made.append(value)
        return value

    def weight(self, name: str, shape: tuple, fan_in: int) -> np.ndarray:
        """Multiplicative weights: N(0, 1/fan_in) (variance-preserving); structural: ones."""
        if self.structural:
            return self._keep(name, shape, lambda: np.ones(shape, self.dtype))
        return self._keep(name, shape, lambda: self.rng.standard_normal(shape) / np.sqrt(max(fan_in, 1)))

    def shift(self, name: str, shape: tuple) -> np.ndarray:
        """Additive terms (biases, BN β and running mean): N(0, 0.1²); structural: zeros."""
        if self.structural:
            return self._keep(name, shape, lambda: np.zeros(shape, self.dtype))
        return self._keep(name, shape, lambda: 0.1 * self.rng.standard_normal(shape))

    def positive(self, name: str, shape: tuple) -> np.ndarray:
        """Positive factors (BN γ and running variance): uniform in [0.5, 1.5); structural: ones."""
        if self.structural:
            return self._keep(name, shape, lambda: np.ones(shape, self.dtype))
        return self._keep(name, shape, lambda: self.rng.uniform(0.5, 1.5, shape))

    def run(self, executor: Executor, layer, inputs: list, tied: str = "") -> np.ndarray:
        """Execute one layer (its structural function in the structural run); :attr:`drawn` then holds
        this layer's tensors only. ``tied``: the layer owning the weights it uses (itself included) when
        several layers share them ('share:'): the first of them to run draws them, the others reuse them."""
        self.drawn, self.made = {}, []
        self.replay = self.tied.get(tied) if tied else None
        function = getattr(executor, "structural", executor) if self.structural else executor
        try:
            return function(layer, inputs, self)
        finally:
            if tied and self.replay is None:
                self.tied[tied] = self.made
            self.replay = None


def channel_shape(x: np.ndarray) -> tuple:
    """Shape that broadcasts a per-channel vector over ``x`` ([B, C, *spatial] or [B, C])."""
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)
