"""Spatial pyramid pooling (He et al., SPPNet, 2014)."""

from __future__ import annotations

from cnncalc.errors import LayerArgError, brief
from cnncalc.layers.base import KEEPS_INPUT, POSITIVE_INT, Kept, WHOLE, ArgRule, Facts, Layer, Window, arg, choice, register, spatial_axes
from cnncalc.record import record
from cnncalc.shapes import conv_output_size, product


def _levels(value, key):
    if not isinstance(value, list) or not value:
        raise LayerArgError(f"'{key}' must be a non-empty list of positive ints such as [1, 2, 4]; got {brief(value)}", key)
    return tuple(POSITIVE_INT(item, key) for item in value)


LEVELS = ArgRule("a list of positive ints: bins per axis at each level, such as [1, 2, 4]", _levels,
                 {"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 1})


def spp_level(size: int, bins: int) -> tuple[int, int, int]:
    """SPPNet's rule on one axis: window ceil(size/bins), stride floor(size/bins), no padding.
    Returns (window, stride, the number of windows it actually gives)."""
    window, stride = -(-size // bins), size // bins
    return window, stride, conv_output_size(size, window, stride, 0, 0)


@register("spp")
@record
class SPP(Layer):
    """Spatial pyramid pooling: at each level n, pool the input into n bins per axis (window ceil(in/n),
    stride floor(in/n), as SPPNet) and concatenate every bin of every level: a flat output of C·Σ n^dims
    when the rule gives n bins. Where it does not (e.g. 7 positions, n = 4: window 2, stride 1 gives 6),
    the output holds the bins the rule actually gives, and cnncalc warns."""

    flops_rule = ("per output element, taps−1 comparisons (`mode: max`) or taps (taps−1 adds, 1 divide; `mode: "
                  "avg`), taps: that element's window")

    saves_rule = "its input, and with `mode: max` the argmax of every output element (int64)"

    def saved_for_backward(self, inputs, output) -> tuple:
        if self.mode == "avg":
            return KEEPS_INPUT
        return KEEPS_INPUT + (Kept(elements=product(output), bits=64),)     # and the int64 argmax indices

    levels: tuple = arg(LEVELS, "bins per axis at each level, such as [1, 2, 4]")
    mode: str = arg(choice("max", "avg"), "max or average pooling in each bin", "max")

    def infer(self, inputs) -> Facts:
        (shape,) = inputs
        channels, spatial = shape[0], spatial_axes(shape, self.type_name)
        bins_total, flops, warnings = 0, 0, []
        covered = [0] * len(spatial)           # per axis: one past the last position any level's windows read
        for n in self.levels:
            counts, taps = [], 1
            for axis, size in enumerate(spatial):
                if size < n:
                    raise LayerArgError(f"spp level {n} needs at least {n} positions per axis; spatial axis "
                                        f"{axis} has {size}", "levels")
                window, stride, got = spp_level(size, n)
                counts.append(got)
                covered[axis] = max(covered[axis], (got - 1) * stride + window)
                taps *= window
                if got != n:
                    warnings.append(f"spp level {n}: on spatial axis {axis}, {size} positions with window "
                                    f"ceil({size}/{n}) = {window} and stride floor({size}/{n}) = {stride} give "
                                    f"{got} bins, not {n}; the output holds the {got}")
            bins = product(counts)
            bins_total += bins
            per_bin = taps if self.mode == "avg" else taps - 1      # avg: taps−1 adds + 1 divide
            flops += channels * bins * per_bin
        levels = ",".join(map(str, self.levels))
        # The pyramid sees the whole input unless no level's windows reach its end (levels [4] on 10
        # positions: windows 3 wide, 2 apart, read 0..8): then it sees the positions before that end only.
        rf: object = WHOLE
        if covered != list(spatial):
            rf = Window(tuple(covered), tuple(spatial), (0,) * len(spatial))
            warnings += [f"spp: on spatial axis {axis}, no level's windows reach past position {end - 1} of {size}; "
                         f"the last {size - end} are never pooled"
                         for axis, (end, size) in enumerate(zip(covered, spatial)) if end < size]
        return Facts(output=(channels * bins_total,), flops=flops, rf=rf, warnings=tuple(warnings),
                     label=f"spp {self.mode} [{levels}]")
