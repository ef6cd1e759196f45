"""`cnncalc analyze SPEC`."""

from __future__ import annotations

import sys

import click

from cnncalc.cli.options import format_option, options_of
from cnncalc.cli.output import emit
from cnncalc.cli.specpath import SPEC_PATH
from cnncalc.render.columns import BY_NAME, DEFAULTS


@click.command(epilog="\b\nExamples:\n  cnncalc analyze zoo:resnet50\n"
                       "  cnncalc analyze zoo:mobilenet_v2 --input 3,160,160 --format markdown")
@click.argument("spec", metavar="SPEC", type=SPEC_PATH)
@format_option("table", "json", "markdown", "csv")
@click.option("--depth", type=click.IntRange(min=1), metavar="N",
              help="Fold every block deeper than N parts of the layer names ('layer2.0.conv1' has 3) into one row; "
                   "the totals stay those of the whole network.")
@click.option("--columns", metavar="LIST", callback=lambda c, p, v: _parse_columns(v),
              help=f"The per-layer columns, comma-separated, in every format, from: {', '.join(BY_NAME)} "
                   "(docs/conventions.md, 'Per-layer columns').  [default: "
                   f"{','.join(name for name in DEFAULTS['table'] if not BY_NAME[name].needs)} for the table "
                   "and Markdown (and latency,bound with --device); JSON's and CSV's in docs/conventions.md]")
@click.option("--quiet", "-q", is_flag=True, help="The totals only: no per-layer rows (table and markdown).")
@options_of("analyze")
def analyze(spec: str, output_format: str, depth, columns, quiet: bool, input_shape, read_limits, overrides,
            dtype: str, batch: int, settings) -> None:
    """Per-layer table and totals of the network in SPEC (a YAML file, or - for standard input), with the
    peak memory at inference; --training adds training memory, --device a roofline latency estimate."""
    from cnncalc.analysis import analyze as run
    from cnncalc.metrics import Figures
    from cnncalc.spec import read_spec

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
        figures = figures.shown_as(fold(figures.report, depth))
    options: dict = {"quiet": True} if quiet else {}
    if columns is not None:
        from cnncalc.render.columns import ColumnError, Context, select
        try:
            select(columns, output_format, Context(figures))
        except ColumnError as err:
            raise click.BadParameter(str(err), param_hint="'--columns'") from None
        options["columns"] = columns
    emit(figures, output_format, **options)


def _parse_columns(text):
    if text is None:
        return None
    from cnncalc.render.columns import ColumnError, parse
    try:
        return parse(text)
    except ColumnError as err:
        raise click.BadParameter(str(err)) from None
