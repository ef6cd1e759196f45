"""An Add to attention's scores of a constant gathered from a weight table by the relative offsets of a
window's tokens (Swin Transformer's and MaxViT's relative position bias, folded by the importer or by the
exporter) → ``relative_position_bias``; of Swin's mask of the shifted windows → ``shifted_window_mask``
(cnncalc/layers/attention.py)."""

from __future__ import annotations

import math

from cnncalc.layers.attention import RelativePositionBias, ShiftedWindowMask, relative_index
from cnncalc.onnximport.graph import FOLD_ELEMENTS
from cnncalc.onnximport.mapping import Unmapped
from cnncalc.onnximport.patterns import pattern
from cnncalc.onnximport.slim import Stub
from cnncalc.onnximport.translate import Translator
from cnncalc.onnxmap.tensor import batch_at, own_axes
from cnncalc.shapes import product


# the most values of a constant these patterns look at (and build the offsets or regions of): what folding
# computes at most, FOLD_ELEMENTS (Swin-T's largest mask, 64 windows of 49×49, is 153,664); a declared shape
# beyond is not looked at, so a file cannot make the import build what it declares
MOST_VALUES = FOLD_ELEMENTS


@pattern("Gather(table, relative index) → Reshape/Transpose/Unsqueeze → Add to scores [..., heads, N, N]", "Add")
def relative_bias(t: Translator, node, i: int) -> bool:
    """`relative_position_bias`, its parameters the table's: an Add of a constant folded from a Gather of a
    weight table [(2w − 1)², heads] by Swin's relative position index of a w×w window (N = w² tokens), moved
    by Reshape, Transpose, Unsqueeze only, to scores [..., heads, N, N] (the index is a buffer, not a
    parameter, as in torch); or of a constant [heads, N, N] that holds, for each head, one value per relative
    offset (the same bias, folded by the exporter)

    ``i`` is the Add's activation input; False when the constant is not such a bias. The values of a weight
    that the import left in the file are read for this (:func:`cnncalc.onnximport.peek.values`); one larger
    than 4 MiB, or stored as external data, is refused, saying how to keep its table."""
    const = node.input[1 - i]
    shape, value = t.shape(node.input[i]), t.model.consts[const]
    n = shape[-1]
    w = math.isqrt(n)
    sizes = tuple(int(k) for k in value.shape)
    if node.op_type != "Add" or w * w != n or len(shape) < 3 or t.shape(node.output[0]) != tuple(shape) or \
            not 3 <= len(sizes) <= len(shape) or sizes[-2:] != (n, n) or any(k != 1 for k in sizes[:-3]) or \
            shape[-3] != sizes[-3] or product(sizes) > MOST_VALUES:
        return False
    import numpy
    heads = sizes[-3]
    offsets = [k for row in relative_index((w, w)) for k in row]
    source, steps = _moved(t, const)
    gather = t.model.computed.get(source)
    if gather is not None and gather.op_type == "Gather" and _weight(t, gather.input[0]) and \
            len(t.model.consts[gather.input[0]].shape) == 2 and _attr(gather, "axis", 0) == 0 and \
            gather.input[1] in t.model.consts:
        table, index = gather.input[0], t.model.consts[gather.input[1]]
        if isinstance(index, Stub):            # an index of over 64 KiB (windows of 91 tokens and more): read it
            index = _read(t, gather.input[1])
            if index is None:
                raise Unmapped(f"a Gather of a table {list(t.model.consts[table].shape)} by an index whose values "
                               f"are not read (larger than 4 MiB, or stored as external data), so cnncalc cannot "
                               f"tell whether it is Swin's relative position index")
        if tuple(t.model.consts[table].shape) != ((2 * w - 1) ** 2, heads) or \
                numpy.asarray(index).reshape(-1).tolist() != offsets:
            return False
    elif isinstance(value, Stub) and _read(t, const) is not None:
        if not _by_offset(_read(t, const).reshape(heads, n * n).tolist(), offsets):
            return False
    elif isinstance(value, Stub):
        raise Unmapped(f"a constant {list(sizes)} added to attention scores whose values are not read (larger "
                       f"than 4 MiB, or stored as external data), so cnncalc cannot tell whether it is a relative "
                       f"position bias; an export without constant folding (the legacy exporter's "
                       f"do_constant_folding=False) keeps its table")
    elif not _by_offset(value.reshape(heads, n * n).tolist(), offsets):
        return False              # values that are not one per relative offset
    x = t.act(node, i, any_layout=True)
    if batch_at(x.perm) not in (0, None):
        return False
    x = own_axes(t, node, x, node.input[i])          # the heads and tokens as the scores' own axes
    t.emit(node, RelativePositionBias, {"heads": heads, "window": w}, [x], perm=x.perm)
    return True


def _by_offset(rows: list, offsets: list) -> bool:
    """Whether every row of ``rows`` (a head's N·N values) holds one value per relative offset (``offsets``,
    the offset of each (query, key) pair)."""
    for row in rows:
        seen: dict = {}
        for offset, v in zip(offsets, row):
            if seen.setdefault(offset, v) != v:
                return False
    return True


def _read(t: Translator, name: str):
    """The values of the weight ``name`` left in the file (or of the weight folding moved to it; read
    once), or None."""
    cache = t.peeked
    if name not in cache:
        from cnncalc.onnximport.peek import values
        source, steps = _moved(t, name)                      # a weight moved by folding: its moves replayed
        found = values(t.model.path, source) if _weight(t, source) else None
        cache[name] = None if found is None else _replay(found, steps)
    return cache[name]


@pattern("Add of a constant [windows, 1, N, N] of 0 and −100 to scores [windows, heads, N, N]", "Add")
def window_mask(t: Translator, node, i: int) -> bool:
    """`shifted_window_mask`, no parameters: a constant that holds, for each window of a w×w grid of a map
    cyclically shifted by s, −100 where a query and a key come from different regions and 0 elsewhere
    (Swin's mask, computed by the model from no weight and folded), broadcast over the heads

    The map's windows (rows × columns) and the shift are the first that give the constant's values.
    ``i`` is the Add's activation input; False when the constant is not such a mask."""
    const = node.input[1 - i]
    shape, value = t.shape(node.input[i]), t.model.consts[const]
    sizes = tuple(int(k) for k in value.shape)
    n = shape[-1]
    w = math.isqrt(n)
    if node.op_type != "Add" or w * w != n or w < 2 or len(shape) < 3 or t.shape(node.output[0]) != tuple(shape) \
            or len(sizes) > len(shape) or sizes[-2:] != (n, n) or product(sizes) > MOST_VALUES:
        return False
    # right-aligned, the constant is the scores' size or 1 on every leading axis: the windows are the axes it
    # spans, all outside the heads (the axes of the scores it is 1 on)
    lead = (1,) * (len(shape) - len(sizes)) + sizes[:-2]
    spanned = [k for k, size in enumerate(lead) if size != 1]
    spread = [k for k, size in enumerate(lead) if size == 1 and shape[k] != 1]
    if any(lead[k] != shape[k] for k in spanned) or (spanned and spread and min(spread) < max(spanned)):
        return False
    windows = product(lead)
    heads = product(shape[:-2]) // windows
    values = value if not isinstance(value, Stub) else _read(t, const)
    if windows < 2 or values is None:
        return False
    import numpy

    from cnncalc.execute.attention import mask_values
    values = numpy.asarray(values).reshape(windows, n, n)
    for rows in (r for r in range(1, windows + 1) if windows % r == 0):
        for shift in range(1, w):
            size = (rows * w, windows // rows * w)
            if numpy.array_equal(values, mask_values(size, w, shift)):
                x = t.act(node, i, any_layout=True)
                if batch_at(x.perm) not in (0, None):
                    return False
                x = own_axes(t, node, x, node.input[i])
                t.emit(node, ShiftedWindowMask, {"heads": heads, "window": w, "shift": shift, "size": list(size)},
                       [x], perm=x.perm)
                return True
    return False


# folded operators that only move their first input's values (reshape, transpose, broadcast)
_MOVING = ("Reshape", "Transpose", "Unsqueeze", "Squeeze", "Flatten", "Identity", "Expand")


def _weight(t: Translator, name: str) -> bool:
    """Whether the constant ``name`` is one of the file's initializers (not computed by folding)."""
    return name in t.model.consts and name not in t.model.computed


def _attr(node, name: str, default):
    return next((a.i for a in node.attribute if a.name == name), default)


def _moved(t: Translator, name: str) -> tuple:
    """(the constant that folding moved to ``name`` by data movement alone, the moves from it to ``name``):
    ``name`` and no moves when folding did not compute it so. A move is ("transpose", perm or None),
    ("expand", shape) or ("reshape", shape)."""
    steps: list = []
    node = t.model.computed.get(name)
    while node is not None and node.op_type in _MOVING and node.input:
        shape = tuple(int(n) for n in t.model.consts[node.output[0]].shape)
        if node.op_type == "Transpose":
            perm = next((tuple(a.ints) for a in node.attribute if a.name == "perm"), None)
            steps.append(("transpose", perm or None))
        else:
            steps.append(("expand" if node.op_type == "Expand" else "reshape", shape))
        name = node.input[0]
        node = t.model.computed.get(name)
    return name, tuple(reversed(steps))


def _replay(values, steps: tuple):
    """``values`` moved by ``steps`` (:func:`_moved`)."""
    import numpy
    for op, arg in steps:
        if op == "transpose":
            values = numpy.transpose(values, arg)
        elif op == "expand":
            values = numpy.broadcast_to(values, arg)
        else:
            values = values.reshape(arg)
    return values
