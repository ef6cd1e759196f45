"""`cnncalc verify SPEC`."""

from __future__ import annotations

import sys

import click

from cnncalc.cli.options import format_option, spec_options
from cnncalc.errors import ExitCode

EXIT_MISMATCH = ExitCode.BUDGET_EXCEEDED      # 1: the analysis and the execution disagree


@click.command()
@click.argument("spec", metavar="SPEC")
@format_option("table", "json")
@spec_options
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the random weights and input.")
@click.pass_context
def verify(ctx: click.Context, spec: str, output_format: str, input_shape, limits, seed: int) -> None:
    """Execute SPEC in numpy with random weights and check the analysis against it.

    Every layer's output shape is compared with the analysed one, and every output unit's receptive field
    with the input positions that can change it (docs/verify.md). Use --input to verify a large network
    on a smaller input. Exit codes: 0 all agree, 1 a disagreement, 2 a bad spec or a layer type that
    cannot be executed.
    """
    from cnncalc.analysis import analyze
    from cnncalc.spec import read_spec
    from cnncalc.verify import AGREE, UNVERIFIABLE, verify as run

    parsed = read_spec(spec, input_shape, limits, stdin=sys.stdin.buffer)
    report = analyze(parsed)
    from cnncalc.render.verify import ProgressBar
    with ProgressBar() as bar:
        result = run(parsed, report, seed=seed, progress=bar)
    if output_format == "json":
        from cnncalc.render.plain import to_json
        from cnncalc.render.verify_json import result_dict
        click.echo(to_json(result_dict(result)), nl=False)
    else:
        from cnncalc.render.table import console
        from cnncalc.render.verify import print_result
        print_result(result, console())
    if result.status == UNVERIFIABLE:
        from cnncalc.execute import executable_types
        reasons = "; ".join(u.reason for u in result.unexecutable)
        click.echo(f"cnncalc: error: {parsed.source}: not executable: {reasons}. verify can execute: "
                   f"{', '.join(executable_types())}", err=True)
        ctx.exit(int(ExitCode.BAD_INPUT))
    if result.status != AGREE:
        ctx.exit(int(EXIT_MISMATCH))
