"""local and tiled_conv (cnncalc/layers/local.py) cannot be written as ONNX."""

from cnncalc.onnxexport import cannot_write

cannot_write("ONNX has no operator with weights that differ by output position (a locally connected layer "
             "would have to be written as one Conv per position, which reads back as that many layers)",
             "local", "tiled_conv")
