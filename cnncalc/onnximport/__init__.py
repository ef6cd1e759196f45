"""ONNX models in (docs/onnx.md): an ONNX graph → a cnncalc spec, read by the ordinary spec reader.

Imported only for a ``.onnx`` source, never on the YAML path; the ``onnx`` package (the ``onnx`` extra) and
numpy are imported only here. The importer writes a spec document, one entry per layer named from the graph
(:func:`spec_document`, :func:`spec_text`); :func:`read_onnx` parses that text as any spec, so
``cnncalc import`` output and ``cnncalc analyze model.onnx`` give the same figures by construction.

* ``graph``: loading, the input shape, ONNX shape inference, and the folding of constant subgraphs;
* ``translate``: the walk over the nodes, each to its operator's handler; the entries, named from the graph;
  the unmapped nodes collected and refused;
* ``mapping``: what a handler is (``@maps("Conv")``) and where they are found: the ``onnxmap`` companion of
  every layer type (``cnncalc/onnxmap/<layer module>.py`` for the built-in ones, a plug-in's own), with the
  helpers they share (attributes, the layer types' defaults);
* ``patterns``: the nodes that are one layer together (x·sigmoid(x) → silu, MatMul + bias, channel shuffle,
  GELU's erf form, channel slices → split);
* ``writer``: entries → readable YAML.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from cnncalc.spec.document import ReadLimits, Spec

EXTRA_HINT = "reading an ONNX model needs the onnx extra: pip install 'cnncalc[onnx]'"


def is_onnx(path: str) -> bool:
    """Whether a source path names an ONNX model (by its suffix, as the spec reader decides)."""
    return isinstance(path, str) and path.lower().endswith(".onnx")


def spec_document(path: str, input_shape: Optional[tuple] = None) -> dict:
    """The spec of the ONNX model at ``path`` as a dict (name, description, input, layers)."""
    from cnncalc.onnximport.graph import load
    from cnncalc.onnximport.translate import translate
    return translate(load(path, input_shape))


def spec_text(path: str, input_shape: Optional[tuple] = None) -> str:
    """The spec of the ONNX model at ``path`` as YAML text (what `cnncalc import` writes)."""
    from cnncalc.onnximport.writer import dump
    return dump(spec_document(path, input_shape))


def read_onnx(path: str, input_shape: Optional[tuple], read_limits: "ReadLimits", overrides=None) -> "Spec":
    """The :class:`Spec` of an ONNX model: its imported spec text, parsed as any spec (it has no
    arguments, so any ``overrides`` is an error naming none)."""
    from cnncalc.spec.document import parse_spec
    return parse_spec(spec_text(path, input_shape), path, None, read_limits, overrides)
