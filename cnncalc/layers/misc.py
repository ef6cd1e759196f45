"""Layers of the CNN chapter that fit no other family: LRN, padding, reshape, embedding."""

from __future__ import annotations

from cnncalc import shapes
from cnncalc.errors import LayerArgError, brief
from cnncalc.layers.base import (ELEMENTWISE, KEEPS_NOTHING, NUMBER, PADDING, POSITIVE_INT, UNKNOWN, ArgRule, Facts,
                                 Layer, Routing, Window, arg, choice, padding_schema, register, spatial_axes)
from cnncalc.layers.tensor import templated
from cnncalc.record import record
from cnncalc.shapes import product


@register("lrn")
@record
class LRN(Layer):
    """Local response normalisation across channels (AlexNet): b_c = a_c / (k + α/n · Σ a²)^β over the n
    channels around c. No parameters. n + 4 FLOPs per element: one square, n − 1 adds of the window sum,
    then scale by α/n, add k, raise to β, divide."""

    flops_rule = "n + 4 per element (1 square, n−1 adds of the window sum, scale by α/n, add k, power β, divide)"

    size: int = arg(POSITIVE_INT, "n, channels in the window", 5)
    alpha: float = arg(NUMBER, "α (does not change any count)", 1e-4)
    beta: float = arg(NUMBER, "β (does not change any count)", 0.75)
    k: float = arg(NUMBER, "k (does not change any count)", 1.0)

    def infer(self, inputs) -> Facts:
        (shape,) = inputs
        return Facts(output=tuple(shape), flops=(self.size + 4) * product(shape), label=f"lrn n={self.size}")


def _pad_amount(value, key):
    if isinstance(value, str):
        raise LayerArgError(f"'{key}' of pad must be an int, per-axis ints or [before, after] pairs; got {brief(value)}",
                            key)
    return PADDING(value, key)


PAD_AMOUNT = ArgRule("int | [int per axis] | [[before, after] per axis]", _pad_amount, padding_schema())


@register("pad")
@record
class Pad(Routing, Layer):
    """Pad the spatial axes: constant (zeros or ``value``), reflect or replicate. No arithmetic."""

    padding: object = arg(PAD_AMOUNT, "positions added on each side")
    mode: str = arg(choice("constant", "reflect", "replicate"), "what the new positions hold", "constant")
    value: float = arg(NUMBER, "the constant (does not change any count)", 0)

    def pairs(self, shape) -> tuple:
        """(before, after) per spatial axis of an input of ``shape`` ([C, *spatial])."""
        spatial = spatial_axes(shape, self.type_name)
        try:
            return shapes.resolve_padding(self.padding, spatial, [1] * len(spatial), [1] * len(spatial))
        except ValueError as err:
            raise LayerArgError(str(err), "padding") from None

    def infer(self, inputs) -> Facts:
        (shape,) = inputs
        spatial = spatial_axes(shape, self.type_name)
        pads = self.pairs(shape)
        if self.mode == "reflect":
            for axis, (n, (before, after)) in enumerate(zip(spatial, pads)):
                if max(before, after) >= n:
                    raise LayerArgError(f"reflect padding {max(before, after)} on spatial axis {axis} must be "
                                        f"smaller than its size {n}", "padding")
        out = tuple(n + before + after for n, (before, after) in zip(spatial, pads))
        # output unit 0 is input position −before; units one input position apart
        rf = Window((1,) * len(out), (1,) * len(out), tuple(-before for before, _ in pads))
        return Facts(output=(shape[0], *out), rf=rf, label=f"pad {self.mode}")


def _target_shape(value, key):
    if not isinstance(value, list) or not value:
        raise LayerArgError(f"'{key}' must be a list of sizes such as [64, 49] (one may be -1); got {brief(value)}", key)
    items = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int) or (item < 1 and item != -1):
            raise LayerArgError(f"'{key}': every size must be a positive int or -1; got {brief(item)}", key)
        items.append(item)
    if items.count(-1) > 1:
        raise LayerArgError(f"'{key}': at most one size may be -1", key)
    if len(items) > MAX_AXES:
        raise LayerArgError(f"'{key}' has {len(items)} axes; a shape has at most {MAX_AXES} (channels first, no "
                            f"batch: window partitions and space-to-depth use 5 or 6)", key)
    return tuple(items)


MAX_AXES = 8        # torch's and numpy's tensors take more (25, 32); no network needs more than 6 (issue 14)

TARGET_SHAPE = ArgRule("a list of sizes, channels first, no batch, of any rank; one may be -1 (inferred)",
                       _target_shape,
                       {"type": "array", "items": templated({"type": "integer", "anyOf": [{"minimum": 1}, {"const": -1}]}),
                        "minItems": 1, "maxItems": MAX_AXES})


@register("reshape")
@record
class Reshape(Layer):
    """Reinterpret the elements in a new shape of any rank (channels first, no batch; one size may be −1):
    [C, H, W] → [C, H·W] for a transformer's tokens, or the 5- and 6-axis views of window partitions and
    space-to-depth. No arithmetic. Receptive field: a reshape to one axis is a flatten (a following dense layer sees the whole
    input); a reshape to the same shape changes nothing; any other reshape moves elements between positions
    and the field is reported unknown."""

    flops_rule = "0"
    view = True

    keeps = KEEPS_NOTHING

    shape: tuple = arg(TARGET_SHAPE, "the new shape")

    def infer(self, inputs) -> Facts:
        (shape,) = inputs
        total = product(shape)
        known = product(n for n in self.shape if n != -1)
        if -1 in self.shape:
            if total % known:
                raise LayerArgError(f"cannot reshape {list(shape)} ({total} elements) to {list(self.shape)}: "
                                    f"{total} is not divisible by {known}", "shape")
            out = tuple(total // known if n == -1 else n for n in self.shape)
        else:
            out = tuple(self.shape)
        if product(out) != total:
            raise LayerArgError(f"cannot reshape {list(shape)} ({total} elements) to {list(self.shape)} "
                                f"({product(out)} elements)", "shape")
        rf = ELEMENTWISE if len(out) == 1 or out == tuple(shape) else UNKNOWN
        return Facts(output=out, rf=rf)


@register("embedding")
@record
class Embedding(Layer):
    """A lookup table of ``vocab`` vectors of ``dim`` values. Input: L token ids, shaped [L] or [1, L];
    output [dim, L], channels first, so that a 1-D convolution runs over the tokens. Parameters vocab·dim;
    a lookup does no arithmetic. Write the input as [1, L] to follow receptive fields in tokens."""

    flops_rule = "0"

    vocab: int = arg(POSITIVE_INT, "vocabulary size: rows of the table")
    dim: int = arg(POSITIVE_INT, "embedding size D: output channels")

    def infer(self, inputs) -> Facts:
        (shape,) = inputs
        if len(shape) == 1:
            tokens = shape[0]
        elif len(shape) == 2 and shape[0] == 1:
            tokens = shape[1]
        else:
            raise LayerArgError(f"embedding needs token ids shaped [L] or [1, L]; got {list(shape)}")
        return Facts(output=(self.dim, tokens), params=self.vocab * self.dim, rf=ELEMENTWISE,
                     label=f"embedding {self.vocab}×{self.dim}")
