"""`cnncalc devices [NAME|FILE]...`: the device profiles of the latency estimate, with every figure's source;
`cnncalc devices calibrate -o FILE`: this machine's profile, fitted from measurements (cnncalc/calibrate.py)."""

from __future__ import annotations

import click

from cnncalc.cli.options import format_option


EXAMPLES = """\b
Examples:
  cnncalc devices jetson-orin-nano --format json
  cnncalc devices calibrate -o here.yaml"""


@click.command(epilog=EXAMPLES)
@click.argument("names", nargs=-1, metavar="[NAME|FILE]...")
@format_option("table", "json", hidden=(("text", "table"),))
@click.option("--output", "-o", "output", metavar="FILE", type=click.Path(dir_okay=False, path_type=str),
              help="calibrate: write the profile to FILE (else standard output).")
@click.option("--threads", type=click.IntRange(min=1), default=1, show_default=True,
              help="calibrate: onnxruntime's intra-op threads.")
def devices(names: tuple, output_format: str, output, threads: int) -> None:
    """List the shipped device profiles for --device (bandwidth and peak operations per second per dtype).

    Name profiles (shipped, or a profile YAML file) for every figure with what it is and its public source.
    `cnncalc devices calibrate -o here.yaml` (the onnxruntime extra) fits this machine's profile from short
    measurements (seconds to a minute), so that `--device here.yaml` bounds and estimates any spec here.
    """
    if names[:1] == ("calibrate",):
        return _calibrate(names[1:], output, threads)
    from cnncalc import devices as catalogue
    from cnncalc.cli.output import emit

    profiles = tuple(catalogue.find(name) for name in (names or catalogue.shipped()))
    emit(catalogue.Catalogue(profiles, detailed=bool(names)), output_format)


def _calibrate(rest: tuple, output, threads: int) -> None:
    if rest:
        raise click.UsageError(f"calibrate takes no names (got {' '.join(rest)}); give the file with -o FILE")
    from cnncalc.calibrate import calibrate, profile_yaml
    from cnncalc.cli.output import write_text
    from cnncalc.measure import require_onnxruntime
    from cnncalc.render.measure import StageProgress

    require_onnxruntime()
    progress = StageProgress(prefix="calibrate")
    try:
        profile = calibrate(threads=threads, name="here", progress=progress)
    finally:
        progress.done()
    write_text(profile_yaml(profile), output)
