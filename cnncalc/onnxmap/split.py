"""ONNX Split along the channels → ``split`` (cnncalc/layers/split.py), part i named ``NAME.i``; channel
Slices that together split the channels are one split too (cnncalc/onnximport/patterns.py)."""

from __future__ import annotations

from cnncalc.layers.split import Split
from cnncalc.onnxmap.structure import channel_axis
from cnncalc.onnximport.mapping import attrs, maps
from cnncalc.onnximport.patterns import split_args
from cnncalc.onnximport.translate import Translator


@maps("Split")
def split(t: Translator, node) -> None:
    """`split` along the channels (`parts` or `sizes`; part *i* is `NAME.i`); other axes are refused"""
    x = t.act(node, any_layout=True)
    axis = int(attrs(node).get("axis", 0))
    channel_axis(x, axis)
    sizes = [t.shape(name)[axis] for name in node.output]
    t.emit(node, Split, split_args(sizes), [x], perm=x.perm, parts=list(node.output))
