"""An activation times a constant with one value per channel → ``scale`` (cnncalc/layers/scale.py), ConvNeXt's
layer scale: the Mul of a constant (cnncalc/onnxmap/structure.py maps the Mul of activations)."""

from __future__ import annotations

from cnncalc.layers.scale import Scale
from cnncalc.onnximport.mapping import Unmapped
from cnncalc.onnximport.translate import Translator


def scale(t: Translator, node) -> None:
    """The Mul ``node`` of an activation and a constant."""
    i = 0 if node.input[0] in t.acts else 1
    x = t.act(node, i, any_layout=True)
    value = t.model.consts[node.input[1 - i]]
    shape = t.shape(node.input[i])
    sizes = [1] * (len(shape) - value.ndim) + list(value.shape)
    channel = x.perm.index(1)
    if len(sizes) != len(shape) or sizes[channel] != shape[channel] or \
            any(n != 1 for axis, n in enumerate(sizes) if axis != channel):
        raise Unmapped(f"multiplies by a constant of shape {list(value.shape)}; cnncalc maps one value per "
                       f"channel (scale)")
    t.emit(node, Scale, {}, [x], perm=x.perm)
