"""`cnncalc compare A B [C ...]`."""

from __future__ import annotations

import sys

import click

from cnncalc.cli.options import check_device_dtype, figure_options, format_option, memory_options, spec_options
from cnncalc.cli.output import emit
from cnncalc.cli.specpath import SPEC_PATH


@click.command(epilog="\b\nExamples:\n  cnncalc compare zoo:resnet18 zoo:resnet50\n"
                       "  cnncalc compare seed:inception_naive seed:inception_bottleneck --by layer")
@click.argument("specs", nargs=-1, required=True, metavar="A B [C ...]", type=SPEC_PATH)
@click.option("--by", "by", type=click.Choice(["total", "layer"]), default="total", show_default=True,
              help="Compare the totals, or the layers aligned by name.")
@click.option("--depth", type=click.IntRange(min=1), default=None,
              help="With --by layer: group layers by the first N parts of their names "
                   "(mixed.conv3x3.reduce → mixed.conv3x3 at 2), summing their figures.")
@format_option("table", "json", "markdown", "csv")
@spec_options
@memory_options
@figure_options()
def compare(specs, by: str, depth, output_format: str, input_shape, limits, dtype: str,
            batch: int, settings) -> None:
    """Compare networks: totals side by side, with the change of each against the first (A).

    Parameters, MACs, FLOPs, parameter, activation and peak memory (with --training: training memory;
    with --device: the latency estimate), output shape and receptive field; the smallest value is
    highlighted. --by layer aligns the layers by name to show where variants differ.
    """
    from cnncalc.analysis import analyze
    from cnncalc.comparison import compare as run, compare_layers
    from cnncalc.metrics import Figures
    from cnncalc.spec import read_spec

    if len(specs) < 2:
        raise click.UsageError("compare needs at least two specs")
    if specs.count("-") > 1:
        raise click.UsageError("standard input (-) can be read only once")
    if depth is not None and by != "layer":
        raise click.UsageError("--depth applies to --by layer")
    check_device_dtype(settings, dtype)
    figures = []
    for path in specs:
        spec = read_spec(path, input_shape, limits, stdin=sys.stdin.buffer)
        figures.append(Figures(analyze(spec, dtype=dtype, batch=batch), spec.graph, settings))
    reports = [f.report for f in figures]
    emit(compare_layers(reports, depth, figures) if by == "layer" else run(reports, figures), output_format)
