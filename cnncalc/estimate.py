"""The latency estimate beside the roofline bound (docs/conventions.md, "Latency"): each layer's bound time
divided by the device's efficiency for the layer's kind of work, plus the device's per-layer overhead.

    t_estimate(layer) = t_bound(layer) / efficiency[kind(layer)] + overhead

An efficiency is the fraction of the bound's speed that kind of work reaches on the device (≤ 1, so the
estimate is never below the bound); each comes with its source in the device profile (a published
measurement, or `cnncalc devices calibrate` on this machine). A device without efficiencies has no estimate.
Exact Fractions throughout, as the bound.
"""

from __future__ import annotations

from fractions import Fraction

from cnncalc.record import record


@record
class LayerEstimate:
    name: str
    kind: str                 # the kind of work (cnncalc.devices.KINDS)
    efficiency: Fraction
    seconds: Fraction


@record
class Estimate:
    device: str
    runtime: str
    dtype: str
    batch: int
    overhead: Fraction        # seconds added per layer
    layers: tuple             # LayerEstimate per layer of the bound, in its order
    seconds: Fraction


def estimate(bound, device) -> "Estimate | None":
    """The estimate of a roofline bound (cnncalc.roofline.Roofline) on ``device``, or None when the device
    gives no efficiencies."""
    if not device.efficiency:
        return None
    overhead = device.overhead.value if device.overhead is not None else Fraction(0)
    layers = []
    for t in bound.layers:
        efficiency = device.efficiency[t.kind].value
        layers.append(LayerEstimate(name=t.name, kind=t.kind, efficiency=efficiency,
                                    seconds=t.seconds / efficiency + overhead))
    return Estimate(device=bound.device, runtime=bound.runtime, dtype=bound.dtype, batch=bound.batch,
                    overhead=overhead, layers=tuple(layers),
                    seconds=sum((t.seconds for t in layers), Fraction(0)))
