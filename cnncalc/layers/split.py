"""A channel split into several outputs that later layers read by name (ShuffleNetV2's chunk(2, dim=1))."""

from __future__ import annotations

from typing import Iterable, Optional

from cnncalc.errors import LayerArgError, brief
from cnncalc.layers.base import POSITIVE_INT, ArgRule, Facts, Layer, Routing, arg, register
from cnncalc.record import field, record, replace


def _sizes(value, key):
    if not isinstance(value, list) or len(value) < 2:
        raise LayerArgError(f"'{key}' must be a list of two or more channel counts such as [58, 58]; "
                            f"got {brief(value)}", key)
    return tuple(POSITIVE_INT(item, key) for item in value)


SIZES = ArgRule("a list of two or more positive ints (channels of each part, in order)", _sizes,
                {"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 2})


@register("split")
@record
class Split(Routing, Layer):
    """Split the channels into parts: `sizes` (channels of each part, in order; they must sum to C) or
    `parts` (equal parts; it must divide C). The entry makes one layer per part, named NAME.0, NAME.1, …
    (split1.0, … without a name); NAME alone means the last part, and the next entry continues from it.
    Each part is a view of its channels of the input (torch's x.split(sizes, dim=1)[i], chunk): no copy,
    no arithmetic."""

    view = True
    multi_output = True     # the parts are one torch.split's outputs (cnncalc/pytorch/split.py)
    strided_slice = True

    sizes: Optional[tuple] = arg(SIZES, "channels of each part, in order (they must sum to C; give sizes or parts)",
                                 None, shown="none")
    parts: Optional[int] = arg(POSITIVE_INT, "the number of equal parts (it must divide C; give sizes or parts)",
                                 None, shown="none")
    # which part this layer is (set by expand(), not written in a spec); None: the entry before it expands
    part: Optional[int] = field(default=None)

    def validate(self) -> None:
        if (self.sizes is None) == (self.parts is None):
            raise LayerArgError("split takes 'sizes' (such as [58, 58]) or 'parts' (such as 2), one of them",
                                "sizes" if self.sizes is not None else None)

    def parts_of(self, channels: int) -> tuple:
        """The channel count of each part, for an input of ``channels`` channels."""
        if self.sizes is not None:
            if sum(self.sizes) != channels:
                raise LayerArgError(f"split sizes {list(self.sizes)} sum to {sum(self.sizes)}, but the input "
                                    f"has {channels} channels", "sizes")
            return self.sizes
        assert self.parts is not None                      # validate() saw to it
        if channels % self.parts:
            raise LayerArgError(f"split into {self.parts} parts: {self.parts} does not divide the {channels} "
                                f"input channels", "parts")
        return (channels // self.parts,) * self.parts

    def expand(self) -> Iterable[Layer]:
        """One split layer per part (the entry's nodes NAME.0, NAME.1, …), made one at a time (so `parts:
        1000000000000` meets the spec's layer limit, not the memory's); a part itself expands no further."""
        if self.part is not None:
            return ()
        count = len(self.sizes) if self.sizes is not None else self.parts
        assert count is not None                            # validate() saw to it
        return (replace(self, part=index) for index in range(count))

    def infer(self, inputs) -> Facts:
        (shape,) = inputs
        sizes = self.parts_of(shape[0])
        index = len(sizes) - 1 if self.part is None else self.part
        start = sum(sizes[:index])
        return Facts(output=(sizes[index], *shape[1:]), label=f"split [{start}:{start + sizes[index]}]")
