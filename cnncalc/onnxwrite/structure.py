"""ONNX writers of the structural layers (cnncalc/layers/structure.py): the input is the graph's input."""

from __future__ import annotations

from cnncalc.onnxexport import ExportRefused, writes


@writes("input")
def network_input(b, node, in_shapes, out_shape, weights):
    """The graph's input: no node (cnncalc.onnxexport.export names the graph input after it)."""


@writes("flatten")
def flatten(b, node, in_shapes, out_shape, weights):
    b.op("Flatten", b.inputs(node), node.name, axis=1)


@writes("concat")
def concat(b, node, in_shapes, out_shape, weights):
    b.op("Concat", b.inputs(node), node.name, axis=1)


@writes("add")
def add(b, node, in_shapes, out_shape, weights):
    inputs = b.inputs(node)
    b.op("Add" if len(inputs) == 2 else "Sum", inputs, node.name)


@writes("mul")
def mul(b, node, in_shapes, out_shape, weights):
    inputs = b.inputs(node)
    if len(inputs) != 2:
        raise ExportRefused(f"layer '{node.name}' (mul): ONNX's Mul takes two inputs; a chain of them would read "
                            f"back as {len(inputs) - 1} layers")
    b.op("Mul", inputs, node.name)
