"""`cnncalc import MODEL.onnx`: the spec of an ONNX model, written as YAML (docs/onnx.md)."""

from __future__ import annotations

import click

from cnncalc.cli.options import parse_shape


@click.command("import", epilog="\b\nExamples:\n  cnncalc import resnet18.onnx -o resnet18.yaml\n"
                                 "  cnncalc import model.onnx --input 3,224,224")
@click.argument("model", metavar="MODEL.onnx", type=click.Path(dir_okay=False, path_type=str))
@click.option("--output", "-o", "output", metavar="FILE", type=click.Path(dir_okay=False, path_type=str),
              help="Write the spec to FILE instead of standard output.")
@click.option("--input", "input_shape", metavar="C,H,W", callback=lambda c, p, v: parse_shape(v),
              help="The input shape without the batch axis: needed when the model's is symbolic.")
def import_(model: str, output, input_shape) -> None:
    """Write the cnncalc spec of an ONNX model (pip install 'cnncalc[onnx]'): one entry per layer, named from
    the graph, 'from:' only where the graph branches. `cnncalc analyze` of the spec gives the model's figures."""
    from cnncalc.onnximport import spec_text
    from cnncalc.spec import parse_spec

    text = spec_text(model, input_shape)
    parse_spec(text, output or "<imported>")       # the spec written is one cnncalc reads
    from cnncalc.cli.output import write_text
    write_text(text, output)


globals()["import"] = import_
