"""An ONNX file read without its weights: the protobuf's wire format walked down to the graph's initializers,
whose data is left in the file (docs/onnx.md, "Cost of reading a model").

Only the shapes of the weights count, so a tensor's data is copied only when it is small enough to be a
constant that decides a shape (a Reshape's target, a Slice's starts, a Pad's pads: at most
``SMALL_BYTES``). The file is memory-mapped and the data of the others is never touched, so a 500 MB model
costs what its graph costs. What is returned is the model's bytes without that data (``slim``) and the
stripped tensors' shapes and element types (``stubs``); onnx parses the slim bytes as any model.

Tensors stored outside the file (external data) are never read, whatever their size: they are stubs too,
so a model cannot make cnncalc open another file. A length that runs past its message, a varint longer
than ten bytes or a group (wire types 3, 4) is a truncated or foreign file, refused.
"""

from __future__ import annotations

import mmap
# a tensor whose data is at most this many bytes is kept (a constant that may decide a shape)
SMALL_BYTES = 1 << 16

# field numbers (onnx/onnx.proto)
MODEL_GRAPH, MODEL_TRAINING_INFO = 7, 20
GRAPH_INITIALIZER, GRAPH_SPARSE_INITIALIZER = 5, 15
TENSOR_DIMS, TENSOR_DATA_TYPE, TENSOR_NAME = 1, 2, 8
TENSOR_EXTERNAL_DATA, TENSOR_DATA_LOCATION = 13, 14
# float_data, int32_data, string_data, int64_data, raw_data, double_data, uint64_data
TENSOR_DATA = (4, 5, 6, 7, 9, 10, 11)


class WireError(Exception):
    """The bytes are not a protobuf message of the expected layout."""


class Stub:
    """A weight whose data was left in the file: its shape and ONNX element type only. Reading its values
    raises :class:`cnncalc.onnximport.mapping.Unmapped` (only shapes may depend on such a tensor)."""
    __slots__ = ("shape", "elem_type")

    def __init__(self, shape: tuple, elem_type: int):
        self.shape, self.elem_type = tuple(int(n) for n in shape), int(elem_type)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        size = 1
        for n in self.shape:
            size *= n
        return size

    def _values(self, *_):
        from cnncalc.onnximport.mapping import Unmapped
        raise Unmapped(f"it reads the values of a constant of shape {list(self.shape)}, which cnncalc does not "
                       f"load (only constants of at most {SMALL_BYTES} bytes decide shapes)")

    __iter__ = __float__ = __int__ = __index__ = __array__ = __getitem__ = reshape = _values

    def __repr__(self) -> str:
        return f"Stub({list(self.shape)}, type {self.elem_type})"


def _varint(data, pos: int, end: int) -> tuple:
    value = shift = 0
    while True:
        if pos >= end or shift > 63:
            raise WireError("a truncated or malformed varint")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7


def _encode_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def fields(data, start: int, end: int):
    """(field number, wire type, start of the field's key, start of its value, end of its value) of every
    field of the message in ``data[start:end]``; a length-delimited value spans its bytes without the
    length."""
    pos = start
    while pos < end:
        key_at = pos
        key, pos = _varint(data, pos, end)
        number, wire = key >> 3, key & 7
        if wire == 0:
            _, stop = _varint(data, pos, end)
        elif wire == 1:
            stop = pos + 8
        elif wire == 2:
            length, pos = _varint(data, pos, end)
            stop = pos + length
        elif wire == 5:
            stop = pos + 4
        else:
            raise WireError(f"wire type {wire} (field {number})")
        if stop > end:
            raise WireError(f"field {number} runs past the end of its message")
        yield number, wire, key_at, pos, stop
        pos = stop


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited field."""
    return _encode_varint(number << 3 | 2) + _encode_varint(len(payload)) + payload


def _dims(data, wire: int, start: int, stop: int) -> list:
    if wire == 0:
        value, _ = _varint(data, start, stop)
        return [value]
    dims, pos = [], start           # packed
    while pos < stop:
        value, pos = _varint(data, pos, stop)
        dims.append(value)
    return dims


def _tensor(data, start: int, end: int, stubs: dict) -> bytes:
    """The initializer in ``data[start:end]``: as it is when its data is small and in the file; else
    without its data (and its external-data reference), recorded in ``stubs``."""
    dims: list = []
    name, elem_type, data_bytes, external = "", 0, 0, False
    for number, wire, _, value_at, stop in fields(data, start, end):
        if number == TENSOR_DIMS:
            dims += _dims(data, wire, value_at, stop)
        elif number == TENSOR_DATA_TYPE:
            elem_type, _ = _varint(data, value_at, stop)
        elif number == TENSOR_NAME:
            name = bytes(data[value_at:stop]).decode("utf-8", "replace")
        elif number in TENSOR_DATA:
            data_bytes += stop - value_at
        elif number in (TENSOR_EXTERNAL_DATA, TENSOR_DATA_LOCATION):
            external = True
    if not external and data_bytes <= SMALL_BYTES and element_count(dims) <= SMALL_BYTES:
        return bytes(data[start:end])
    stubs[name] = Stub(tuple(dims), elem_type)
    kept = bytearray()
    for number, _, key_at, _, stop in fields(data, start, end):
        if number not in TENSOR_DATA and number not in (TENSOR_EXTERNAL_DATA, TENSOR_DATA_LOCATION):
            kept += data[key_at:stop]
    return bytes(kept)


def _graph(data, start: int, end: int, stubs: dict) -> bytes:
    out = bytearray()
    for number, _, key_at, value_at, stop in fields(data, start, end):
        if number == GRAPH_INITIALIZER:
            out += _field(GRAPH_INITIALIZER, _tensor(data, value_at, stop, stubs))
        elif number != GRAPH_SPARSE_INITIALIZER:
            out += data[key_at:stop]
    return bytes(out)


def _model(data, stubs: dict) -> bytes:
    out = bytearray()
    end = len(data)
    for number, wire, key_at, value_at, stop in fields(data, 0, end):
        if number == MODEL_GRAPH and wire == 2:
            out += _field(MODEL_GRAPH, _graph(data, value_at, stop, stubs))
        elif number != MODEL_TRAINING_INFO:
            out += data[key_at:stop]
    return bytes(out)


def read(path: str) -> tuple:
    """(the model's bytes without the data of its large or external tensors, {tensor name: :class:`Stub`}).
    OSError for a file that cannot be read; :class:`WireError` for one that is not a protobuf message."""
    with open(path, "rb") as handle:
        size = handle.seek(0, 2)
        if size == 0:
            return b"", {}
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            stubs: dict = {}
            try:
                return _model(data, stubs), stubs
            except IndexError:
                raise WireError("truncated") from None


def element_count(shape) -> int:
    """The number of elements of a shape (of ints)."""
    count = 1
    for n in shape:
        count *= int(n)
    return count
