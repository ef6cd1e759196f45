"""What attention adds to a product of activations: a learnable relative position bias gathered onto the
scores (Swin Transformer, MaxViT), and Swin's mask of the shifted windows."""

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



def shifted_regions(size: tuple, window: int, shift: int) -> list:
    """Swin's region of every token of every window of a cyclically shifted map of ``size`` (H, W): along each
    axis the rows [0, H − w) are region 0, [H − w, H − s) region 1, [H − s, H) region 2 (w the window, s the
    shift), a token's region 3·(its row's) + (its column's). A list per window (row-major over the windows)
    of the w·w tokens' regions (row-major in the window)."""
    def band(i: int, n: int) -> int:
        return 0 if i < n - window else (1 if i < n - shift else 2)
    h, w = size
    return [[3 * band(wy * window + y, h) + band(wx * window + x, w) for y in range(window) for x in range(window)]
            for wy in range(h // window) for wx in range(w // window)]


@register("shifted_window_mask")
@record
class ShiftedWindowMask(Layer):
    """Add Swin Transformer's mask of the shifted windows to attention's scores (Liu et al. 2021, §3.2,
    "efficient batch computation for shifted configuration"; torchvision's shifted_window_attention): −100
    where a query and a key of a window come from different regions of the cyclically shifted map, so that
    softmax gives them no weight, 0 elsewhere. The scores [..., N, N] of N = w² tokens hold the windows and
    the heads in their leading axes, the heads fastest (window-major: [windows·heads, N, N] or
    [windows, heads, N, N]). A constant: no parameters; the add is 1 FLOP per element. Receptive field:
    element-wise."""

    flops_rule = "1 per element (the add of the constant mask)"
    keeps = KEEPS_NOTHING

    heads: int = arg(POSITIVE_INT, "attention heads: the scores' leading axes hold windows × heads")
    window: int = arg(POSITIVE_INT, "the window's side w (w×w tokens)")
    shift: int = arg(POSITIVE_INT, "the cyclic shift s of the map (0 < s < w), on both axes")
    size: tuple = arg(POSITIVE_INTS, "the map [H, W] the windows partition (multiples of the window)")

    def validate(self) -> None:
        if not isinstance(self.size, tuple) or len(self.size) != 2:
            raise LayerArgError(f"'size' of shifted_window_mask is the map [H, W] the windows partition, two "
                                f"sizes; got {self.size}", "size")

    def windows(self) -> int:
        h, w = self.size
        return (h // self.window) * (w // self.window)

    def infer(self, inputs) -> Facts:
        (shape,) = (tuple(s) for s in inputs)
        n = self.window * self.window
        if any(side % self.window for side in self.size) or not 0 < self.shift < self.window:
            raise LayerArgError(f"shifted_window_mask needs a map [H, W] of multiples of the window "
                                f"{self.window} and a shift between 0 and it; got size {list(self.size)}, shift "
                                f"{self.shift}")
        if len(shape) < 3 or shape[-2:] != (n, n) or product(shape[:-2]) != self.windows() * self.heads:
            raise LayerArgError(f"shifted_window_mask needs scores [..., {n}, {n}] whose leading axes hold "
                                f"{self.windows()} windows × {self.heads} heads; got {list(shape)}")
        return Facts(output=shape, flops=product(shape), rf=ELEMENTWISE, label=f"window mask, shift {self.shift}")
