"""`cnncalc check SPEC...`: size budgets, for CI and pre-commit."""

from __future__ import annotations

import os
import sys

import click

from cnncalc.cli.options import format_option, options_of
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


def _parse_increases(values) -> tuple[dict, dict, frozenset]:
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
    return increases, texts, frozenset(specific)


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
@click.option("--warn-at", "warn_at", metavar="PCT", callback=lambda c, p, v: _parse_warn_at(v),
              help="Mark a passing check at this share of its limit or more (e.g. 90%): WARN in the text, a "
                   "warning annotation on GitHub; the exit status stays 0.")
@click.option("--junit", "junit_path", metavar="FILE", help="Also write the results as JUnit XML to FILE (for CI "
                                                            "test dashboards).")
@format_option("table", "json", "markdown", "csv", "github", hidden=(("text", "table"),))
@options_of("check")
def check(specs, budget_path, baseline, max_increase, skip_non_specs, warn_at, junit_path, output_format,
          input_shape, read_limits, overrides, dtype, batch, settings, **limit_values) -> None:
    """Check SPECs against size limits; one line per spec and limit.

    Limits come from the --max-... options, the spec's 'budget:' block, a --budget file, and
    --baseline with --max-increase. Counts take K, M, G, T (powers of 1000); byte sizes take KB, MB, GB
    (powers of 1000) or KiB, MiB, GiB (powers of 1024); a plain integer is exact. Times (--max-latency,
    which needs --device) take s, ms, us, ns. Peak memory is at --dtype and --batch (--in-place to let
    runtime in-place layers reuse their input); training memory at --batch, --optimizer, --precision.

    Each spec's lines are printed as soon as it is checked. --format github: the text lines and GitHub
    Actions annotations, and the Markdown table appended to $GITHUB_STEP_SUMMARY when it is set. A SPEC
    that is the --budget file itself stands for every spec that file names (a pre-commit run where only the
    budget file changed).

    Exit status: 0 every limit holds, 1 a limit is exceeded, 2 a bad spec, budget or option (including a
    spec with no limits at all).
    """
    from cnncalc.budget import engine as core
    from cnncalc.render import check as render

    option_limits = _parse_limits(limit_values)
    if "latency" in option_limits and settings.device is None:
        raise click.UsageError("--max-latency needs --device NAME or FILE (cnncalc devices lists the shipped "
                               "profiles)")
    increases, increase_text, named_increases = _parse_increases(max_increase)
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
    notes: "tuple | list" = ()
    if budget_file is not None and specs:
        specs, notes = _expand_budget_argument(specs, budget_path, budget_file)
    if not specs:
        if budget_file is None:
            raise click.UsageError("give one or more SPEC files, or --budget FILE to check the specs it names")
        found, notes = budget_file.expand()
        if not found:
            raise click.UsageError(f"the budget file {budget_path} names no spec file")
        specs = tuple(found)

    request = core.Request(specs=tuple(specs), option_limits=option_limits, budget_file=budget_file,
                           baseline=baseline, increases=increases, increase_text=increase_text,
                           named_increases=named_increases, dtype=dtype,
                           batch=batch, input_shape=input_shape, read_limits=read_limits, overrides=overrides,
                           skip_non_specs=skip_non_specs, settings=settings)
    streamed = output_format in ("table", "github")
    from cnncalc.render.terminal import terminal_width
    lines = render.Lines(request.specs, warn_at, terminal_width(0))

    def report(one) -> None:
        if one.error is not None:
            click.echo(f"cnncalc: error: {one.error}", err=True)
        if streamed:
            for line in lines.of(one):
                click.echo(line)

    result = core.run(request, stdin=sys.stdin.buffer, on_result=report)
    if notes:
        result = core.CheckRun(result.results, result.dtype, result.batch, tuple(notes), result.runtime)

    if streamed:
        click.echo("\n".join(lines.end(result)))
    else:
        emit(result, output_format, warn_at=warn_at)
    if output_format == "github" or os.environ.get("GITHUB_ACTIONS") == "true":
        # workflow commands go to stdout, except where stdout must stay pure JSON
        for line in render.workflow_commands(result, warn_at):
            click.echo(line, err=output_format == "json")
    summary_path = os.environ.get("GITHUB_STEP_SUMMARY")
    if output_format == "github" and summary_path:
        with open(summary_path, "a", encoding="utf-8") as out:
            out.write(render.markdown(result, warn_at) + "\n")
    if junit_path:
        with open(junit_path, "w", encoding="utf-8") as out:
            out.write(render.junit(result, warn_at))
    click.get_current_context().exit(result.exit_code)


def _parse_warn_at(text):
    if text is None:
        return None
    from cnncalc import units
    try:
        share = units.parse_percent(text, "--warn-at")
    except units.UnitError as err:
        raise click.BadParameter(str(err)) from None
    if not 0 < share <= 1:
        raise click.BadParameter(f"'{text}' is not a share of the limit between 0% and 100%")
    return share


def _expand_budget_argument(specs: tuple, budget_path: str, budget_file) -> tuple:
    """SPECs with the budget file itself replaced by every spec it names (pre-commit passes the budget file
    when only it changed: the specs it covers are what must be checked again)."""
    budget = os.path.realpath(budget_path)
    if not any(spec != "-" and os.path.realpath(spec) == budget for spec in specs):
        return specs, ()
    found, notes = budget_file.expand()
    named = [spec for spec in specs if spec == "-" or os.path.realpath(spec) != budget]
    seen, unique = set(), []
    for spec in named + list(found):          # a spec both changed and named by the budget: checked once
        key = spec if spec == "-" else os.path.realpath(spec)
        if key not in seen:
            seen.add(key)
            unique.append(spec)
    return tuple(unique), tuple(notes)
