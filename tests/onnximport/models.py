"""ONNX models built in the tests with onnx.helper (no torch): a chain or graph of nodes on one input."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def weights(*shape):
    return np.zeros(shape, dtype=np.float32)


def save(path, nodes, input_shape, initializers=None, output=None, opset=17, input_name="x"):
    """Write a model: ``nodes`` (onnx NodeProto) on input ``x`` of ``input_shape`` (batch axis included, ints
    or names), ``initializers`` a dict name → numpy array, the output the last node's first output."""
    output = output or nodes[-1].output[0]
    graph = helper.make_graph(
        nodes, "test",
        [helper.make_tensor_value_info(input_name, TensorProto.FLOAT, list(input_shape))],
        [helper.make_tensor_value_info(output, TensorProto.FLOAT, None)],
        [numpy_helper.from_array(np.asarray(v), k) for k, v in (initializers or {}).items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    onnx.save(model, str(path))
    return str(path)


def const(name, value):
    """A Constant node giving ``value`` (numpy) as tensor ``name``."""
    return helper.make_node("Constant", [], [name], name=name, value=numpy_helper.from_array(np.asarray(value)))


node = helper.make_node


def help_example_models(folder) -> None:
    """The files `cnncalc import --help`'s examples name, as small stand-ins: resnet18.onnx (fixed input) and
    model.onnx (symbolic height and width, so its example gives --input)."""
    for name, shape in (("resnet18.onnx", [1, 3, 224, 224]), ("model.onnx", ["batch", 3, "h", "w"])):
        nodes = [node("Conv", ["x", "w"], ["c"], name="conv1", strides=[2, 2], pads=[3, 3, 3, 3]),
                 node("Relu", ["c"], ["y"], name="relu")]
        save(f"{folder}/{name}", nodes, shape, {"w": weights(64, 3, 7, 7)})
