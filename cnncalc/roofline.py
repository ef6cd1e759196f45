"""A latency estimate by the roofline model (Williams, Waterman and Patterson, CACM 2009): a lower bound on
the time of a forward pass, not a measurement.

Per layer, at ``bits`` per element and ``batch`` samples (docs/conventions.md, "Roofline"):

* work F = the layer's FLOPs × batch (cnncalc's FLOPs: 2·MACs + bias + elementwise work), less 2 FLOPs for
  each MAC of a window tap that falls on padding (``padding_taps``: a runtime need not do them);
* bytes moved B = weights read (parameters + state) + every distinct input read + the output written,
  each tensor ceil(elements · bits / 8) bytes (activations × batch; weights once per pass, and tied
  weights ('share:') at every use: each use is its own kernel, and caches are not modelled);
* arithmetic intensity I = F / B (FLOPs per byte, an exact Fraction);
* time t = max(F / peak, B / bandwidth) seconds, an exact Fraction; the layer is compute-bound when
  F / peak ≥ B / bandwidth, memory-bound otherwise;
* the network's time is the sum over layers (the input node moves nothing and takes no time).

The rows are those of the deployed network (cnncalc.deploy) of the runtime the bound assumes: ``--runtime``,
or, when it is eager (the default), the device's own (the first of its ``runtimes``: ``fused`` for the GPUs
and CPUs, as TensorRT and ONNX Runtime run a network). A folded batch norm and a fused activation or add then
move no bytes of their own; the deployed graph of the most-fusing runtime moves the fewest bytes, so its
bound is a bound for any runtime that fuses less. Caches, overlap between layers, kernel launch costs and
utilisation below the peak are ignored: every one of them makes real time longer, never shorter.

Each layer's ``kind`` (the kind of work, cnncalc.devices.KINDS) is what the estimate (cnncalc.estimate)
reads the device's efficiency for.
"""

from __future__ import annotations

from fractions import Fraction

from cnncalc.record import record
from cnncalc.shapes import product

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
    kind: str = ""            # the kind of work (cnncalc.devices.KINDS)


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
    runtime: str = "eager"    # the runtime whose deployed network the rows are
    arithmetic: str = ""      # the arithmetic the peak is of when not the dtype's own ('tf32')


def _bytes(elements: int, bits: int) -> int:
    return -(-elements * bits // 8)


def kind_of(row, layer, input_shapes) -> str:
    """The kind of work of a (deployed) row, from its figures and the layer's traits, never its type name:
    no MACs: ``pooling`` when it does arithmetic (FLOPs) and its one input has more elements than its output
    (a window or global reduction), else ``elementwise`` (activations, adds, concatenations, views, and the
    slices of a split or a crop); with MACs: ``depthwise`` when each
    output channel reads only its own input channel (``Layer.channelwise``), ``matmul`` when the output has
    no spatial axes (dense, linear) or its MACs have no weights (they multiply two activations: attention's
    products), ``pointwise`` when each output element takes exactly C_in MACs (a 1×1 convolution), else
    ``conv``."""
    if row.macs == 0:
        if row.flops and len(input_shapes) == 1 and product(input_shapes[0]) > product(row.output_shape):
            return "pooling"
        return "elementwise"
    if layer is not None and layer.channelwise(input_shapes):
        return "depthwise"
    if len(row.output_shape) <= 1 or (row.params == 0 and not row.shares):
        return "matmul"
    if input_shapes and row.macs == product(row.output_shape) * input_shapes[0][0]:
        return "pointwise"
    return "conv"


def padding_taps(row, layer, input_shape) -> int:
    """The MACs of a sliding-window layer's taps that fall on padding, not on its input: a runtime need not
    do them (onnxruntime skips them: DeepLabV3's ASPP convolutions of dilation 24 and 36, most of whose taps
    overhang a 33×33 map, run 1.7× and 4× faster than the one of dilation 12), so the bound's work leaves
    them out. Per spatial axis, the taps of output position o that read the input are the k in [0, K) with
    0 ≤ o·stride − pad_before + k·dilation < n; the share of the MACs on the input is the product over the
    axes of those counts over out·K (rounded so that the MACs kept are never more than the exact share), of the
    MACs that are such taps (``Sliding.window_macs``: none of a transposed convolution, whose padding crops
    its output; a separable convolution's depthwise half)."""
    from cnncalc.layers.sliding import Sliding
    if not isinstance(layer, Sliding) or not row.macs or input_shape is None or len(input_shape) < 2:
        return 0
    try:
        geo = layer.geometry(tuple(input_shape))
        tapped = layer.window_macs(tuple(input_shape), row.macs)
    except ValueError:         # LayerArgError among them: a window this geometry does not describe: keep every tap
        return 0
    if not tapped:
        return 0
    if tuple(geo.output) != tuple(row.output_shape[1:]):
        return 0
    inside, every = 1, 1
    for n, k, s, d, (before, _), out in zip(input_shape[1:], geo.kernel, geo.stride, geo.dilation, geo.padding,
                                            geo.output):
        inside *= sum(1 for o in range(out) for j in range(k) if 0 <= o * s - before + j * d < n)
        every *= out * k
    return tapped - tapped * inside // every


def estimate(report, device, dtype: str = "float32", batch: int = 1, graph=None, runtime: str = "eager") -> Roofline:
    """The roofline bound of an analysed network on a device (cnncalc.devices.Device); ``graph`` (the analysed
    one) gives the layers' traits for each layer's kind of work, ``runtime`` names the runtime whose deployed
    network ``report`` is. A device without a peak for ``dtype`` is refused (ValueError naming the dtypes it
    has)."""
    from cnncalc.analysis import DTYPE_BITS
    if dtype not in device.peak:
        raise ValueError(f"the device '{device.name}' has no peak for {dtype}; it has: {', '.join(device.peak)}")
    bits = DTYPE_BITS[dtype]
    peak, bandwidth = device.peak[dtype].value, device.bandwidth.value
    elements = {row.name: row.activation_elements * batch for row in report.rows}
    shapes = {row.name: row.output_shape for row in report.rows}
    owners = {row.name: row for row in report.rows} if any(row.shares for row in report.rows) else {}
    layers = []
    for row in report.rows:
        if not row.inputs:
            continue
        layer = graph.nodes[row.name].layer if graph is not None and row.name in graph.nodes else None
        flops = (row.flops - 2 * padding_taps(row, layer, shapes[row.inputs[0]])) * batch
        weights = owners[row.shares] if row.shares else row      # tied weights are read at every use
        weight = _bytes(weights.params + weights.state, bits)
        read = sum(_bytes(elements[name], bits) for name in dict.fromkeys(row.inputs))
        written = _bytes(elements[row.name], bits)
        moved = weight + read + written
        compute, memory = Fraction(flops, peak), Fraction(moved, bandwidth)
        kind = kind_of(row, layer, [shapes[name] for name in row.inputs])
        layers.append(LayerTime(name=row.name, flops=flops, weight_bytes=weight, input_bytes=read,
                                output_bytes=written, bytes=moved, intensity=Fraction(flops, moved),
                                bound=COMPUTE if compute >= memory else MEMORY, seconds=max(compute, memory),
                                kind=kind))
    return Roofline(device=device.name, dtype=dtype, batch=batch, peak=peak, bandwidth=bandwidth,
                    ridge=Fraction(peak, bandwidth), layers=tuple(layers), flops=sum(t.flops for t in layers),
                    bytes=sum(t.bytes for t in layers), seconds=sum((t.seconds for t in layers), Fraction(0)),
                    runtime=runtime, arithmetic=device.peak[dtype].arithmetic)
