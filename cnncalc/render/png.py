"""A minimal PNG writer (8-bit RGB, no interlace): the image format, without a dependency."""

from __future__ import annotations

import struct
import zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def rgb_png(pixels) -> bytes:
    """A PNG of ``pixels``, a numpy uint8 array of shape (height, width, 3)."""
    height, width, channels = pixels.shape
    if channels != 3:
        raise ValueError("rgb_png needs height × width × 3 values")
    rows = b"".join(b"\x00" + pixels[y].tobytes() for y in range(height))     # filter 0 (none) on each row
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)              # 8 bits, RGB, deflate, no interlace
    return SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(rows, 9)) + _chunk(b"IEND", b"")
