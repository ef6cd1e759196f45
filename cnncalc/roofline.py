"""A latency estimate by the roofline model (Williams, Waterman and Patterson, CACM 2009): a lower bound on
the time of a forward pass, not a measurement.

Per layer, at ``bits`` per element and ``batch`` samples (docs/conventions.md, "Roofline"):

* work F = the layer's FLOPs × batch (cnncalc's FLOPs: 2·MACs + bias + elementwise work);
* bytes moved B = weights read (parameters + state) + every distinct input read + the output written,
  each tensor ceil(elements · bits / 8) bytes (activations × batch; weights once per pass, and tied
  weights ('share:') at every use: each use is its own kernel, and caches are not modelled);
* arithmetic intensity I = F / B (FLOPs per byte, an exact Fraction);
* time t = max(F / peak, B / bandwidth) seconds, an exact Fraction; the layer is compute-bound when
  F / peak ≥ B / bandwidth, memory-bound otherwise;
* the network's time is the sum over layers (the input node moves nothing and takes no time).

Caches, overlap between layers, kernel launch costs and utilisation below the peak are ignored: every one of
them makes real time longer, never shorter.
"""

from __future__ import annotations

from fractions import Fraction

from cnncalc.record import record

COMPUTE = "compute"
MEMORY = "memory"


@record
class LayerTime:
    name: str
    flops: int
    weight_bytes: int
    input_bytes: int
    output_bytes: int
    bytes: int                # weight + input + output bytes
    intensity: Fraction       # flops / bytes
    bound: str                # COMPUTE or MEMORY
    seconds: Fraction


@record
class Roofline:
    device: str
    dtype: str
    batch: int
    peak: int                 # operations per second at the dtype
    bandwidth: int            # bytes per second
    ridge: Fraction           # peak / bandwidth: the intensity above which a layer is compute-bound
    layers: tuple             # LayerTime per layer, in the report's order
    flops: int
    bytes: int
    seconds: Fraction         # the sum of the layers' times


def _bytes(elements: int, bits: int) -> int:
    return -(-elements * bits // 8)


def estimate(report, device, dtype: str = "float32", batch: int = 1) -> Roofline:
    """The roofline estimate of an analysed network on a device (cnncalc.devices.Device). A device without
    a peak for ``dtype`` is refused (ValueError naming the dtypes it has)."""
    from cnncalc.analysis import DTYPE_BITS
    if dtype not in device.peak:
        raise ValueError(f"the device '{device.name}' has no peak for {dtype}; it has: {', '.join(device.peak)}")
    bits = DTYPE_BITS[dtype]
    peak, bandwidth = device.peak[dtype].value, device.bandwidth.value
    elements = {row.name: row.activation_elements * batch for row in report.rows}
    owners = {row.name: row for row in report.rows} if any(row.shares for row in report.rows) else {}
    layers = []
    for row in report.rows:
        if not row.inputs:
            continue
        flops = row.flops * batch
        weights = owners[row.shares] if row.shares else row      # tied weights are read at every use
        weight = _bytes(weights.params + weights.state, bits)
        read = sum(_bytes(elements[name], bits) for name in dict.fromkeys(row.inputs))
        written = _bytes(elements[row.name], bits)
        moved = weight + read + written
        compute, memory = Fraction(flops, peak), Fraction(moved, bandwidth)
        layers.append(LayerTime(name=row.name, flops=flops, weight_bytes=weight, input_bytes=read,
                                output_bytes=written, bytes=moved, intensity=Fraction(flops, moved),
                                bound=COMPUTE if compute >= memory else MEMORY, seconds=max(compute, memory)))
    return Roofline(device=device.name, dtype=dtype, batch=batch, peak=peak, bandwidth=bandwidth,
                    ridge=Fraction(peak, bandwidth), layers=tuple(layers), flops=sum(t.flops for t in layers),
                    bytes=sum(t.bytes for t in layers), seconds=sum((t.seconds for t in layers), Fraction(0)))
