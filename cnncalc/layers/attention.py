"""What attention adds to a product of activations: a learnable relative position bias gathered onto the
scores (Swin Transformer, MaxViT)."""

from __future__ import annotations

from cnncalc.errors import LayerArgError
from cnncalc.layers.base import (ELEMENTWISE, KEEPS_NOTHING, POSITIVE_INT, POSITIVE_INTS, Facts, Layer, Worked, arg,
                                 register)
from cnncalc.record import record
from cnncalc.shapes import product


def relative_index(window: tuple) -> list:
    """Swin's relative position index of a window of wh×ww tokens (row-major): for query i and key j, the row
    of the table of (2·wh − 1)(2·ww − 1) offsets that (dy, dx) = position(i) − position(j) selects,
    (dy + wh − 1)·(2·ww − 1) + (dx + ww − 1). A list of N lists of N ints (N = wh·ww)."""
    wh, ww = window
    cells = [(y, x) for y in range(wh) for x in range(ww)]
    return [[(yi - yj + wh - 1) * (2 * ww - 1) + (xi - xj + ww - 1) for yj, xj in cells] for yi, xi in cells]


@register("relative_position_bias")
@record
class RelativePositionBias(Layer):
    """Add a learnable bias per head and per relative offset of two tokens of a window to attention's scores
    (Swin Transformer, Liu et al. 2021, Eq. 4; MaxViT): the scores [..., N (queries), N (keys)] of N = wh·ww
    tokens, whose leading axes hold the heads fastest (window-major, head-minor: [windows·heads, N, N]). A
    table of (2·wh − 1)(2·ww − 1) offsets × heads parameters, gathered by the offset of each (query, key)
    pair. The gather copies (0 FLOPs, as torch's FLOP counter counts it); the add is 1 FLOP per element.
    Receptive field: element-wise."""

    flops_rule = "1 per element (the add; gathering the table is indexing, not arithmetic)"
    # the add keeps nothing; the gather keeps its index, a buffer the layer holds anyway (not an activation)
    keeps = KEEPS_NOTHING

    heads: int = arg(POSITIVE_INT, "attention heads: the table has a column per head")
    window: object = arg(POSITIVE_INTS, "the window, wh×ww tokens (an int: square)")

    def size(self) -> tuple:
        window = self.window if isinstance(self.window, tuple) else (self.window, self.window)
        if len(window) != 2:
            raise LayerArgError(f"'window' must be an int or [wh, ww]; got {list(window)}", "window")
        return window

    def table(self) -> int:
        """Rows of the table: the relative offsets."""
        wh, ww = self.size()
        return (2 * wh - 1) * (2 * ww - 1)

    def infer(self, inputs) -> Facts:
        (shape,) = (tuple(s) for s in inputs)
        n = product(self.size())
        if len(shape) < 3 or shape[-2:] != (n, n) or product(shape[:-2]) % self.heads:
            raise LayerArgError(f"relative_position_bias needs scores [..., {n}, {n}] of a "
                                f"{'×'.join(map(str, self.size()))} window whose leading axes hold the "
                                f"{self.heads} heads; got {list(shape)}")
        return Facts(output=shape, params=self.table() * self.heads, flops=product(shape), rf=ELEMENTWISE,
                     label=f"rel. bias {self.heads} heads")

    def worked(self, inputs, facts) -> tuple:
        wh, ww = self.size()
        return (Worked("params", "(2·wh − 1)·(2·ww − 1)·heads", f"{2 * wh - 1}·{2 * ww - 1}·{self.heads}",
                       (2 * wh - 1) * (2 * ww - 1) * self.heads),)

    def tie_shape(self, inputs) -> tuple:
        return (self.heads, self.size())

