"""`cnncalc zoo`: the specs shipped with cnncalc, with their headline figures."""

from __future__ import annotations

import click

from cnncalc.cli.usage import Choice

from cnncalc.cli.options import format_option

EXAMPLES = """\b
Examples:
  cnncalc zoo
  cnncalc zoo seed --format json"""


@click.command(epilog=EXAMPLES)
@click.argument("namespace", required=False, type=Choice(["zoo", "seed"]))
@format_option("table", "json")
def zoo(namespace, output_format: str) -> None:
    """List the specs shipped with cnncalc (zoo: published networks, seed: textbook examples), each with its
    input, parameters and MACs. Name one as SPEC of any command: `cnncalc analyze zoo:resnet50`.
    """
    from cnncalc import zoo as shipped
    from cnncalc.analysis import analyze
    from cnncalc.spec import read_spec

    rows = [(name, analyze(read_spec(name))) for name in shipped.names(namespace)]
    if output_format == "json":
        from cnncalc.render.document import to_json
        click.echo(to_json({"specs": [{"spec": name, "name": r.name, "input": list(r.input_shape),
                                       "params": r.totals.params, "macs": r.totals.macs} for name, r in rows]}),
                   nl=False)
        return
    from cnncalc.render.fmt import count, dims, human
    from cnncalc.render.grid import Column, layout, least_width
    from cnncalc.render.terminal import terminal_width

    width = terminal_width()
    columns = [Column("Spec", fold=True, min_width=12), Column("Input"), Column("Params", right=True),
               Column("MACs", right=True)]
    table = [(name, dims(r.input_shape), f"{count(r.totals.params)} ({human(r.totals.params)})",
              f"{count(r.totals.macs)} ({human(r.totals.macs)})") for name, r in rows]
    if least_width(columns, table) > width:          # a narrow terminal: the counts as 25.6M only
        table = [(name, shape, params.split(" (")[1][:-1], macs.split(" (")[1][:-1])
                 for name, shape, params, macs in table]
    click.echo(layout(columns, table, width=width), nl=False)
