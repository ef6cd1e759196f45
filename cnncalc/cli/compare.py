"""`cnncalc compare A B [C ...]`."""

from __future__ import annotations

import sys

import click

from cnncalc.cli.usage import Choice

from cnncalc.cli.options import format_option, options_of
from cnncalc.cli.output import emit
from cnncalc.cli.specpath import SPEC_PATH


@click.command(epilog="\b\nExamples:\n  cnncalc compare zoo:resnet18 zoo:resnet50\n"
                       "  cnncalc compare seed:inception_naive seed:inception_bottleneck --by layer")
@click.argument("specs", nargs=-1, required=True, metavar="A B [C ...]", type=SPEC_PATH)
@click.option("--sweep", metavar="NAME=V1,V2,...", multiple=True,
              help="Compare one SPEC at several values of one of its arguments (its 'args:'): one column per "
                   "value, headed NAME=VALUE. Repeated, the grid of every combination (the first varies "
                   "slowest), headed NAME=VALUE NAME=VALUE; the spec is read once.")
@click.option("--pareto", metavar="KEY,KEY:max,...",
              help="Keep only the columns on the Pareto front of these figures (params, macs, peak_memory, "
                   "...; smaller is better, larger with :max): leave out a network when another is at least "
                   "as good in every one and better in one.")
@click.option("--runtimes", metavar="R1,R2,...",
              help="Compare one SPEC as several runtimes deploy it (cnncalc runtimes): one column per runtime, "
                   "headed by its name.")
@click.option("--by", "by", type=Choice(["total", "layer"]), default="total", show_default=True,
              help="Compare the totals, or the layers aligned by name.")
@click.option("--depth", type=click.IntRange(min=1), default=None,
              help="With --by layer: group layers by the first N parts of their names "
                   "(mixed.conv3x3.reduce → mixed.conv3x3 at 2), summing their figures.")
@format_option("table", "json", "markdown", "csv")
@options_of("compare")
def compare(specs, sweep, pareto, runtimes, by: str, depth, output_format: str, input_shape, read_limits, overrides,
            dtype: str, batch: int, settings) -> None:
    """Compare networks: totals side by side, with the change of each against the first (A).

    Parameters, MACs, FLOPs, parameter, activation and peak memory (with --training: training memory;
    with --device: the latency estimate), output shape and receptive field; the smallest value is
    highlighted. --by layer aligns the layers by name to show where variants differ. --sweep NAME=V1,V2,...
    compares one SPEC with its argument NAME at each value (repeated: a grid); --pareto keeps the
    Pareto-optimal columns.
    """
    from cnncalc.analysis import analyze
    from cnncalc.comparison import compare as run, compare_layers, pareto_figures, pareto_keys
    from cnncalc.metrics import Figures
    from cnncalc.record import replace
    from cnncalc.spec import read_spec

    runs = [(path, overrides, None, settings) for path in specs]
    if sweep and runtimes is not None:
        raise click.UsageError("--sweep and --runtimes both make the columns; give one")
    keys = ()
    if pareto is not None:
        if by == "layer":
            raise click.UsageError("--pareto keeps networks by their totals; it does not apply to --by layer")
        try:
            keys = pareto_keys(pareto)
        except ValueError as err:
            raise click.BadParameter(str(err), param_hint="'--pareto'") from None
    document = None
    if sweep:
        runs = [(*run, settings) for run in _sweep_runs(specs, sweep, overrides)]
        from cnncalc.families import Document
        document = Document(specs[0], read_limits)           # read once, built per value
    elif runtimes is not None:
        runs = _runtime_runs(specs, runtimes, overrides, settings)
    elif len(specs) < 2:
        raise click.UsageError("compare needs at least two specs (or one SPEC and --sweep NAME=V1,V2,...)")
    if specs.count("-") > 1:
        raise click.UsageError("standard input (-) can be read only once")
    if depth is not None and by != "layer":
        raise click.UsageError("--depth applies to --by layer")
    figures = []
    for path, values, label, chosen in runs:
        spec = (document.spec(input_shape, values) if document is not None
                else read_spec(path, input_shape, read_limits, stdin=sys.stdin.buffer, overrides=values))
        report = analyze(spec, dtype=dtype, batch=batch)
        if label is not None:
            report = replace(report, name=label)
        figures.append(Figures(report, spec.graph, chosen))
    if keys:
        try:
            figures = [figures[i] for i in pareto_figures(figures, keys)]
        except ValueError as err:
            raise click.BadParameter(str(err), param_hint="'--pareto'") from None
    reports = [f.report for f in figures]
    emit(compare_layers(reports, depth, figures) if by == "layer" else run(reports, figures), output_format)


def _runtime_runs(specs: tuple, listed: str, overrides: dict, settings) -> list:
    """(spec, its --set values, column name, settings) for each runtime of ``--runtimes R1,R2,...``."""
    from cnncalc import runtimes
    from cnncalc.errors import did_you_mean
    from cnncalc.record import replace
    if len(specs) != 1:
        raise click.UsageError("--runtimes compares one SPEC as several runtimes deploy it; give one SPEC")
    if specs[0] == "-":
        raise click.UsageError("--runtimes reads the spec once per runtime: give a file, not standard input")
    if settings.runtime is not None:
        raise click.UsageError("--runtime and --runtimes both choose the runtime; give one")
    names = [name.strip() for name in listed.split(",")]
    if len(names) < 2 or not all(names) or len(set(names)) != len(names):
        raise click.BadParameter(f"'{listed}' is not two or more different runtimes, such as eager,fused",
                                 param_hint="'--runtimes'")
    for name in names:
        if name not in runtimes.SHIPPED:
            raise click.BadParameter(f"unknown runtime '{name}'{did_you_mean(name, runtimes.SHIPPED)}; one of "
                                     f"{', '.join(runtimes.SHIPPED)}", param_hint="'--runtimes'")
    return [(specs[0], overrides, name,
             replace(settings, runtime=None if name == runtimes.EAGER else runtimes.load(name))) for name in names]


MAX_GRID = 10_000                     # columns of a --sweep grid


def _sweep_runs(specs: tuple, sweeps: tuple, overrides: dict) -> list:
    """(spec, its --set values, column name) for each combination of the values of ``--sweep NAME=V1,V2,...``
    (repeated: their grid, the first varying slowest)."""
    import itertools
    if len(specs) != 1:
        raise click.UsageError("--sweep compares one SPEC at several values of its arguments; give one SPEC")
    if specs[0] == "-":
        raise click.UsageError("--sweep reads the spec once per value: give a file, not standard input")
    axes = [_sweep_axis(sweep, overrides) for sweep in sweeps]
    names = [name for name, _ in axes]
    for name in names:
        if names.count(name) > 1:
            raise click.UsageError(f"--sweep {name} is given twice; give its values once: {name}=V1,V2,...")
    size = 1
    for _, values in axes:
        size *= len(values)
    if size > MAX_GRID:
        raise click.UsageError(f"the --sweep grid has {size:,} combinations; at most {MAX_GRID:,}")
    runs = []
    for combination in itertools.product(*(values for _, values in axes)):
        values = dict(overrides)
        for name, (text, value) in zip(names, combination):
            values[name] = value
        runs.append((specs[0], values, " ".join(f"{name}={text}" for name, (text, _) in zip(names, combination))))
    return runs


def _sweep_axis(sweep: str, overrides: dict) -> tuple:
    """(NAME, [(text, value), ...]) of one ``--sweep NAME=V1,V2,...``."""
    from cnncalc.cli.options import parse_scalar
    name, equals, listed = sweep.partition("=")
    name = name.strip()
    texts = [text.strip() for text in listed.split(",")]
    if not equals or not name or len(texts) < 2 or not all(texts):
        raise click.BadParameter(f"'{sweep}' is not NAME=V1,V2,... with two or more values, such as "
                                 f"width=0.5,1.0", param_hint="'--sweep'")
    if name in overrides:
        raise click.UsageError(f"--sweep {name} and --set {name} both give '{name}'")
    if len(set(texts)) != len(texts):
        raise click.BadParameter(f"'{sweep}' gives a value twice", param_hint="'--sweep'")
    return name, [(text, parse_scalar(text, f"--sweep {name}")) for text in texts]
