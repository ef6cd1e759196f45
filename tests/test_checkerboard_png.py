"""`cnncalc checkerboard --png`: the PNG decoded by a reader written here (chunks, CRCs, inflate, filters) and
compared pixel for pixel with the overlap counted by brute force."""

from __future__ import annotations

import struct
import zlib

import pytest


def decode_png(data: bytes):
    """(width, height, rows of (r, g, b) pixels) of an 8-bit RGB PNG; every filter type undone."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert zlib.crc32(kind + body) & 0xFFFFFFFF == crc, kind
        chunks.append((kind, body))
        pos += 12 + length
    assert chunks[0][0] == b"IHDR" and chunks[-1][0] == b"IEND"
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert (depth, colour, interlace) == (8, 2, 0)
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    stride, rows, previous = 3 * width, [], bytes(3 * width)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - 3] if x >= 3 else 0
            up, corner = previous[x], previous[x - 3] if x >= 3 else 0
            if kind == 1:
                line[x] = (line[x] + left) & 255
            elif kind == 2:
                line[x] = (line[x] + up) & 255
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[x] = (line[x] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
            else:
                assert kind == 0
        previous = bytes(line)
        rows.append([tuple(line[i:i + 3]) for i in range(0, stride, 3)])
    return width, height, rows


def taps_1d(size: int, kernel: int, stride: int) -> list[int]:
    """Brute force: input i's tap t lands on output i·stride + t."""
    out = [0] * ((size - 1) * stride + kernel)
    for i in range(size):
        for t in range(kernel):
            out[i * stride + t] += 1
    return out


def grey(value: int, high: int) -> int:
    return (255 * value + high // 2) // high           # round(255 · value / high), halves up


@pytest.mark.parametrize("kernel, stride, size, scale", [(3, 2, 4, 1), (3, 2, 4, 5), (4, 2, 3, 2), (5, 3, 2, 3)])
def test_2d_map_pixel_for_pixel(cli, tmp_path, kernel, stride, size, scale):
    target = tmp_path / "map.png"
    code, out, _ = cli("checkerboard", "-k", str(kernel), "-s", str(stride), "--positions", str(size),
                       "--png", str(target), "--scale", str(scale))
    assert code == 0 and "Overlap map" in out          # the text map is printed as before
    axis = taps_1d(size, kernel, stride)
    high = max(axis) ** 2
    width, height, rows = decode_png(target.read_bytes())
    assert width == height == len(axis) * scale
    for y in range(height):
        for x in range(width):
            g = grey(axis[y // scale] * axis[x // scale], high)
            assert rows[y][x] == (g, g, g), (x, y)


def test_1d_map_and_3d_planes(cli, tmp_path):
    target = tmp_path / "line.png"
    assert cli("checkerboard", "-k", "3", "-s", "2", "--dims", "1", "--png", str(target), "--scale", "1")[0] == 0
    axis = taps_1d(4, 3, 2)                     # [1, 1, 2, 1, 2, 1, 2, 1, 1]
    assert axis == [1, 1, 2, 1, 2, 1, 2, 1, 1]
    width, height, rows = decode_png(target.read_bytes())
    assert (width, height) == (9, 1)
    assert rows[0] == [(v, v, v) for v in (128, 128, 255, 128, 255, 128, 255, 128, 128)]

    target = tmp_path / "cube.png"
    assert cli("checkerboard", "-k", "3", "-s", "2", "--dims", "3", "--png", str(target), "--scale", "1")[0] == 0
    width, height, rows = decode_png(target.read_bytes())
    n = len(axis)
    assert (width, height) == (n * n + n - 1, n)       # n depth planes side by side, a column between each
    for y in range(n):
        for depth in range(n):
            for x in range(n):
                g = grey(axis[depth] * axis[y] * axis[x], 8)
                assert rows[y][depth * (n + 1) + x] == (g, g, g)
            if depth < n - 1:
                r, g_, b = rows[y][depth * (n + 1) + n]
                assert not r == g_ == b                 # the separator is no grey, so never a count


def test_dilation_gaps_are_black(cli, tmp_path):
    target = tmp_path / "gaps.png"
    assert cli("checkerboard", "-k", "2", "-s", "2", "-d", "2", "--dims", "1", "--png", str(target),
               "--scale", "1")[0] == 0
    # taps 2 apart with stride 2: input i reaches outputs 2i and 2i + 2; the odd positions get none
    out = [0] * 9
    for i in range(4):
        out[2 * i] += 1
        out[2 * i + 2] += 1
    _, _, rows = decode_png(target.read_bytes())
    assert [p[0] for p in rows[0]] == [grey(v, 2) for v in out]
    assert rows[0][1] == (0, 0, 0)
