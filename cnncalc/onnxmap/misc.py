"""ONNX Reshape, Squeeze, Unsqueeze, Pad and LRN → ``reshape`` (or ``flatten`` to [N, F]), ``pad``, ``lrn``
(cnncalc/layers/misc.py); Reshape → Transpose → Reshape is a ``channel_shuffle``
(cnncalc/onnximport/patterns.py)."""

from __future__ import annotations

from cnncalc.layers.misc import LRN, Pad, Reshape
from cnncalc.layers.structure import Flatten
from cnncalc.onnximport.mapping import Unmapped, attrs, differing, float32, maps, padding
from cnncalc.onnximport.patterns import channel_shuffle, pixel_rearrangement
from cnncalc.onnximport.translate import Act, Translator, identity
from cnncalc.onnxmap.tensor import batch_at, batch_one, materialised, own_layout
from cnncalc.shapes import product

# ONNX's defaults of LRN
LRN_ALPHA, LRN_BETA, LRN_BIAS = 0.0001, 0.75, 1.0
PAD_MODES = {"constant": "constant", "reflect": "reflect", "edge": "replicate"}    # ONNX's → cnncalc's


def _new_shape(t: Translator, node, x: Act, before, after) -> None:
    """``x`` of shape ``before`` as ``after`` (batch axis first in both, the same): flatten to [N, F], else
    reshape."""
    if len(after) == 2 and len(before) > 2:
        t.emit(node, Flatten, {}, [x])
    else:
        t.emit(node, Reshape, {"shape": [int(n) for n in after[1:]]}, [x])


def unit_batch_reshape(t: Translator, node, before: tuple, after: tuple) -> None:
    """A Reshape, Squeeze or Unsqueeze of a model of batch 1 that moves, merges or splits the (unit) batch
    axis (nn.MultiheadAttention's [L, N·heads, d], Swin's windows [N·windows, 49, C]): a ``reshape`` of the
    node's per-sample axes. The output holds the batch axis at the unit axis that starts where the input's
    batch axis starts (the same elements before it), or, when the input has none, at its first unit axis;
    else none (:func:`cnncalc.onnxmap.tensor.batch_at`)."""
    x = materialised(t, node)
    b = batch_at(x.perm)
    if b is None:
        j = next((k for k, n in enumerate(after) if n == 1), None)      # the first unit axis
    else:
        start = product(before[:b])
        j = next((k for k, n in enumerate(after) if n == 1 and product(after[:k]) == start), None)
    kept_before = [n for k, n in enumerate(before) if k != b]
    kept_after = [int(n) for k, n in enumerate(after) if k != j]
    if not kept_after:
        raise Unmapped(f"{list(before)} → {list(after)} leaves no axis besides the batch axis")
    perm = own_layout(len(after), j)
    if kept_after == kept_before:
        return t.alias(node, x, perm)
    t.emit(node, Reshape, {"shape": kept_after}, [x], perm=perm)


@maps("Reshape")
def reshape(t: Translator, node) -> None:
    """`flatten` to [N, F], else `reshape` of any rank (its target folded; of a transposed tensor, after a
    `permute`); to the same shape, no layer; across the batch axis: refused, unless the batch is 1 (then a
    `reshape` of the other axes, the batch axis kept where it starts at the same element, or merged away)

    Reshape → Transpose → Reshape is one ``channel_shuffle``
    (:func:`cnncalc.onnximport.patterns.channel_shuffle`), or from a 6-D shape one ``pixel_unshuffle`` or
    ``pixel_shuffle`` (:func:`cnncalc.onnximport.patterns.pixel_rearrangement`)."""
    before, after = t.shape(node.input[0]), t.shape(node.output[0])
    if batch_one(t) and (after[0] != before[0] or batch_at(t.act(node, any_layout=True).perm) != 0):
        return unit_batch_reshape(t, node, before, after)
    if after[0] != before[0]:
        raise Unmapped(f"reshapes {list(before)} to {list(after)}, across the batch axis")
    if t.act(node, any_layout=True).perm != identity(len(before)):
        return _new_shape(t, node, materialised(t, node), before, after)     # the transposed tensor's own axes
    x = t.act(node)
    if channel_shuffle(t, node, x, before, after) or pixel_rearrangement(t, node, x, before, after):
        return
    if after == before:
        return t.alias(node, x)
    _new_shape(t, node, x, before, after)


@maps("Squeeze", "Unsqueeze")
def squeeze(t: Translator, node) -> None:
    """`flatten` to [N, F], else `reshape` (of a transposed tensor, after a `permute`); refused when it changes
    the batch axis or leaves no channel axis, unless the batch is 1 (as Reshape)"""
    before, after = t.shape(node.input[0]), t.shape(node.output[0])
    if batch_one(t) and after and (after[0] != before[0] or batch_at(t.act(node, any_layout=True).perm) != 0):
        return unit_batch_reshape(t, node, before, after)
    if not after or after[0] != before[0] or (len(before) > 1 and len(after) < 2):
        raise Unmapped(f"{list(before)} → {list(after)} changes the batch axis or leaves no channel axis")
    _new_shape(t, node, materialised(t, node), before, after)


@maps("Pad")
def pad(t: Translator, node) -> None:
    """`pad`: `constant` (its value), `reflect`, `edge` → `replicate`; the batch and channel axes must be
    unpadded; negative pads (a crop) are refused; pads of 0 are no layer"""
    a = attrs(node)
    rank = len(t.shape(node.input[0]))
    given = t.const(node, 1, "pads")
    if given is not None and not given.any() and t.shape(node.output[0]) == t.shape(node.input[0]):
        return t.alias(node, t.act(node, any_layout=True))       # no padding (Swin's pad to whole windows)
    x = t.act(node)
    pads = [int(v) for v in (given if given is not None else a.get("pads", [0] * 2 * rank))]
    axes = t.const(node, 3, "axes")
    if axes is not None:
        full = [0] * 2 * rank
        for j, axis in enumerate(int(v) % rank for v in axes):
            full[axis], full[rank + axis] = pads[j], pads[len(axes) + j]
        pads = full
    pairs = list(zip(pads[:rank], pads[rank:]))
    if any(p != (0, 0) for p in pairs[:2]) or any(v < 0 for v in pads):
        raise Unmapped("pads the batch or channel axis, or crops (negative pads)")
    mode = PAD_MODES.get(a.get("mode", "constant"))
    if mode is None:
        raise Unmapped(f"mode {a.get('mode')}")
    value = t.const(node, 2, "value")
    value = float(value) if value is not None and value.size else float(a.get("value", 0.0))
    t.emit(node, Pad, {"padding": padding(pairs[2:]), **differing(Pad, mode=mode, value=value)}, [x])


@maps("LRN")
def lrn(t: Translator, node) -> None:
    """`lrn`: `size`, `alpha`, `beta`, `bias` → `k`"""
    a = attrs(node)
    if "size" not in a:
        raise t.fail(node, "it has no size")
    args = differing(LRN, size=int(a["size"]), alpha=float32(a.get("alpha", LRN_ALPHA)),
                     beta=float32(a.get("beta", LRN_BETA)), k=float32(a.get("bias", LRN_BIAS)))
    t.emit(node, LRN, args, [t.act(node)])
