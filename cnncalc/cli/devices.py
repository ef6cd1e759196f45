"""`cnncalc devices [NAME|FILE]...`: the device profiles of the latency estimate, with every figure's source."""

from __future__ import annotations

import click

from cnncalc.cli.options import format_option


EXAMPLES = """\b
Examples:
  cnncalc devices
  cnncalc devices jetson-orin-nano --format json"""


@click.command(epilog=EXAMPLES)
@click.argument("names", nargs=-1, metavar="[NAME|FILE]...")
@format_option("table", "json", hidden=(("text", "table"),))
def devices(names: tuple, output_format: str) -> None:
    """List the shipped device profiles for --device (bandwidth and peak operations per second per dtype).

    Name profiles (shipped, or a profile YAML file) for every figure with what it is and its public source.
    """
    from cnncalc import devices as catalogue
    from cnncalc.cli.output import emit

    profiles = tuple(catalogue.find(name) for name in (names or catalogue.shipped()))
    emit(catalogue.Catalogue(profiles, detailed=bool(names)), output_format)
