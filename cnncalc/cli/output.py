"""One way out: every command's result, in the format the user asked for, onto standard output.

Each (result type, format) names its renderer, imported only when used: the table path loads no json or
csv, the JSON path no rich table code."""

from __future__ import annotations

import importlib

import click

# (result type, format) → (module, function). A 'table' renderer prints onto a console; the others return text,
# or its pieces (written as they come: a big report's JSON is never held whole).
RENDERERS = {
    ("Report", "table"): ("cnncalc.render.table", "print_report"),
    ("Report", "json"): ("cnncalc.render.report", "report_json_chunks"),
    ("Report", "csv"): ("cnncalc.render.report", "report_csv"),
    ("Report", "markdown"): ("cnncalc.render.report", "report_markdown"),
    ("Comparison", "table"): ("cnncalc.render.compare_table", "print_comparison"),
    ("Comparison", "json"): ("cnncalc.render.compare", "compare_json"),
    ("Comparison", "csv"): ("cnncalc.render.compare", "compare_csv"),
    ("Comparison", "markdown"): ("cnncalc.render.compare", "compare_markdown"),
    ("LayerComparison", "table"): ("cnncalc.render.compare_table", "print_layers"),
    ("LayerComparison", "json"): ("cnncalc.render.compare", "layers_json"),
    ("LayerComparison", "csv"): ("cnncalc.render.compare", "layers_csv"),
    ("LayerComparison", "markdown"): ("cnncalc.render.compare", "layers_markdown"),
    ("CheckRun", "text"): ("cnncalc.render.check", "text"),
    ("CheckRun", "json"): ("cnncalc.render.check", "check_json"),
    ("CheckRun", "markdown"): ("cnncalc.render.check", "markdown"),
    ("VerifyResult", "table"): ("cnncalc.render.verify", "print_result"),
    ("VerifyResult", "json"): ("cnncalc.render.verify", "result_json"),
}


def emit(result, output_format: str) -> None:
    """Write ``result`` (a Report, Comparison, LayerComparison, CheckRun or VerifyResult) as ``output_format``."""
    module, name = RENDERERS[(type(result).__name__, output_format)]
    render = getattr(importlib.import_module(module), name)
    if output_format == "table":
        from cnncalc.render.table import console
        render(result, console())
    else:
        text = render(result)
        for piece in ((text,) if isinstance(text, str) else text):
            click.echo(piece, nl=False)
