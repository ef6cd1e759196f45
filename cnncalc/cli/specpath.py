"""The SPEC argument's type: a file path (completed as one by bash, zsh and fish), ``-`` for standard input,
or a spec shipped with cnncalc (``zoo:resnet50``, completed from the shipped names)."""

from __future__ import annotations

import click
from click.shell_completion import CompletionItem


class SpecPath(click.Path):
    name = "spec"

    def shell_complete(self, ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
        from cnncalc import zoo

        shipped = [CompletionItem(name) for name in zoo.names() if name.startswith(incomplete)]
        return shipped + [CompletionItem(incomplete, type="file")]


SPEC_PATH = SpecPath(allow_dash=True, path_type=str)
