"""The proposed rule set: what each layer type keeps for its backward pass (docs/memory.md, "Training
memory"), written as ``saves(row)`` for cnncalc.training. Evidence for each rule: torch 2.13's autograd
saved tensors (test_saved_parity.py). In the second round each rule moves into its layer class as a
``saves_for_backward`` method; until then the table lives here, with the tests.

A view (flatten, reshape) shares its input's storage, so a rule keeping a view's output keeps the storage
of the tensor the view was taken from (``root``).
"""

from __future__ import annotations

from cnncalc.shapes import product
from cnncalc.training import Saved

VIEWS = {"flatten", "reshape"}


def rules_for(report):
    rows = {row.name: row for row in report.rows}

    def root(name):
        while rows[name].type in VIEWS:
            name = rows[name].inputs[0]
        return name

    def keep_input(row):
        return (Saved(tensor=root(row.inputs[0])),)

    def keep_output(row):
        return (Saved(tensor=root(row.name)),)

    def batchnorm(row):        # the input, and the batch mean and inverse std (fp32, per channel)
        return (Saved(tensor=root(row.inputs[0])), Saved(elements=2 * row.output_shape[0], bits=32,
                                                         per_sample=False))

    def max_indices(row):      # the input, and the argmax of every output element (int64)
        return (Saved(tensor=root(row.inputs[0])), Saved(elements=product(row.output_shape), bits=64))

    def dropout_mask(row):     # the mask, one element per output element at the activation dtype (CPU)
        return (Saved(elements=product(row.output_shape)),)

    def nothing(row):
        return ()

    table = {
        "input": nothing, "flatten": nothing, "reshape": nothing, "concat": nothing, "add": nothing,
        "pad": nothing, "global_avgpool": nothing, "adaptive_avgpool": nothing,
        "conv": keep_input, "conv_transpose": keep_input, "depthwise_conv": keep_input, "dense": keep_input,
        "avgpool": keep_input,
        "relu": keep_output, "tanh": keep_output, "sigmoid": keep_output, "softmax": keep_output,
        "relu6": keep_input, "leaky_relu": keep_input, "elu": keep_input, "gelu": keep_input,
        "batchnorm": batchnorm, "maxpool": max_indices, "global_maxpool": max_indices,
        "adaptive_maxpool": max_indices, "dropout": dropout_mask,
    }

    def saves(row):
        return table[row.type](row)
    return saves
