"""ONNX DepthToSpace and SpaceToDepth → ``pixel_shuffle`` and ``pixel_unshuffle`` (cnncalc/layers/pixel.py);
the 6-D Reshape → Transpose → Reshape of a space-to-depth is matched from its Reshape
(cnncalc/onnximport/patterns.py, :func:`~cnncalc.onnximport.patterns.space_to_depth`)."""

from __future__ import annotations

from cnncalc.layers.pixel import PixelShuffle, PixelUnshuffle
from cnncalc.onnximport.mapping import Unmapped, attrs, differing, maps
from cnncalc.onnximport.translate import Translator

# ONNX's modes → pixel_shuffle's orders
MODES = {"CRD": "crd", "DCR": "dcr"}


@maps("DepthToSpace")
def depth_to_space(t: Translator, node) -> None:
    """`pixel_shuffle`: `blocksize` → `factor`; mode `CRD` (torch's nn.PixelShuffle) or `DCR` (ONNX's default)
    → `order`"""
    a = attrs(node)
    order = MODES.get(a.get("mode", "DCR"))
    if order is None:
        raise Unmapped(f"mode {a.get('mode')}")
    t.emit(node, PixelShuffle, {"factor": int(a["blocksize"]), **differing(PixelShuffle, order=order)},
           [t.act(node)])


@maps("SpaceToDepth")
def space_to_depth(t: Translator, node) -> None:
    """`pixel_unshuffle` with `order: dcr` (ONNX's channel order): `blocksize` → `factor`"""
    t.emit(node, PixelUnshuffle, {"factor": int(attrs(node)["blocksize"]), "order": "dcr"}, [t.act(node)])
