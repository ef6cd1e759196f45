"""The ONNX mappings of the built-in layer types: ``onnxmap/<module>.py`` maps the ONNX operators that become
the types defined in ``layers/<module>.py`` (the companion rule of :mod:`cnncalc.layers`), each handler
registered with :func:`cnncalc.onnximport.mapping.maps`. Imported only by the ONNX importer."""
