"""The latency estimate beside the roofline bound (docs/conventions.md, "Latency"): each layer's time from
the device's model of the layer's kind of work (cnncalc.devices.Efficiency), plus the device's per-layer
overhead; the network's, their sum plus the device's time per forward pass (``run``: launching it, its
input and output). A kind's model has one of two forms:

* **one efficiency** e (the shipped profiles, from one published whole-network measurement each):
  t = t_bound / e + overhead;
* **the calibrated form** (`cnncalc devices calibrate`): the fraction of the peak the kind's arithmetic
  reaches (c), of the bandwidth its traffic reaches (m), and a time per layer of the kind (o):
  t = o + t_compute / c + t_memory / m + overhead, where t_compute = F / peak and t_memory = B / bandwidth
  are the bound's two terms. The layer's own efficiency, t_bound / (t − overhead), then follows its shape:
  a small layer, whose time is mostly o, reaches far less of the bound's speed than a large one, and a layer
  whose arithmetic is slow for its kind (a sigmoid's against a ReLU's) is charged for it.

Both forms keep every efficiency ≤ 1 (c, m ≤ 1 and o ≥ 0: t_compute / c + t_memory / m ≥ max(t_compute,
t_memory) = t_bound), so the estimate is never below the bound. A device without efficiencies has no
estimate. Exact Fractions throughout, as the bound.
"""

from __future__ import annotations

from fractions import Fraction

from cnncalc.record import record


@record
class LayerEstimate:
    name: str
    kind: str                 # the kind of work (cnncalc.devices.KINDS)
    efficiency: Fraction      # the layer's fraction of the bound's speed: t_bound / (seconds − overhead)
    seconds: Fraction


@record
class Estimate:
    device: str
    runtime: str
    dtype: str
    batch: int
    overhead: Fraction        # seconds added per layer (the device's, beside each kind's own)
    layers: tuple             # LayerEstimate per layer of the bound, in its order
    seconds: Fraction         # the layers' sum + run
    run: Fraction = Fraction(0)    # seconds added once per forward pass


def layer_seconds(model, compute: Fraction, memory: Fraction) -> Fraction:
    """A layer's time under one kind's model (cnncalc.devices.Efficiency) from the bound's two terms:
    ``compute`` = F / peak and ``memory`` = B / bandwidth seconds (the device's own overhead not included)."""
    if model.value is not None:
        return max(compute, memory) / model.value
    return model.overhead + compute / model.compute + memory / model.memory


def estimate(bound, device) -> "Estimate | None":
    """The estimate of a roofline bound (cnncalc.roofline.Roofline) on ``device``, or None when the device
    gives no efficiencies."""
    if not device.efficiency:
        return None
    overhead = device.overhead.value if device.overhead is not None else Fraction(0)
    run = device.run.value if device.run is not None else Fraction(0)
    layers = []
    for t in bound.layers:
        own = layer_seconds(device.efficiency[t.kind], Fraction(t.flops, bound.peak),
                            Fraction(t.bytes, bound.bandwidth))
        layers.append(LayerEstimate(name=t.name, kind=t.kind, efficiency=t.seconds / own if own else Fraction(1),
                                    seconds=own + overhead))
    return Estimate(device=bound.device, runtime=bound.runtime, dtype=bound.dtype, batch=bound.batch,
                    overhead=overhead, layers=tuple(layers), run=run,
                    seconds=sum((t.seconds for t in layers), run))
