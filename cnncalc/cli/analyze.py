"""`cnncalc analyze SPEC`."""

from __future__ import annotations

import sys

import click

from cnncalc.cli.options import check_device_dtype, figure_options, format_option, memory_options, spec_options
from cnncalc.cli.output import emit
from cnncalc.cli.specpath import SPEC_PATH


@click.command(epilog="\b\nExamples:\n  cnncalc analyze zoo:resnet50\n"
                       "  cnncalc analyze zoo:mobilenet_v2 --input 3,160,160 --format markdown")
@click.argument("spec", metavar="SPEC", type=SPEC_PATH)
@format_option("table", "json", "markdown", "csv")
@spec_options
@memory_options
@figure_options()
def analyze(spec: str, output_format: str, input_shape, limits, dtype: str, batch: int, settings) -> None:
    """Per-layer table and totals of the network in SPEC (a YAML file, or - for standard input), with the
    peak memory at inference; --training adds training memory, --device a roofline latency estimate."""
    from cnncalc.analysis import analyze as run
    from cnncalc.metrics import Figures
    from cnncalc.spec import read_spec

    parsed = read_spec(spec, input_shape, limits, stdin=sys.stdin.buffer)
    if parsed.budget is not None:      # a typo in the budget shows now, not first in CI
        from cnncalc.budget.engine import spec_limits
        spec_limits(parsed)
    report = run(parsed, dtype=dtype, batch=batch)
    check_device_dtype(settings, dtype)
    emit(Figures(report, parsed.graph, settings), output_format)
