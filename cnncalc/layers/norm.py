"""Normalisation and regularisation layers."""

from __future__ import annotations

from cnncalc.errors import LayerArgError
from cnncalc.layers.base import BOOLEAN, KEEPS_INPUT, NUMBER, Facts, Kept, Layer, arg, register
from cnncalc.record import record
from cnncalc.shapes import product


@register("batchnorm")
@record
class BatchNorm(Layer):
    """Batch normalisation over the channel axis. Parameters γ and β (2·C, if affine); state: the
    running mean and variance (2·C). FLOPs at inference: 2 per element (the per-channel scale and shift
    are folded constants: one multiply, one add)."""

    flops_rule = "2 per element (inference: the per-channel scale and shift are folded constants; multiply, add)"

    in_place = True         # at inference: a per-channel scale and shift
    saves_rule = "its input, and the batch mean and inverse standard deviation: 2·C fp32 values, not per sample"

    def saved_for_backward(self, inputs, output) -> tuple:
        # the input, and the batch mean and inverse standard deviation (fp32, per channel, not per sample)
        return KEEPS_INPUT + (Kept(elements=2 * output[0], bits=32, per_sample=False),)

    affine: bool = arg(BOOLEAN, "learnable γ and β", True)
    track_running_stats: bool = arg(BOOLEAN, "keep running mean and variance (state)", True)
    eps: float = arg(NUMBER, "ε added to the variance (does not change any count)", 1e-5)
    momentum: float = arg(NUMBER, "running-statistics momentum (does not change any count)", 0.1)

    def infer(self, inputs) -> Facts:
        (shape,) = inputs
        channels = shape[0]
        return Facts(output=tuple(shape),
                     params=2 * channels if self.affine else 0,
                     state=2 * channels if self.track_running_stats else 0,
                     flops=2 * product(shape))


@register("dropout")
@record
class Dropout(Layer):
    """Dropout: the identity at inference, so 0 FLOPs."""

    flops_rule = "0 (the identity at inference)"

    in_place = True

    saves_rule = "a mask of its output's size, at the activation dtype (torch on CPU; on CUDA a 1-byte mask)"

    def saved_for_backward(self, inputs, output) -> tuple:
        # the mask, one element per output element at the activation dtype (torch on CPU; CUDA: 1 byte)
        return (Kept(elements=product(output)),)

    rate: float = arg(NUMBER, "probability of dropping an element, 0 ≤ rate < 1", 0.5)

    def validate(self) -> None:
        if not 0 <= self.rate < 1:
            raise LayerArgError(f"'rate' must be in [0, 1), got {self.rate}", "rate")

    def infer(self, inputs) -> Facts:
        (shape,) = inputs
        return Facts(output=tuple(shape))
