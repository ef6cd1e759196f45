"""netvlad (cnncalc/layers/vlad.py) cannot be written as ONNX."""

from cnncalc.onnxexport import cannot_write

cannot_write("ONNX has no NetVLAD operator: written as its soft-assignment, residual and normalisation steps "
             "it would read back as other layers, not one netvlad", "netvlad")
