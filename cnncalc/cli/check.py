"""`cnncalc check SPEC...`: size budgets, for CI and pre-commit."""

from __future__ import annotations

import os
import sys

import click

from cnncalc.cli.options import check_device_dtype, figure_options, format_option, memory_options, spec_options
from cnncalc.cli.output import emit
from cnncalc.cli.specpath import SPEC_PATH
from cnncalc.metrics import BUDGET_KEYS, BY_KEY

# (metric, option) for every limit that can be given on the command line
LIMIT_OPTIONS = tuple((key, "--max-" + key.replace("_", "-")) for key in BUDGET_KEYS)


def _limit_options(func):
    for key, option in reversed(LIMIT_OPTIONS):
        kind = BY_KEY[key].kind
        example = {"bytes": "100MiB", "seconds": "5ms"}.get(kind, "25M")
        func = click.option(option, f"max_{key}", metavar="LIMIT",
                            help=f"Largest allowed {BY_KEY[key].label} (e.g. {example}).")(func)
    return func


def _parse_limits(values: dict) -> dict:
    from cnncalc import units
    from cnncalc.budget.engine import OPTION, Limit

    limits = {}
    for key, option in LIMIT_OPTIONS:
        text = values.get(f"max_{key}")
        if text is None:
            continue
        try:
            amount = units.parse(text, BY_KEY[key].kind, key)
        except units.UnitError as err:
            raise click.BadParameter(str(err), param_hint=f"'{option}'") from None
        limits[key] = Limit(key, amount, OPTION, option)
    return limits


def _parse_increases(values) -> tuple[dict, dict]:
    """'5%' (every metric) and 'params=2%' (one metric; these win over a plain percentage). Each at most once;
    an empty item, an empty metric ('=3%') or percentage ('params='), or a second '=' is a usage error."""
    from cnncalc import units

    general, specific, texts = None, {}, {}
    for value in values:
        for item in value.split(","):
            item = item.strip()
            if not item:
                raise click.BadParameter(f"'{value}' has an empty item; write 5% or params=2%, items separated "
                                         f"by commas", param_hint="'--max-increase'")
            if item.count("=") > 1:
                raise click.BadParameter(f"'{item}' has more than one '='; write metric=percentage, such as "
                                         f"params=2%", param_hint="'--max-increase'")
            metric, equals, percent = item.rpartition("=")
            metric = metric.strip()
            if equals and not metric:
                raise click.BadParameter(f"'{item}' has no metric before '='; write params=2% for one metric, "
                                         f"or 5% for every metric", param_hint="'--max-increase'")
            if equals and not percent.strip():
                raise click.BadParameter(f"'{item}' has no percentage after '='; write {metric}=2%",
                                         param_hint="'--max-increase'")
            if metric and metric not in BUDGET_KEYS:
                from cnncalc.errors import did_you_mean
                raise click.BadParameter(f"unknown metric '{metric}'{did_you_mean(metric, BUDGET_KEYS)}; "
                                         f"metrics are {', '.join(BUDGET_KEYS)}", param_hint="'--max-increase'")
            try:
                fraction = units.parse_percent(percent, "--max-increase")
            except units.UnitError as err:
                raise click.BadParameter(str(err), param_hint="'--max-increase'") from None
            if (metric in specific) if metric else (general is not None):
                what = f"the increase of '{metric}'" if metric else "a plain percentage (every metric)"
                raise click.BadParameter(f"{what} is given twice; give each at most once",
                                         param_hint="'--max-increase'")
            if metric:
                specific[metric] = fraction
                texts[metric] = percent.strip()
            else:
                general = (fraction, percent.strip())
    increases = {}
    for key in BUDGET_KEYS:
        if key in specific:
            increases[key] = specific[key]
        elif general is not None:
            increases[key] = general[0]
            texts[key] = general[1]
    return increases, texts


@click.command(epilog="\b\nExamples:\n  cnncalc check zoo:resnet50 --max-params 30M --max-macs 4.5G\n"
                       "  cnncalc check seed:inception_naive seed:inception_bottleneck --max-params 10K")
@click.argument("specs", nargs=-1, metavar="[SPEC]...", type=SPEC_PATH)
@_limit_options
@click.option("--budget", "budget_path", metavar="FILE",
              help="A budget file: limits for many specs, by path or glob (see docs/ci.md). Without SPEC, "
                   "checks every spec it names.")
@click.option("--baseline", metavar="OLD", help="A spec (or a folder of specs at the same paths) to compare "
                                                 "with; needs --max-increase.")
@click.option("--max-increase", "max_increase", multiple=True, metavar="PCT",
              help="Largest allowed increase over --baseline: 5% for every metric, or params=2% for one "
                   "(repeatable, or comma-separated).")
@click.option("--skip-non-specs", is_flag=True,
              help="Skip YAML files that are not cnncalc specs (no 'layers'), as when pre-commit passes "
                   "every changed YAML file.")
@format_option("text", "json", "markdown")
@spec_options
@memory_options
@figure_options(training_flag=False)
def check(specs, budget_path, baseline, max_increase, skip_non_specs, output_format, input_shape, limits,
          dtype, batch, settings, **limit_values) -> None:
    """Check SPECs against size limits; one line per spec and limit.

    Limits come from the --max-... options, the spec's 'budget:' block, a --budget file, and
    --baseline with --max-increase. Counts take K, M, G, T (powers of 1000); byte sizes take KB, MB, GB
    (powers of 1000) or KiB, MiB, GiB (powers of 1024); a plain integer is exact. Times (--max-latency,
    which needs --device) take s, ms, us, ns. Peak memory is at --dtype and --batch (--in-place to let
    runtime in-place layers reuse their input); training memory at --batch, --optimizer, --precision.

    Exit status: 0 every limit holds, 1 a limit is exceeded, 2 a bad spec, budget or option (including a
    spec with no limits at all).
    """
    from cnncalc.budget import engine as core
    from cnncalc.record import replace
    from cnncalc.render import check as render

    option_limits = _parse_limits(limit_values)
    check_device_dtype(settings, dtype)
    if "latency" in option_limits and settings.device is None:
        raise click.UsageError("--max-latency needs --device NAME or FILE (cnncalc devices lists the shipped "
                               "profiles)")
    increases, increase_text = _parse_increases(max_increase)
    if increases and baseline is None:
        raise click.UsageError("--max-increase needs --baseline OLD.yaml")
    if baseline is not None and not increases:
        raise click.UsageError("--baseline needs --max-increase (e.g. --max-increase 5%)")
    if baseline is not None and not os.path.exists(baseline):
        raise click.BadParameter(f"no such file or folder: {baseline}", param_hint="'--baseline'")
    if specs.count("-") > 1:
        raise click.UsageError("standard input (-) can be read only once")

    budget_file = None
    if budget_path is not None:
        from cnncalc.budget.file import read_budget_file
        budget_file = read_budget_file(budget_path)
    notes = ()
    if not specs:
        if budget_file is None:
            raise click.UsageError("give one or more SPEC files, or --budget FILE to check the specs it names")
        found, notes = budget_file.expand()
        if not found:
            raise click.UsageError(f"the budget file {budget_path} names no spec file")
        specs = tuple(found)

    request = core.Request(specs=tuple(specs), option_limits=option_limits, budget_file=budget_file,
                           baseline=baseline, increases=increases, increase_text=increase_text, dtype=dtype,
                           batch=batch, input_shape=input_shape, limits=limits,
                           skip_non_specs=skip_non_specs, settings=replace(settings, training=True))
    result = core.run(request, stdin=sys.stdin.buffer)
    if notes:
        result = core.CheckRun(result.results, result.dtype, result.batch, tuple(notes))

    for bad in result.errors:
        click.echo(f"cnncalc: error: {bad.error}", err=True)
    emit(result, output_format)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        # workflow commands go to stdout, except where stdout must stay pure JSON
        for line in render.annotations(result):
            click.echo(line, err=output_format == "json")
    click.get_current_context().exit(result.exit_code)
