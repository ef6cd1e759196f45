"""`cnncalc checkerboard --kernel K --stride S`: the overlap map of a transposed convolution."""

from __future__ import annotations

import click

MAX_SIDE = 64


@click.command()
@click.option("--kernel", "-k", type=click.IntRange(min=1), required=True, help="Kernel size (every axis).")
@click.option("--stride", "-s", type=click.IntRange(min=1), required=True, help="Stride (every axis).")
@click.option("--dims", type=click.IntRange(1, 3), default=2, show_default=True, help="Spatial axes: 1, 2 or 3.")
@click.option("--stack", type=click.IntRange(min=1), default=1, show_default=True,
              help="Identical transposed convolutions applied in turn; their overlaps compound.")
@click.option("--input", "input_size", type=click.IntRange(min=1), default=4, show_default=True,
              help="Input positions per axis.")
def checkerboard(kernel: int, stride: int, dims: int, stack: int, input_size: int) -> None:
    """Print how many kernel taps of a transposed convolution reach each output position.

    Where the kernel is not a multiple of the stride the counts alternate: the checkerboard artefact.
    """
    size = input_size
    for _ in range(stack):
        size = (size - 1) * stride + kernel
    if size > MAX_SIDE:
        raise click.BadParameter(f"the output would be {size} positions per axis; the map is drawn up to "
                                 f"{MAX_SIDE}: use a smaller --input, --kernel or --stack", param_hint="--input")
    from cnncalc.checkerboard import overlap
    from cnncalc.render.checkerboard import print_overlap
    from cnncalc.render.table import console

    print_overlap(overlap(kernel, stride, dims, stack, input_size), console())
