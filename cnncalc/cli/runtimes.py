"""`cnncalc runtimes [NAME]...`: the runtime profiles of --runtime, every rule with its source."""

from __future__ import annotations

import click

from cnncalc.cli.options import format_option


EXAMPLES = """\b
Examples:
  cnncalc runtimes
  cnncalc runtimes tinyengine --format json"""


@click.command(epilog=EXAMPLES)
@click.argument("names", nargs=-1, metavar="[NAME]...")
@format_option("table", "json", hidden=(("text", "table"),))
def runtimes(names: tuple, output_format: str) -> None:
    """List the shipped runtime profiles for --runtime: what folds, what fuses, what runs in place, the
    scratch buffers and the memory planner, each rule with what it means and its public source."""
    from cnncalc import runtimes as catalogue
    from cnncalc.cli.output import emit

    emit(catalogue.RuntimeCatalogue(tuple(catalogue.load(name) for name in (names or catalogue.SHIPPED))),
         output_format)
