"""ONNX writer of relative_position_bias (cnncalc/layers/attention.py): refused."""

from cnncalc.onnxexport import cannot_write

cannot_write("ONNX has no relative-position-bias operator: written as a Gather of the table and an Add it would "
             "read back as an add of a constant, not the layer with its table", "relative_position_bias")
