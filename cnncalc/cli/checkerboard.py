"""`cnncalc checkerboard --kernel K --stride S`: the overlap map of a transposed convolution."""

from __future__ import annotations

import click

from cnncalc import checkerboard as core


EXAMPLES = """\b
Examples:
  cnncalc checkerboard --kernel 3 --stride 2
  cnncalc checkerboard -k 4 -s 2 --stack 2 --png overlap.png"""


@click.command(epilog=EXAMPLES)
@click.option("--kernel", "-k", type=click.IntRange(min=1), required=True, help="Kernel size (every axis).")
@click.option("--stride", "-s", type=click.IntRange(min=1), required=True, help="Stride (every axis).")
@click.option("--dilation", "-d", type=click.IntRange(min=1), default=1, show_default=True,
              help="Dilation (every axis): the taps are this many positions apart.")
@click.option("--dims", type=click.IntRange(1, 3), default=2, show_default=True, help="Spatial axes: 1, 2 or 3.")
@click.option("--stack", type=click.IntRange(min=1), default=1, show_default=True,
              help="Identical transposed convolutions applied in turn; their overlaps compound.")
@click.option("--positions", "-n", "positions", type=click.IntRange(min=1), default=None,
              help="Input positions per axis.  [default: 4]")
@click.option("--input", "old_positions", type=click.IntRange(min=1), default=None, hidden=True,
              help="The old name of --positions (elsewhere --input is a shape).")
@click.option("--png", "png_file", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Also write the map as a PNG image: grey ∝ taps (black: none); 3-D planes side by side.")
@click.option("--scale", type=click.IntRange(1, 64), default=8, show_default=True,
              help="With --png: pixels per output position (each side).")
def checkerboard(kernel: int, stride: int, dilation: int, dims: int, stack: int, positions, old_positions,
                 png_file, scale: int) -> None:
    """Print how many kernel taps of a transposed convolution reach each output position.

    Where the kernel is not a multiple of the stride, or the dilation shares a factor with the stride, the
    counts alternate: the checkerboard artefact.
    """
    if positions is not None and old_positions is not None:
        raise click.UsageError("--input is the old name of --positions: give one of them")
    input_size = positions or old_positions or 4
    size = core.output_size(input_size, kernel, stride, stack, dilation, limit=core.MAX_SIDE)
    if size > core.MAX_SIDE:
        more = "" if stack == 1 else " or more"      # the count stops at the first layer past the limit
        raise click.BadParameter(f"the output would be {size}{more} positions per axis; the map is drawn up to "
                                 f"{core.MAX_SIDE}: use a smaller --positions, --kernel, --dilation or --stack",
                                 param_hint="--positions")
    if core.period_length(stride, stack, limit=core.MAX_PERIOD) > core.MAX_PERIOD:
        raise click.BadParameter(f"the interior pattern would repeat every {stride}^{stack} positions; it is "
                                 f"listed up to {core.MAX_PERIOD}: use a smaller --stride or --stack",
                                 param_hint="--stride")
    from cnncalc.render.checkerboard import print_overlap
    from cnncalc.render.terminal import console

    result = core.overlap(kernel, stride, dims, stack, input_size, dilation)
    print_overlap(result, console())
    if png_file is not None:
        from cnncalc.render.checkerboard import overlap_png
        with open(png_file, "wb") as handle:
            handle.write(overlap_png(result, scale))
