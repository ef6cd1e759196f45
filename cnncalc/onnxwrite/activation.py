"""ONNX writers of the activations (cnncalc/layers/activation.py), each as the operator (or pattern) that
cnncalc/onnxmap/activation.py reads back as the same layer."""

from __future__ import annotations

from cnncalc.onnxexport import writes

_ONE_OP = {"relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh", "hardswish": "HardSwish"}


@writes(*_ONE_OP)
def one_op(b, node, in_shapes, out_shape, weights):
    b.op(_ONE_OP[node.layer.type_name], b.inputs(node), node.name)


@writes("relu6")
def relu6(b, node, in_shapes, out_shape, weights):
    b.op("Clip", b.inputs(node) + [b.constant(f"{node.name}.min", 0.0), b.constant(f"{node.name}.max", 6.0)],
         node.name)


@writes("hardsigmoid")
def hardsigmoid(b, node, in_shapes, out_shape, weights):
    b.op("HardSigmoid", b.inputs(node), node.name, alpha=1 / 6, beta=0.5)      # PyTorch's, as cnncalc's


@writes("silu")
def silu(b, node, in_shapes, out_shape, weights):
    (x,) = b.inputs(node)
    gate = b.op("Sigmoid", [x], f"{node.name}.gate")
    b.op("Mul", [x, gate], node.name)


@writes("leaky_relu")
def leaky_relu(b, node, in_shapes, out_shape, weights):
    b.op("LeakyRelu", b.inputs(node), node.name, alpha=float(node.layer.negative_slope))


@writes("elu")
def elu(b, node, in_shapes, out_shape, weights):
    b.op("Elu", b.inputs(node), node.name, alpha=float(node.layer.alpha))


@writes("softmax")
def softmax(b, node, in_shapes, out_shape, weights):
    b.op("Softmax", b.inputs(node), node.name, axis=node.layer.along(in_shapes[0]) + 1)     # the batch axis is 0


@writes("gelu")
def gelu(b, node, in_shapes, out_shape, weights):
    """opset 17 has no Gelu: x / √2 → Erf → + 1 → · x → · ½ (tanh form: refused), as exporters write it and
    the importer reads it back as one gelu named after the Div node's module (this layer's name)."""
    from cnncalc.onnxexport import ExportRefused
    if node.layer.approximate != "none":
        raise ExportRefused(f"layer '{node.name}' (gelu): the tanh approximation has no ONNX operator before "
                            "opset 20")
    import math
    (x,) = b.inputs(node)
    name = node.name
    scaled = b.op("Div", [x, b.constant(f"{name}.sqrt2", math.sqrt(2))], f"{name}.scaled", name=f"{name}.Div")
    erf = b.op("Erf", [scaled], f"{name}.erf")
    plus = b.op("Add", [erf, b.constant(f"{name}.one", 1.0)], f"{name}.plus_one")
    times = b.op("Mul", [x, plus], f"{name}.times_x")
    b.op("Mul", [times, b.constant(f"{name}.half", 0.5)], name)
