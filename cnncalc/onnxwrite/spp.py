"""spp (cnncalc/layers/spp.py) cannot be written as ONNX."""

from cnncalc.onnxexport import cannot_write

cannot_write("ONNX has no spatial-pyramid-pooling operator: written as its pools, flattens and a concat it "
             "would read back as those layers, not one spp", "spp")
