"""depthwise_conv and separable_conv (cnncalc/layers/separable.py) are not written yet."""

from cnncalc.onnxexport import cannot_write

cannot_write("ONNX has no separable convolution: written as its two Conv nodes it would read back as two conv "
             "layers (the same totals, other rows)", "separable_conv")
