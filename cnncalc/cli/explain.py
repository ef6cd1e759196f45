"""`cnncalc explain SPEC LAYER`: how each figure of one layer is computed."""

from __future__ import annotations

import sys

import click

from cnncalc.cli.options import options_of
from cnncalc.cli.specpath import SPEC_PATH


@click.command(epilog="\b\nExamples:\n  cnncalc explain zoo:alexnet conv1\n"
                       "  cnncalc explain seed:dilated_vs_standard both.dilated.conv1")
@click.argument("spec", metavar="SPEC", type=SPEC_PATH)
@click.argument("layer", metavar="LAYER")
@options_of("explain")
def explain(spec: str, layer: str, input_shape, read_limits, overrides) -> None:
    """Show how each figure of LAYER (its full name, as analyze lists it) in SPEC is computed: the
    output-size formula per axis, the parameters, MACs and FLOPs, and the receptive-field step, with the
    numbers in.

    Example: cnncalc explain specs/zoo/alexnet.yaml conv1
    """
    from cnncalc.analysis import analyze
    from cnncalc.errors import did_you_mean
    from cnncalc.render.explain import explain_lines
    from cnncalc.spec import read_spec

    parsed = read_spec(spec, input_shape, read_limits, stdin=sys.stdin.buffer, overrides=overrides)
    report = analyze(parsed)
    rows = {row.name: row for row in report.rows}
    if layer not in rows:
        raise click.BadParameter(f"no layer '{layer}' in {spec}{did_you_mean(layer, rows)}", param_hint="LAYER")
    row = rows[layer]
    node = parsed.graph.nodes[layer]
    source = rows[row.inputs[0]] if row.inputs else None
    lines = explain_lines(report, node.layer, row, source.output_shape if source else None,
                          source.rf if source else None)
    from cnncalc.render.fmt import fit
    from cnncalc.render.terminal import terminal_width
    width = terminal_width(0)             # wrapped between words in a narrow terminal, continued indented
    click.echo("\n".join(part for line in lines for part in fit(line, width, "    ")))
