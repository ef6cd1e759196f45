"""ONNX writers of relative_position_bias and shifted_window_mask (cnncalc/layers/attention.py): refused."""

from cnncalc.onnxexport import cannot_write

cannot_write("ONNX has no relative-position-bias operator: written as a Gather of the table and an Add it would "
             "read back as an add of a constant, not the layer with its table", "relative_position_bias")

cannot_write("cnncalc's ONNX writer has no constant tensors yet: the mask would be an Add of a constant "
             "[windows, 1, N, N] (cnncalc's import reads that back as this layer)", "shifted_window_mask")
