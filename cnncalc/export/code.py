"""What a PyTorch writer is, and the helpers every writer shares (docs/export.md, docs/adding-a-layer.md).

A **writer** turns one layer into torch code: ``write(layer, shapes, out) -> Code``, given the layer record,
its input shapes (batch excluded, from cnncalc's analysis) and its output shape. It lives with its type: the
writer of a type defined in ``PKG/layers/M.py`` is in ``PKG/pytorch/M.py`` (the companion rule of
:mod:`cnncalc.layers`, kind ``pytorch``), registered there with :func:`writes`, and found by
:func:`writer_for`, which imports that module and nothing else. A layer torch cannot express exactly raises
:class:`Refused` with the reason. A type torch has no module for ships the module's source as a
:class:`Helper`, declared with its writer (``writes(..., helpers=(HELPER,))``); the export writes a helper
into the file only when a layer uses it.

A type whose entry expands into several nodes that one operation produces (``multi_output`` on the layer
class: split's parts) gets one call for all of them: ``out`` is then the tuple of the parts' shapes, in
order, and the expression is the tuple of their values.

Padding forms are resolved by cnncalc's own rules (:func:`cnncalc.layers.sliding.geometry`, the transposed
convolution's :func:`cnncalc.layers.transpose.transposed_geometry`) into torch's symmetric padding or an
explicit F.pad / slice. This module never imports torch.
"""

from __future__ import annotations

import ast
from typing import Any, Callable, Optional, Protocol, cast

from cnncalc.record import field, record


class Refused(Exception):
    """A layer that has no exact PyTorch form; the message says why."""


@record
class Code:
    # (attribute suffix, constructor source): '' names the layer's own attribute, '_pw' one beside it
    modules: tuple = ()
    # forward's expression: {0}, {1}, … the inputs, {m} the attribute of the first module ({m_pw}: of '_pw');
    # '' means "{m}({0})" with a module, the input itself without
    expr: str = ""
    helpers: tuple = ()            # names of the Helpers this code uses (declared with its writer)
    parameter: tuple = field(default=())    # (suffix, source) of an nn.Parameter attribute (scale)
    # the same computation as one module called on the input as it is, for a member of an nn.Sequential:
    # (constructor source, the Helper names it uses); () when the code above is that already or has none
    alone: tuple = field(default=())
    # what fixes the network's input size in this code ('reshapes [32, 196] to [32, 14, 14]'): a size of the
    # spec's input written as a number, which no tensor can supply; the network's forward then checks its input
    fixed: str = ""


@record
class Helper:
    """Source written into the exported file before the classes, for a type torch has no module for.
    ``name`` is what the code refers to; ``math``: the source needs ``import math``."""
    name: str
    source: str
    math: bool = False

    def defines(self) -> tuple:
        """The top-level names the source defines (kept free of the file's other names)."""
        return tuple(node.name for node in ast.parse(self.source).body
                     if isinstance(node, (ast.FunctionDef, ast.ClassDef)))


class Writer(Protocol):
    """A registered writer: the function, and the helpers it declared by name."""
    helpers: dict[str, Helper]

    def __call__(self, layer: Any, shapes: list, out: tuple) -> Code: ...


# canonical type name → its writer (filled as the writer modules are imported)
WRITERS: dict[str, Writer] = {}


def writes(*type_names: str, helpers: tuple = ()) -> Callable[[Callable[..., Code]], Writer]:
    """Decorator: register ``func`` as the PyTorch writer of the layer types ``type_names`` (canonical
    names); ``helpers``: the :class:`Helper` s its code may name."""
    def decorate(func: Callable[..., Code]) -> Writer:
        writer = cast(Writer, func)
        writer.helpers = {helper.name: helper for helper in helpers}
        for name in type_names:
            if name in WRITERS:
                raise RuntimeError(f"two PyTorch writers for layer type '{name}'")
            WRITERS[name] = writer
        return writer
    return decorate


def writer_for(cls: type) -> Optional[Writer]:
    """The writer of a layer class, or None when it has none (its companion module is missing or does not
    register it)."""
    from cnncalc.layers import load_companion

    name = getattr(cls, "type_name", "")
    if name not in WRITERS:
        load_companion(cls, "pytorch")
    return WRITERS.get(name)


def writable_types() -> list[str]:
    """Every layer type (built-in or plug-in) that has a PyTorch writer."""
    from cnncalc.layers import registry

    return sorted(name for name, cls in registry().items() if writer_for(cls) is not None)


# -- the helpers writers share ----------------------------------------------------------------------------

def number(value) -> str:
    return repr(float(value))


def axes(values) -> str:
    """An int when every axis has the same value, else a tuple."""
    values = tuple(values)
    return str(values[0]) if len(set(values)) == 1 else repr(values)


def torch_pad(pairs) -> str:
    """F.pad's argument: (before, after) pairs from the last axis to the first."""
    flat: list = []
    for before, after in reversed(tuple(pairs)):
        flat += [before, after]
    return repr(tuple(flat))


def symmetric(pairs) -> bool:
    return all(before == after for before, after in pairs)


def symmetric_padding(pairs) -> str:
    """torch's padding argument: the one side's when both sides agree, else 0 (an explicit F.pad does it)."""
    return axes(b for b, _ in pairs) if symmetric(pairs) else "0"


def ndim(shape) -> int:
    """The spatial axes of a channels-first shape, refused outside torch's 1 to 3."""
    count = len(shape) - 1
    if not 1 <= count <= 3:
        raise Refused(f"torch needs 1 to 3 spatial axes here, the input is {list(shape)}")
    return count


# marks a keyword argument whose value is torch's default: ``key=_default(value)``. The export keeps such a
# keyword only where instances of one block class differ in it (it is then a constructor argument).
DEFAULT = "_default"


def args(*positional, **keywords) -> str:
    """Constructor arguments; a keyword whose value is torch's default (given as (value, default)) is marked
    ``DEFAULT`` (left out of the file unless instances of a block differ in it)."""
    parts = [str(p) for p in positional]
    for key, (value, default) in keywords.items():
        parts.append(f"{key}={value}" if value != default else f"{key}={DEFAULT}({value})")
    return ", ".join(parts)


PAD_SAME = Helper("pad_same", """
def pad_same(x, kernels: list[int], strides: list[int], dilations: list[int], value: float = 0.0):
    \"\"\"TensorFlow's 'same' padding for x's own size: per axis of n, output ceil(n / s), total padding
    max((out - 1) * s + d * (k - 1) + 1 - n, 0), the extra one after.\"\"\"
    pads: list[int] = []
    for i in range(len(kernels) - 1, -1, -1):
        n = x.size(2 + i)
        out = (n + strides[i] - 1) // strides[i]
        total = (out - 1) * strides[i] + dilations[i] * (kernels[i] - 1) + 1 - n
        if total < 0:
            total = 0
        pads.append(total // 2)
        pads.append(total - total // 2)
    return F.pad(x, pads, value=value)
""")


def size_dependent(padding, stride) -> bool:
    """TensorFlow's 'same' at a stride above 1: how much it pads depends on the input's size."""
    return padding == "same" and any(s > 1 for s in per_axis(stride, 1))


def padded(pairs, value: str = "", same: Optional[tuple] = None) -> str:
    """The input expression, behind an explicit F.pad when the padding is asymmetric; ``same``: (kernels,
    strides, dilations) of a 'same' padding that depends on the input's size, computed when forward runs
    (:data:`PAD_SAME`)."""
    if same is not None:
        kernels, strides, dilations = (list(v) for v in same)
        fill = f", {value}" if value else ""
        return f"pad_same({{0}}, {kernels}, {strides}, {dilations}{fill})"
    if symmetric(pairs):
        return "{0}"
    return f"F.pad({{0}}, {torch_pad(pairs)}{', value=' + value if value else ''})"


def per_axis(value, count):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * count


def module(ctor: str) -> Code:
    """One module called on the input."""
    return Code(modules=(("", ctor),), expr="{m}({0})")


def channels_last(ctor: str, shape, alone: Optional["Helper"] = None) -> Code:
    """A module that works on the last axis (nn.Linear, nn.LayerNorm) applied to the channels. ``alone``: a
    subclass of that module (a helper whose forward moves a [N, C, H, W] input's channels last and back, as
    torchvision's LayerNorm2d) that stands for it in an nn.Sequential, with the same parameters."""
    if len(shape) == 1:
        return module(ctor)
    rank = len(shape) + 1                        # batch included
    there, back = (0, *range(2, rank), 1), (0, rank - 1, *range(1, rank - 1))
    own = (alone.name + ctor[ctor.index("("):], (alone.name,)) if alone is not None and rank == 4 else ()
    return Code(modules=(("", ctor),), expr=f"{{m}}({{0}}.permute{there}).permute{back}", alone=own)


def slices(pairs) -> str:
    """``[:, :, b:-a, …]``: ``b`` positions dropped before and ``a`` after on each axis (crop), whatever the
    input's size."""
    return "[:, :, " + ", ".join(f"{b or ''}:{-a if a else ''}" for b, a in pairs) + "]"
