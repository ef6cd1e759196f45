"""`cnncalc schema`: the JSON Schema of specs (or of budget files), for editors."""

from __future__ import annotations

import click

EXAMPLES = """\b
Examples:
  cnncalc schema > cnncalc-spec.schema.json
  cnncalc schema --budget > cnncalc-budget.schema.json"""


@click.command(epilog=EXAMPLES)
@click.option("--budget", is_flag=True, help="The schema of a budget file (check --budget) instead of a spec.")
def schema(budget: bool) -> None:
    """Print the JSON Schema (draft 2020-12) of a spec, generated from the layer types.

    Save it and name it on a spec's first line, `# yaml-language-server: $schema=cnncalc-spec.schema.json`,
    and VS Code's YAML extension completes layer types and arguments and marks mistakes.
    """
    import json

    from cnncalc.schema import budget_schema, spec_schema

    click.echo(json.dumps(budget_schema() if budget else spec_schema(), indent=2, ensure_ascii=False))
