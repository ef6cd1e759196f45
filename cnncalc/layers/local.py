"""Convolutions without (or with partial) weight sharing: locally connected and tiled convolutions."""

from __future__ import annotations

from cnncalc import shapes
from cnncalc.errors import LayerArgError, brief
from cnncalc.layers.base import BOOLEAN, POSITIVE_INTS, ArgRule, Facts, Worked, arg, register, times
from cnncalc.layers.sliding import SlidingOut, sliding_label
from cnncalc.record import record
from cnncalc.shapes import product


def _local_bias(value, key):
    if value is True:
        return "position"
    if value is False:
        return "none"
    if value in ("position", "channel", "none"):
        return value
    raise LayerArgError(f"'{key}' must be position, channel, none, true (= position) or false (= none); "
                        f"got {brief(value)}", key)


LOCAL_BIAS = ArgRule("position | channel | none | true (= position) | false (= none)", _local_bias,
                     {"enum": ["position", "channel", "none", True, False]})


@register("local", "locally_connected")
@record
class Local(SlidingOut):
    """Locally connected layer (unshared convolution): a convolution's windows, but every output position
    has its own weights. Weights: out_positions · C_out · C_in · prod(k); MACs as a convolution."""

    flops_rule = "2·MACs + one add per output element if `bias` (`bias: channel` or `position` alike)"
    weights_per_position = True

    bias: str = arg(LOCAL_BIAS, "position: a bias per output channel and position (Keras); channel: one per "
                                "output channel; none", "position")

    def infer(self, inputs) -> Facts:
        (shape,) = inputs
        geo = self.geometry(shape)
        positions = product(geo.output)
        taps = shape[0] * product(geo.kernel)
        macs = positions * self.out * taps
        bias = {"position": positions * self.out, "channel": self.out, "none": 0}[self.bias]
        return Facts(output=(self.out, *geo.output), params=macs + bias, macs=macs,
                     flops=2 * macs + (0 if self.bias == "none" else positions * self.out), rf=geo.rf_step,
                     label=sliding_label("local", geo))

    def worked(self, inputs, facts) -> tuple:
        """A filter of kernel · C_in weights per output channel and position (+ its biases)."""
        (shape,) = inputs
        geo = self.geometry(shape)
        biases = {"position": ("output positions · C_out", f"{times(geo.output)}·{self.out}",
                               product(geo.output) * self.out),
                  "channel": ("C_out", f"{self.out}", self.out), "none": None}[self.bias]
        weights = product(geo.output) * self.out * product(geo.kernel) * shape[0]
        numbers = f"{times(geo.output)} · {self.out} · {times(geo.kernel)}·{shape[0]}"
        return (Worked("params", "output positions · C_out · kernel · C_in" + (f" + {biases[0]}" if biases else ""),
                       numbers + (f" + {biases[1]}" if biases else ""), weights + (biases[2] if biases else 0)),
                Worked("macs", "output positions · C_out · kernel · C_in", numbers, weights))


@register("tiled_conv")
@record
class TiledConv(SlidingOut):
    """Tiled convolution (Le et al., 2010): output positions a tile apart share weights, so there are
    prod(tile) weight sets, used in turn (position y uses set y mod t). tile 1 is a convolution; a tile as
    large as the output is a locally connected layer. Weight sets: prod(min(t, out)) per axis."""

    flops_rule = "2·MACs + one add per output element if `bias`"
    weights_per_position = True

    tile: object = arg(POSITIVE_INTS, "tile size: output positions this far apart share weights")
    bias: bool = arg(BOOLEAN, "a learnable bias per output channel and weight set (shared as the weights are)",
                     True)

    def infer(self, inputs) -> Facts:
        (shape,) = inputs
        geo = self.geometry(shape)
        try:
            tile = shapes.per_axis(self.tile, len(geo.output), "tile")
        except ValueError as err:
            raise LayerArgError(str(err), "tile") from None
        sets = product(min(t, n) for t, n in zip(tile, geo.output))
        positions = product(geo.output)
        taps = shape[0] * product(geo.kernel)
        macs = positions * self.out * taps
        params = sets * self.out * taps + (sets * self.out if self.bias else 0)
        return Facts(output=(self.out, *geo.output), params=params, macs=macs,
                     flops=2 * macs + (positions * self.out if self.bias else 0), rf=geo.rf_step,
                     label=sliding_label("tiled", geo) + f" t{'×'.join(map(str, tile))}")
