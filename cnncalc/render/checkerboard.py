"""The overlap map of `cnncalc checkerboard` as a Rich grid."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from cnncalc.checkerboard import Overlap

_STYLES = ("grey50", "blue", "cyan", "green", "yellow", "magenta", "red")


def _style(value: int, low: int, high: int) -> str:
    if high == low:
        return _STYLES[3]
    return _STYLES[round((value - low) * (len(_STYLES) - 1) / (high - low))]


def _grid(plane, low: int, high: int) -> Table:
    rows = plane if plane.ndim == 2 else plane.reshape(1, -1)
    width = len(str(high))
    table = Table.grid(padding=(0, 1))
    for _ in range(rows.shape[1]):
        table.add_column(justify="right", min_width=width)
    for row in rows:
        table.add_row(*(Text(str(int(v)), style=_style(int(v), low, high)) for v in row))
    return table


def print_overlap(result: Overlap, console: Console) -> None:
    dims_text = "×".join([str(result.input_size)] * result.dims)
    out_text = "×".join([str(result.output_size)] * result.dims)
    layers = "1 layer" if result.stack == 1 else f"{result.stack} stacked layers"
    dilation = f", dilation {result.dilation}" if result.dilation != 1 else ""
    console.print(f"Transposed convolution, kernel {result.kernel}, stride {result.stride}{dilation}, {result.dims}-D, "
                  f"{layers}: input {dims_text} → output {out_text}")
    console.print("Overlap map: kernel taps reaching each output position "
                  "(tap paths through every layer when stacked; the edges always get fewer)\n")
    low, high = int(result.grid.min()), int(result.grid.max())
    if result.dims == 3:
        for depth, plane in enumerate(result.grid):
            console.print(f"depth {depth}")
            console.print(_grid(plane, low, high))
    else:
        console.print(_grid(result.grid, low, high))
    first, last = result.interior_range
    period = len(result.period)
    pattern = " ".join(map(str, result.period))
    console.print(f"\nInterior, one axis, repeating every {period} positions: {pattern}")
    if result.even:
        coprime = f", and dilation {result.dilation} shares no factor with it" if result.dilation != 1 else ""
        console.print(f"[green]even[/]: every interior position gets {first} taps "
                      f"(kernel {result.kernel} is a multiple of stride {result.stride}{coprime})", highlight=False)
    else:
        console.print(f"[red]uneven[/]: interior positions get {first} to {last} taps, the checkerboard "
                      f"artefact ({result.cause}; Odena et al., Distill 2016)", highlight=False)


SEPARATOR = (0, 96, 255)     # the column between the depth planes of a 3-D map: not a grey, so never a count


def overlap_pixels(result: Overlap, scale: int):
    """The map as an RGB image: each output position a ``scale``×``scale`` square whose grey is
    round(255 · taps / most taps) (black: no taps); a 3-D map's depth planes side by side, left to right,
    one position's width of SEPARATOR between them."""
    import numpy as np

    grid = result.grid.astype(np.int64)
    high = int(grid.max())
    grey = ((255 * grid + high // 2) // high).astype(np.uint8)
    planes = list(grey) if result.dims == 3 else [grey if grey.ndim == 2 else grey.reshape(1, -1)]
    height = planes[0].shape[0]
    parts = []
    for index, plane in enumerate(planes):
        if index:
            parts.append(np.broadcast_to(np.array(SEPARATOR, dtype=np.uint8), (height, 1, 3)))
        parts.append(np.repeat(plane[:, :, None], 3, axis=2))
    cells = np.concatenate(parts, axis=1)
    return np.ascontiguousarray(np.repeat(np.repeat(cells, scale, axis=0), scale, axis=1))


def overlap_png(result: Overlap, scale: int) -> bytes:
    from cnncalc.render.png import rgb_png
    return rgb_png(overlap_pixels(result, scale))
