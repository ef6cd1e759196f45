"""ONNX ReduceL2, as the first node of ConvNeXt V2's global response normalisation → ``grn``
(cnncalc/layers/grn.py; the pattern is cnncalc/onnximport/patterns.py's :func:`global_response_norm`)."""

from __future__ import annotations

from cnncalc.onnximport.mapping import Unmapped, maps
from cnncalc.onnximport.patterns import global_response_norm
from cnncalc.onnximport.translate import Translator


@maps("ReduceL2")
def reduce_l2(t: Translator, node) -> None:
    """only as the first node of ConvNeXt V2's GRN (one `grn`); any other ReduceL2 is refused

    The pattern is :func:`cnncalc.onnximport.patterns.global_response_norm`."""
    if not global_response_norm(t, node):
        raise Unmapped("a ReduceL2 that is not the norm of ConvNeXt V2's global response normalisation")
