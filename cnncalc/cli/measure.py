"""`cnncalc measure SPEC`: the spec's latency measured on this machine's CPU with onnxruntime (the
onnxruntime extra), beside the roofline bound and the estimate on --device."""

from __future__ import annotations

import sys
from typing import Any, Optional

import click

from cnncalc.cli.options import format_option, options_of
from cnncalc.cli.specpath import SPEC_PATH
from cnncalc.record import record


@record
class Measured:
    name: str
    source: str
    ort_version: str
    measurement: Any          # cnncalc.measure.Measurement
    bound: Any = None         # cnncalc.roofline.Roofline on --device
    estimate: Any = None      # cnncalc.estimate.Estimate
    device: Optional[Any] = None


EXAMPLES = """\b
Examples:
  cnncalc measure zoo:lenet5 --device t4
  cnncalc measure zoo:lenet5 --threads 2 --repeats 20 --format json"""


@click.command(epilog=EXAMPLES)
@click.argument("spec", metavar="SPEC", type=SPEC_PATH)
@click.option("--threads", type=click.IntRange(min=1), default=1, show_default=True,
              help="onnxruntime's intra-op threads.")
@click.option("--warmup", type=click.IntRange(min=0), default=3, show_default=True, help="Untimed runs first.")
@click.option("--repeats", type=click.IntRange(min=1), default=10, show_default=True, help="Timed runs.")
@click.option("--no-layers", is_flag=True, help="Skip the profiled run that times each layer.")
@format_option("table", "json")
@options_of("measure")
def measure(spec: str, threads: int, warmup: int, repeats: int, no_layers: bool, output_format: str,
            input_shape, read_limits, overrides, settings) -> None:
    """Run SPEC on this machine's CPU in onnxruntime (as `export --to onnx` writes it, seeded random weights,
    float32, batch 1, every graph optimisation on) and print the median of the timed runs and their spread,
    per layer where onnxruntime's profiler gives it, beside the roofline bound and the estimate on --device.
    Progress goes to standard error."""
    from cnncalc.analysis import analyze
    from cnncalc.measure import measure as run, require_onnxruntime
    from cnncalc.metrics import Figures
    from cnncalc.render.measure import StageProgress, measure_json, measure_text
    from cnncalc.spec import read_spec

    ort = require_onnxruntime()
    parsed = read_spec(spec, input_shape, read_limits, stdin=sys.stdin.buffer, overrides=overrides)
    report = analyze(parsed)
    bound = estimate = deployed = None
    if settings.device is not None:
        figures = Figures(report, parsed.graph, settings)
        bound, estimate = figures.roofline, figures.estimate
        deployed = figures.bound_network()[1]
    progress = StageProgress()
    try:
        result = run(parsed, report, threads, warmup, repeats, per_layer=not no_layers, progress=progress,
                     deployed=deployed)
    finally:
        progress.done()
    measured = Measured(name=report.name, source=report.source, ort_version=ort.__version__, measurement=result,
                        bound=bound, estimate=estimate, device=settings.device)
    click.echo(measure_json(measured) if output_format == "json" else measure_text(measured), nl=False)
