"""ONNX writers of the built-in layer types, one module per layer module (cnncalc/onnxexport)."""
