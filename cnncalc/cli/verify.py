"""`cnncalc verify SPEC`."""

from __future__ import annotations

import sys

import click

from cnncalc.cli.options import format_option, options_of
from cnncalc.cli.output import emit
from cnncalc.cli.specpath import SPEC_PATH
from cnncalc.errors import ExitCode


DEFAULT_WORK = "300G"        # cnncalc.verifycost.MAX_WORK, written here so that --help does not load numpy
DEFAULT_LAYER_WEIGHTS = "50M"   # cnncalc.verifycost.MAX_LAYER_WEIGHTS


def _parse_count(text, option: str):
    if text is None:
        return None
    from cnncalc import units
    try:
        value = units.parse_count(text, option)
    except units.UnitError as err:
        raise click.BadParameter(str(err)) from None
    if value < 1:
        raise click.BadParameter(f"{option} must be at least 1")
    return value


@click.command(epilog="\b\nExamples:\n  cnncalc verify seed:inception_bottleneck\n"
                       "  cnncalc verify zoo:resnet18 --input 3,32,32 --format json")
@click.argument("spec", metavar="SPEC", type=SPEC_PATH)
@format_option("table", "json")
@options_of("verify")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seed of the random weights and input (a non-negative integer).")
@click.option("--max-work", "max_work", metavar="COUNT", callback=lambda c, p, v: _parse_count(v, "--max-work"),
              help=f"Refuse a spec whose execution would take more than this many operations: examples executed × "
                   f"(MACs + 50 × elements of every layer). Counts take K, M, G, T.  [default: {DEFAULT_WORK}, "
                   f"about half a minute on two cores]")
@click.option("--max-layer-weights", "max_layer_weights", metavar="COUNT",
              callback=lambda c, p, v: _parse_count(v, "--max-layer-weights"),
              help=f"Refuse a spec with a layer of more weights (parameters + state) than this: verify draws "
                   f"them as float64, 8 bytes each. Counts take K, M, G, T.  [default: {DEFAULT_LAYER_WEIGHTS}, "
                   f"400 MB]")
@click.pass_context
def verify(ctx: click.Context, spec: str, output_format: str, input_shape, read_limits, overrides, settings,
           seed: int, max_work: int, max_layer_weights: int) -> None:
    """Execute SPEC in numpy with random weights and check the analysis against it.

    Every layer's output shape is compared with the analysed one, and every output unit's receptive field
    with the input positions that can change it (docs/verify.md). Use --input to verify a large network
    on a smaller input (a refusal names one that fits). With --patches RxC the patch schedule is executed
    too, tile by tile: its stitched output against the whole run's, and the bytes it held against the
    reported patch peak. Exit codes: 0 all agree, 1 a disagreement, 2 a bad spec or option, a layer type
    that cannot be executed, or a spec too large to execute (memory or --max-work).
    """
    from cnncalc.analysis import analyze
    from cnncalc.spec import read_spec
    from cnncalc.verify import AGREE, UNVERIFIABLE, verify as run
    from cnncalc.verifycost import MAX_LAYER_WEIGHTS, MAX_WORK

    parsed = read_spec(spec, input_shape, read_limits, stdin=sys.stdin.buffer, overrides=overrides)
    report = analyze(parsed)
    schedule = None
    if settings.patches is not None:             # a grid or cut that cannot work is refused before any run
        from cnncalc.patches import patch_schedule, streamed
        schedule = patch_schedule(parsed, settings.patches, settings.patch_until, report,
                                  stream=streamed(settings.patch_input))
    from cnncalc.render.verify import ProgressBar, reason_text
    with ProgressBar() as bar:
        result = run(parsed, report, seed=seed, progress=bar,
                     max_work=max_work if max_work is not None else MAX_WORK,
                     max_layer_weights=max_layer_weights if max_layer_weights is not None else MAX_LAYER_WEIGHTS,
                     rebuild=None if spec == "-" else lambda shape: read_spec(spec, shape, read_limits,
                                                                                overrides=overrides))
    patch_run = None
    if schedule is not None:
        from cnncalc.patchverify import run_patches
        patch_run = run_patches(parsed, schedule, report, seed)
    if patch_run is None:
        emit(result, output_format)
    elif output_format == "json":                # the patch run inside the one document
        from cnncalc.render.document import to_json
        from cnncalc.render.verify import patch_run_dict, result_dict
        click.echo(to_json({**result_dict(result), "patches": patch_run_dict(patch_run)}), nl=False)
    else:
        from cnncalc.render.verify import patch_run_lines
        emit(result, output_format)
        click.echo("\n".join(patch_run_lines(patch_run)))
    if patch_run is not None and patch_run.refused:
        layer, why = patch_run.refused[0]
        click.echo(f"cnncalc: error: {parsed.source}: layer '{layer}' cannot run patch by patch: {why}", err=True)
        ctx.exit(int(ExitCode.BAD_INPUT))
    if result.status == UNVERIFIABLE:
        from cnncalc.execute import executable_types
        reasons = "; ".join(reason_text(u) for u in result.unexecutable)
        known = (f". verify can execute: {', '.join(executable_types())}"
                 if any(u.no_executor for u in result.unexecutable) else "")
        click.echo(f"cnncalc: error: {parsed.source}: not executable: {reasons}{known}", err=True)
        ctx.exit(int(ExitCode.BAD_INPUT))
    if result.status != AGREE or (patch_run is not None and not patch_run.ok):
        ctx.exit(int(ExitCode.DISAGREEMENT))

