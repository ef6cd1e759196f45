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

**The memory hierarchy** (optional: a profile's ``cache`` C, bytes, and ``main_memory`` D, bytes per
second, which `cnncalc devices calibrate` measures): a layer's working set is the bound's B (weights, every
distinct input and the output, at the dtype and batch). Its first min(B, C) bytes go at the kind's rate, as
above; the bytes beyond the cache, max(B − C, 0), at the slower of the main memory's and the kind's own rate.
With t_in = min(B, C) / bandwidth, t_out = max(B − C, 0) / bandwidth (t_in + t_out = t_memory) and
μ = D / bandwidth, the main memory's fraction of the bandwidth:

* one efficiency: t = max(t_compute, t_in + t_out / min(1, μ)) / e + overhead;
* the calibrated form: t = o + t_compute / c + t_in / m + t_out / min(m, μ) + overhead.

Without the two figures t_out is 0 and both are the forms above.

**Never below the bound.** c, m ≤ 1, o ≥ 0 and min(m, μ) ≤ m (resp. min(1, μ) ≤ 1) give t_compute / c +
t_in / m + t_out / min(m, μ) ≥ t_compute + t_in + t_out = t_compute + t_memory ≥ max(t_compute, t_memory) =
t_bound, and max(t_compute, t_in + t_out / min(1, μ)) / e ≥ max(t_compute, t_memory) / e ≥ t_bound for e ≤ 1,
whatever C ≥ 0 and D > 0 are. A device without efficiencies has no estimate. Exact Fractions throughout, as
the bound.
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


def layer_seconds(model, compute: Fraction, memory: Fraction, beyond: Fraction = Fraction(0),
                  main: Fraction = Fraction(1)) -> Fraction:
    """A layer's time under one kind's model (cnncalc.devices.Efficiency) from the bound's terms: ``compute``
    = F / peak seconds, ``memory`` = min(B, C) / bandwidth seconds (the bytes in the cache; all of B without
    a cache size), ``beyond`` = max(B − C, 0) / bandwidth seconds (the bytes beyond it) and ``main`` = μ, the
    main memory's fraction of the bandwidth (the device's own overhead not included)."""
    if model.value is not None:
        return max(compute, memory + beyond / min(Fraction(1), main)) / model.value
    return model.overhead + compute / model.compute + memory / model.memory + beyond / min(model.memory, main)


def split_bytes(moved: int, device) -> "tuple[int, int]":
    """(the bytes in the cache, the bytes beyond it) of a layer's working set ``moved`` on ``device``: all in
    the cache when the device gives no cache size and main-memory bandwidth."""
    if device.cache is None or device.main_memory is None:
        return moved, 0
    return min(moved, device.cache.value), max(moved - device.cache.value, 0)


def estimate(bound, device) -> "Estimate | None":
    """The estimate of a roofline bound (cnncalc.roofline.Roofline) on ``device``, or None when the device
    gives no efficiencies."""
    if not device.efficiency:
        return None
    overhead = device.overhead.value if device.overhead is not None else Fraction(0)
    run = device.run.value if device.run is not None else Fraction(0)
    main = Fraction(device.main_memory.value, bound.bandwidth) if device.main_memory is not None else Fraction(1)
    layers = []
    for t in bound.layers:
        inside, beyond = split_bytes(t.bytes, device)
        own = layer_seconds(device.efficiency[t.kind], Fraction(t.flops, bound.peak),
                            Fraction(inside, bound.bandwidth), Fraction(beyond, bound.bandwidth), main)
        layers.append(LayerEstimate(name=t.name, kind=t.kind, efficiency=t.seconds / own if own else Fraction(1),
                                    seconds=own + overhead))
    return Estimate(device=bound.device, runtime=bound.runtime, dtype=bound.dtype, batch=bound.batch,
                    overhead=overhead, layers=tuple(layers), run=run,
                    seconds=sum((t.seconds for t in layers), run))
