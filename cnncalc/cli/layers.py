"""`cnncalc layers [TYPE...]`: every layer type, its arguments and defaults, from the registry."""

from __future__ import annotations

import click

from cnncalc.cli.options import format_option


@click.command(epilog="\b\nExamples:\n  cnncalc layers\n  cnncalc layers conv maxpool")
@click.argument("types", nargs=-1, metavar="[TYPE]...")
@click.option("--details", "-d", is_flag=True, help="Add each type's description to the overview table.")
@format_option("table", "json")
def layers(types: tuple, details: bool, output_format: str) -> None:
    """List the layer types a spec can use, with their arguments and defaults.

    Name one or more TYPEs for every argument's accepted values and meaning.
    """
    from cnncalc.catalog import as_dict, catalog

    entries = catalog(types)
    if output_format == "json":
        from cnncalc.render.document import envelope, to_json
        click.echo(to_json(envelope("cnncalc.layers/1", as_dict(entries))), nl=False)
        return
    from cnncalc.render.catalog import print_catalog, print_type
    from cnncalc.render.terminal import console

    out = console()
    if types:
        for index, entry in enumerate(entries):
            if index:
                out.print()
            print_type(entry, out)
    else:
        print_catalog(entries, out, details)
