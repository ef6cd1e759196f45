"""`cnncalc analyze SPEC`."""

from __future__ import annotations

import sys

import click

from cnncalc.cli.options import format_option, options_of
from cnncalc.cli.output import emit
from cnncalc.cli.specpath import SPEC_PATH


@click.command(epilog="\b\nExamples:\n  cnncalc analyze zoo:resnet50\n"
                       "  cnncalc analyze zoo:mobilenet_v2 --input 3,160,160 --format markdown")
@click.argument("spec", metavar="SPEC", type=SPEC_PATH)
@format_option("table", "json", "markdown", "csv")
@click.option("--depth", type=click.IntRange(min=1), metavar="N",
              help="Fold every block deeper than N parts of the layer names ('layer2.0.conv1' has 3) into one row; "
                   "the totals stay those of the whole network.")
@click.option("--columns", metavar="LIST", callback=lambda c, p, v: _parse_columns(v),
              help="The table's columns, comma-separated, from: layer, type, output, params, params% (each "
                   "layer's share of the parameters), macs, macs%, flops, rf, mem.  [default: layer,type,output,"
                   "params,macs,flops,rf,mem]")
@click.option("--quiet", "-q", is_flag=True, help="The totals only: no per-layer rows (table and markdown).")
@options_of("analyze")
def analyze(spec: str, output_format: str, depth, columns, quiet: bool, input_shape, read_limits, overrides,
            dtype: str, batch: int, settings) -> None:
    """Per-layer table and totals of the network in SPEC (a YAML file, or - for standard input), with the
    peak memory at inference; --training adds training memory, --device a roofline latency estimate."""
    from cnncalc.analysis import analyze as run
    from cnncalc.metrics import Figures
    from cnncalc.spec import read_spec

    if columns is not None and output_format != "table":
        raise click.UsageError("--columns chooses the columns of the table (--format table)")
    if quiet and output_format not in ("table", "markdown"):
        raise click.UsageError("--quiet is for --format table or markdown; JSON has the totals under 'totals'")

    parsed = read_spec(spec, input_shape, read_limits, stdin=sys.stdin.buffer, overrides=overrides)
    if parsed.budget is not None:      # a typo in the budget shows now, not first in CI
        from cnncalc.budget.engine import spec_limits
        spec_limits(parsed)
    report = run(parsed, dtype=dtype, batch=batch)
    figures = Figures(report, parsed.graph, settings)
    if depth is not None:              # rows grouped for display; every figure stays the whole network's
        from cnncalc.render.fold import fold
        figures = figures.shown_as(fold(report, depth))
    options: dict = {"quiet": True} if quiet else {}
    if columns is not None:
        options["columns"] = columns
    emit(figures, output_format, **options)


def _parse_columns(text):
    if text is None:
        return None
    from cnncalc.render.table import COLUMN_NAMES
    names = [name.strip().lower() for name in text.split(",")]
    for name in names:
        if name not in COLUMN_NAMES:
            from cnncalc.errors import did_you_mean
            raise click.BadParameter(f"unknown column '{name}'{did_you_mean(name, COLUMN_NAMES)}; columns are "
                                     f"{', '.join(COLUMN_NAMES)}")
    if len(set(names)) != len(names):
        raise click.BadParameter("a column is named twice")
    return tuple(names)
