"""`cnncalc analyze SPEC`."""

from __future__ import annotations

import sys

import click

from cnncalc.cli.options import format_option, memory_options, spec_options
from cnncalc.cli.output import emit


@click.command()
@click.argument("spec", metavar="SPEC")
@format_option("table", "json", "markdown", "csv")
@click.option("--depth", type=click.IntRange(min=1), metavar="N",
              help="Fold every block deeper than N parts of the layer names ('layer2.0.conv1' has 3) into one row; "
                   "the totals stay those of the whole network.")
@spec_options
@memory_options
def analyze(spec: str, output_format: str, depth, input_shape, limits, dtype: str, batch: int) -> None:
    """Per-layer table and totals of the network in SPEC (a YAML file, or - for standard input)."""
    from cnncalc.analysis import analyze as run
    from cnncalc.spec import read_spec

    parsed = read_spec(spec, input_shape, limits, stdin=sys.stdin.buffer)
    if parsed.budget is not None:      # a typo in the budget shows now, not first in CI
        from cnncalc.budget.engine import spec_limits
        spec_limits(parsed)
    report = run(parsed, dtype=dtype, batch=batch)
    if depth is not None:
        from cnncalc.render.fold import fold
        report = fold(report, depth)
    emit(report, output_format)
