"""`cnncalc graph SPEC`: the network as a picture (Mermaid, DOT, or SVG/PNG rendered by Graphviz)."""

from __future__ import annotations

import sys

import click

from cnncalc.cli.usage import Choice

from cnncalc.cli.options import options_of
from cnncalc.cli.output import binary_stdout, write_text
from cnncalc.cli.specpath import SPEC_PATH

EXAMPLES = """\b
Examples:
  cnncalc graph seed:inception_bottleneck
  cnncalc graph zoo:resnet50 --depth 1 --direction LR --format svg -o resnet50.svg"""


@click.command(epilog=EXAMPLES)
@click.argument("spec", metavar="SPEC", type=SPEC_PATH)
@click.option("--format", "-f", "output_format", type=Choice(["mermaid", "dot", "svg", "png"]),
              default="mermaid", show_default=True,
              help="Mermaid or Graphviz DOT text; svg and png are rendered by Graphviz's dot program.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write to this file instead of standard output.")
@click.option("--depth", type=click.IntRange(min=1), default=None,
              help="Fold every block deeper than this many parts of the layer names into one box (as analyze).")
@click.option("--direction", type=Choice(["TB", "LR"], case_sensitive=False), default="TB", show_default=True,
              help="Top to bottom, or left to right.")
@click.option("--fuse/--no-fuse", default=True, show_default=True,
              help="Draw a batch norm and an activation inside the box of the layer they fuse into.")
@options_of("graph")
def graph(spec: str, output_format: str, output, depth, direction: str, fuse: bool, input_shape, read_limits,
          overrides) -> None:
    """Draw the layer graph of SPEC: each layer's name (within its block), type and output shape; blocks as
    clusters; merges (concat, add) as hexagons with an edge from each input; branches in the spec's order.
    A batch norm folded into the convolution before it, and an activation run in its producer, are drawn
    in that producer's box (conv 3×3 + batchnorm + relu), as a fused runtime graph runs them.

    Mermaid renders on GitHub inside a ```mermaid block; DOT goes through Graphviz (dot -Tsvg).
    """
    from cnncalc.analysis import analyze
    from cnncalc.render.graph import picture
    from cnncalc.spec import read_spec

    report = analyze(read_spec(spec, input_shape, read_limits, stdin=sys.stdin.buffer, overrides=overrides))
    pic = picture(report, depth=depth, fuse=fuse, direction=direction.upper())
    if output_format == "mermaid":
        from cnncalc.render.mermaid import mermaid
        data = mermaid(pic).encode("utf-8")
    else:
        from cnncalc.render.dot import dot, render
        source = dot(pic)
        data = source.encode("utf-8") if output_format == "dot" else render(source, output_format)
    if output is not None:
        with open(output, "wb") as handle:
            handle.write(data)
        return
    if output_format == "png" and sys.stdout.isatty():
        raise click.UsageError("a PNG image is not for the terminal: write it with -o FILE or redirect it")
    if output_format in ("mermaid", "dot"):       # text: through the stream's encoding (ASCII stand-ins)
        write_text(data.decode("utf-8"), None)
        return
    stream = binary_stdout()
    stream.write(data)
    stream.flush()
