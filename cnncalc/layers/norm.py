"""Normalisation and regularisation layers: batchnorm (running statistics), layer, group and instance
normalisation (each sample's own statistics), dropout."""

from __future__ import annotations

from cnncalc.errors import LayerArgError
from cnncalc.layers.base import (BOOLEAN, FOLDS, KEEPS_INPUT, NUMBER, POSITIVE_INT, Facts, Kept, Layer, arg, choice, register,
                                 spatial_axes)
from cnncalc.record import record
from cnncalc.shapes import product


def eps_arg():
    """The ε argument every normalisation takes (torch's default 1e-5)."""
    return arg(NUMBER, "ε added to the variance (does not change any count)", 1e-5)


@register("batchnorm")
@record
class BatchNorm(Layer):
    """Batch normalisation over the channel axis. Parameters γ and β (2·C, if affine); state: the
    running mean and variance (2·C). FLOPs at inference: 2 per element (the per-channel scale and shift
    are folded constants: one multiply, one add)."""

    flops_rule = "2 per element (inference: the per-channel scale and shift are folded constants; multiply, add)"

    in_place = True         # at inference: a per-channel scale and shift
    fuses = FOLDS           # ... which folds into the weights and bias of a preceding conv or dense layer
    saves_rule = "its input, and the batch mean and inverse standard deviation: 2·C fp32 values, not per sample"

    def saved_for_backward(self, inputs, output) -> tuple:
        # the input, and the batch mean and inverse standard deviation (fp32, per channel, not per sample)
        return KEEPS_INPUT + (Kept(elements=2 * output[0], bits=32, per_sample=False),)

    affine: bool = arg(BOOLEAN, "learnable γ and β", True)
    track_running_stats: bool = arg(BOOLEAN, "keep running mean and variance (state)", True)
    eps: float = eps_arg()
    momentum: float = arg(NUMBER, "running-statistics momentum (does not change any count)", 0.1)

    def folds_now(self) -> bool:
        """Only with running statistics: without them inference normalises with the batch's own."""
        return self.track_running_stats

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


# ----------------------------------------------------------------------------- normalisation by the input's own statistics

def statistics_flops(elements: int, groups: int, affine: bool) -> int:
    """FLOPs of normalising ``elements`` values in ``groups`` groups by each group's own mean and variance
    (docs/conventions.md): per group of n values, the mean n (n−1 adds, 1 divide), the variance 3n (n
    subtracts, n squares, n−1 adds, 1 divide), + ε and 1/√ 2, normalising 2n (subtract the mean, multiply by
    1/σ): 6n + 2; with ``affine``, 2 more per value (multiply by γ, add β)."""
    return 6 * elements + 2 * groups + (2 * elements if affine else 0)


STATISTICS_RULE = ("6 per element + 2 per normalised group (mean: n−1 adds, 1 divide; variance: n subtracts, "
                   "n squares, n−1 adds, 1 divide; + ε, 1/√; normalise: subtract, multiply), + 2 per element "
                   "if `affine` (multiply, add)")


@record
class _OwnStatistics(Layer):
    """Normalisation by statistics of each sample's own values (layer, group and instance norm): no running
    statistics to fold, so inference computes them. Keeps for backward its input and, per sample, the mean
    and 1/σ of every normalised group (fp32), as torch's native_layer_norm / native_group_norm save."""

    in_place = True         # at inference: the statistics first, then each value overwritten by its normalised one
    flops_rule = STATISTICS_RULE
    saves_rule = "its input, and the mean and 1/σ of each normalised group: 2 fp32 values per group, per sample"

    def groups_of(self, shape) -> int:
        """How many groups one sample's values are normalised in."""
        raise NotImplementedError

    def statistics_over_positions(self) -> bool:
        return True

    def saved_for_backward(self, inputs, output) -> tuple:
        return KEEPS_INPUT + (Kept(elements=2 * self.groups_of(output), bits=32),)


def _positions(shape) -> int:
    return product(shape[1:])


@register("layernorm")
@record
class LayerNorm(_OwnStatistics):
    """Layer normalisation. `over: channels` normalises the C values at each position (ConvNeXt's
    LayerNorm2d, nn.LayerNorm(C) on a channels-last tensor): γ and β of C values each (2·C parameters).
    `over: all` normalises all of a sample's values (nn.LayerNorm of the whole shape [C, …]): γ and β of
    that shape (2·C·positions parameters). No running statistics."""

    over: str = arg(choice("channels", "all"), "the values normalised together: the C channels at each "
                    "position, or every value of the sample", "channels")
    affine: bool = arg(BOOLEAN, "learnable γ and β (torch's elementwise_affine, with its bias)", True)
    eps: float = eps_arg()

    def groups_of(self, shape) -> int:
        return _positions(shape) if self.over == "channels" else 1

    def statistics_over_positions(self) -> bool:
        return self.over == "all"       # over channels: one position's own C values

    def tie_shape(self, inputs) -> tuple:
        # over all: γ and β have the input's whole shape (torch's nn.LayerNorm(normalized_shape))
        return tuple(inputs[0]) if self.over == "all" else (inputs[0][0],)

    def infer(self, inputs) -> Facts:
        (shape,) = inputs
        weights = shape[0] if self.over == "channels" else product(shape)
        return Facts(output=tuple(shape), params=2 * weights if self.affine else 0,
                     flops=statistics_flops(product(shape), self.groups_of(shape), self.affine),
                     label=f"layernorm {self.over}")


@register("groupnorm")
@record
class GroupNorm(_OwnStatistics):
    """Group normalisation (nn.GroupNorm): the channels in `groups` groups of C/groups, each group's values
    at every position normalised together. γ and β per channel (2·C parameters, if affine). No running
    statistics."""

    contiguous_input = True

    groups: int = arg(POSITIVE_INT, "channel groups normalised separately (must divide C)")
    affine: bool = arg(BOOLEAN, "learnable γ and β per channel", True)
    eps: float = eps_arg()

    def groups_of(self, shape) -> int:
        return self.groups

    def infer(self, inputs) -> Facts:
        (shape,) = inputs
        if shape[0] % self.groups:
            raise LayerArgError(f"groupnorm: {self.groups} groups do not divide the {shape[0]} input channels",
                                "groups")
        return Facts(output=tuple(shape), params=2 * shape[0] if self.affine else 0,
                     flops=statistics_flops(product(shape), self.groups, self.affine),
                     label=f"groupnorm {self.groups}")


@register("instancenorm")
@record
class InstanceNorm(_OwnStatistics):
    """Instance normalisation (nn.InstanceNorm1d/2d/3d by the input's rank, with torch's defaults): each
    channel's values over the positions of one sample normalised together. γ and β per channel (2·C
    parameters) only if `affine`; with `track_running_stats`, the running mean and variance are state (2·C)
    and inference normalises with them, as batchnorm does (2 FLOPs per element)."""

    contiguous_input = True

    affine: bool = arg(BOOLEAN, "learnable γ and β per channel", False)
    track_running_stats: bool = arg(BOOLEAN, "keep running mean and variance (state), used at inference", False)
    eps: float = eps_arg()
    momentum: float = arg(NUMBER, "running-statistics momentum (does not change any count)", 0.1)

    flops_rule = (f"{STATISTICS_RULE}; with `track_running_stats`: 2 per element (inference normalises with "
                  f"the running statistics, folded as batchnorm's)")
    saves_rule = ("its input, and per sample the mean and 1/σ of each channel (2·C fp32); torch also keeps its "
                  "per-sample copies of γ (C, if `affine`) and of the running mean and variance (2·C, if "
                  "`track_running_stats`), fp32")

    def groups_of(self, shape) -> int:
        return shape[0]

    def statistics_over_positions(self) -> bool:
        return not self.track_running_stats     # with them: a per-channel scale and shift, as batchnorm

    def saved_for_backward(self, inputs, output) -> tuple:
        # torch runs instance norm as a batch norm of [1, B·C, …] with γ and the running statistics repeated
        # B times (at::instance_norm); its backward keeps those copies besides the mean and 1/σ
        copies = 2 + (1 if self.affine else 0) + (2 if self.track_running_stats else 0)
        return KEEPS_INPUT + (Kept(elements=copies * output[0], bits=32),)

    def infer(self, inputs) -> Facts:
        (shape,) = inputs
        spatial_axes(shape, self.type_name)
        channels = shape[0]
        if product(shape[1:]) == 1 and not self.track_running_stats:
            raise LayerArgError(f"instancenorm normalises each channel over its positions, and {list(shape)} has "
                                f"one (torch refuses it too); use track_running_stats, or no normalisation")
        flops = (2 * product(shape) if self.track_running_stats
                 else statistics_flops(product(shape), channels, self.affine))
        return Facts(output=tuple(shape), params=2 * channels if self.affine else 0,
                     state=2 * channels if self.track_running_stats else 0, flops=flops)
