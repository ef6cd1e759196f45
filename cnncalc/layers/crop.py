"""Cropping the spatial axes: by explicit amounts, or centred to another layer's spatial size (U-Net)."""

from __future__ import annotations

from typing import ClassVar, Optional

from cnncalc import shapes
from cnncalc.errors import LayerArgError
from cnncalc.layers.base import LAYER_NAME, Facts, Layer, Routing, Window, arg, register, spatial_axes
from cnncalc.layers.misc import PAD_AMOUNT
from cnncalc.record import record


def centre_crop(n: int, m: int) -> tuple[int, int]:
    """(before, after) that crop ``n`` positions to ``m`` around the centre: before = (n − m) // 2, after the
    rest (torchvision's CenterCrop and the U-Net paper's crop-and-copy)."""
    return (n - m) // 2, n - m - (n - m) // 2


@register("crop")
@record
class Crop(Routing, Layer):
    """Remove positions from the spatial axes: ``amount`` on each side (an int, per-axis ints, or per-axis
    [before, after]), or a centre crop to the spatial size of the layer named by ``like`` (read for its shape
    only: U-Net's skip connections). A slice: no arithmetic, nothing kept for backward; in torch a view of its
    input, so what keeps it keeps its input's storage (training memory)."""

    amount: Optional[object] = arg(PAD_AMOUNT, "positions removed on each side (give amount or like)", None,
                                   shown="none")
    like: Optional[str] = arg(LAYER_NAME, "a layer whose spatial size to centre-crop to (give amount or like)",
                              None, shown="none")

    shape_refs: ClassVar[tuple] = ("like",)

    strided_slice = True           # torch's slice is a view of the input (a runtime copies it: peak memory)

    def validate(self) -> None:
        if (self.amount is None) == (self.like is None):
            raise LayerArgError("crop needs exactly one of 'amount' and 'like'", "amount")

    def crops(self, inputs) -> tuple:
        """((before, after), ...) per spatial axis, for these input shapes."""
        spatial = spatial_axes(inputs[0], self.type_name)
        if self.like is not None:
            target = inputs[1][1:]
            if len(target) != len(spatial):
                raise LayerArgError(f"'like' names '{self.like}', shaped {list(inputs[1])}: it has {len(target)} "
                                    f"spatial axes, the input {len(spatial)}", "like")
            for axis, (n, m) in enumerate(zip(spatial, target)):
                if m > n:
                    raise LayerArgError(f"'like' names '{self.like}', whose size {m} on spatial axis {axis} is "
                                        f"larger than the input's {n}: a crop cannot grow", "like")
            return tuple(centre_crop(n, m) for n, m in zip(spatial, target))
        try:
            pairs = shapes.resolve_padding(self.amount, spatial, [1] * len(spatial), [1] * len(spatial))
        except ValueError as err:
            raise LayerArgError(str(err).replace("'padding'", "'amount'"), "amount") from None
        for axis, (n, (before, after)) in enumerate(zip(spatial, pairs)):
            if before + after >= n:
                raise LayerArgError(f"crop removes {before} + {after} positions of spatial axis {axis}, which has "
                                    f"only {n}", "amount")
        return pairs

    def infer(self, inputs) -> Facts:
        pairs = self.crops(inputs)
        spatial = inputs[0][1:]
        out = tuple(n - before - after for n, (before, after) in zip(spatial, pairs))
        # output unit 0 is input position `before`; units one input position apart
        rf = Window((1,) * len(out), (1,) * len(out), tuple(before for before, _ in pairs))
        return Facts(output=(inputs[0][0], *out), rf=rf, label=f"crop →{'×'.join(map(str, out))}")
