"""The values of a few named weights of an ONNX file, read on demand: the import otherwise leaves every weight
larger than :data:`cnncalc.onnximport.slim.SMALL_BYTES` in the file (a :class:`cnncalc.onnximport.slim.Stub`).
A handler that must see a weight's values to know what it is (a folded relative position bias: one value per
relative offset, or not) asks for that one tensor; the file is walked with :mod:`cnncalc.onnximport.slim`'s
field reader, and only that tensor's bytes are decoded. Tensors stored as external data are never read."""

from __future__ import annotations

import mmap
from typing import Optional

from cnncalc.onnximport import slim

# the most bytes of one tensor read on demand
PEEK_BYTES = 1 << 22


def values(path: str, name: str, limit: int = PEEK_BYTES):
    """The numpy array of the initializer ``name`` of the model at ``path``, or None when it is absent, stored
    as external data, or larger than ``limit`` bytes."""
    from google.protobuf.message import DecodeError
    from onnx import TensorProto, numpy_helper

    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        span = _find(data, name.encode("utf-8"))
        if span is None or span[1] - span[0] > limit:
            return None
        try:
            tensor = TensorProto.FromString(bytes(data[span[0]:span[1]]))
        except DecodeError:
            return None
    if tensor.external_data or tensor.data_location == TensorProto.EXTERNAL:
        return None
    try:
        return numpy_helper.to_array(tensor)
    except (ValueError, TypeError):         # declared dimensions that its data does not hold: not read
        return None


def _find(data, name: bytes) -> Optional[tuple]:
    """(start, end) of the initializer ``name``'s message in the model ``data``."""
    for number, wire, _, value_at, stop in slim.fields(data, 0, len(data)):
        if number != slim.MODEL_GRAPH or wire != 2:
            continue
        for field, kind, _, start, end in slim.fields(data, value_at, stop):
            if field != slim.GRAPH_INITIALIZER or kind != 2:
                continue
            for inner, _, _, at, until in slim.fields(data, start, end):
                if inner == slim.TENSOR_NAME and bytes(data[at:until]) == name:
                    return start, end
    return None
