"""`cnncalc export SPEC --to pytorch`: the network written out as code (docs/export.md); `--to onnx`: as an
ONNX model with seeded random weights (the onnx extra; cnncalc/onnxexport)."""

from __future__ import annotations

import sys

import click

from cnncalc.cli.usage import Choice

from cnncalc.cli.options import options_of
from cnncalc.cli.specpath import SPEC_PATH


@click.command(epilog="\b\nExamples:\n  cnncalc export zoo:resnet18 --to pytorch -o resnet18.py\n"
                       "  cnncalc export zoo:efficientnet --set width=1.1 --to pytorch")
@click.argument("spec", metavar="SPEC", type=SPEC_PATH)
@click.option("--to", "target", type=Choice(["pytorch", "onnx"]), required=True,
              help="The framework to write: PyTorch code, or an ONNX model (seeded random weights; needs -o).")
@click.option("--output", "-o", "output", metavar="FILE", type=click.Path(dir_okay=False, path_type=str),
              help="Write the code to FILE instead of standard output.")
@options_of("export")
def export(spec: str, target: str, output, input_shape, read_limits, overrides) -> None:
    """Write the network in SPEC as readable PyTorch code: one nn.Module class per block, forward() following
    the graph, written for the spec's input shape. The file imports only torch."""
    from cnncalc.export import export_pytorch
    from cnncalc.spec import read_spec

    parsed = read_spec(spec, input_shape, read_limits, stdin=sys.stdin.buffer, overrides=overrides)
    if target == "onnx":
        from cnncalc.onnxexport.save import save_onnx
        save_onnx(parsed, output)
        return
    from cnncalc.cli.output import write_text
    write_text(export_pytorch(parsed).text, output)
