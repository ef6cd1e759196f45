"""PyTorch writers (``cnncalc export --to pytorch``): the writer of each layer type, in the module named as
its layer module (cnncalc/layers/<module>.py → cnncalc/pytorch/<module>.py), registered with
:func:`cnncalc.export.code.writes` and found by :func:`cnncalc.export.code.writer_for`. Imported only by the
export; no module here imports torch."""
