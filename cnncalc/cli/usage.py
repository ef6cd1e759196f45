"""Usage errors in cnncalc's one style: one line on standard error, ``cnncalc: error: …``, with where to read
more (the command's --help), exit status 2 — as spec errors are written (cnncalc/cli/__init__.py), instead of
Click's four-line block. And a choice option that suggests the word meant (``--dtype fp16``: float16)."""

from __future__ import annotations

import click

from cnncalc.errors import ExitCode, did_you_mean

# words of other tools for cnncalc's element types (PyTorch's and NumPy's short names)
SYNONYMS = {"fp64": "float64", "f64": "float64", "double": "float64", "fp32": "float32", "f32": "float32",
            "float": "float32", "fp16": "float16", "f16": "float16", "half": "float16", "bf16": "bfloat16",
            "i8": "int8", "i4": "int4", "table": "text", "text": "table"}


class UsageMessage(click.ClickException):
    """A usage error shown on one line."""

    exit_code = int(ExitCode.BAD_INPUT)

    def __init__(self, error: click.UsageError):
        super().__init__(error.format_message())
        self.help = ""
        if error.ctx is not None:
            self.help = f"; see '{error.ctx.command_path} --help'"

    def show(self, file=None) -> None:
        message = " ".join(self.format_message().split()).rstrip(".")   # Click's messages may span lines
        click.echo(f"cnncalc: error: {message}{self.help}", err=True)


class Choice(click.Choice):
    """click.Choice, whose error names the close choice (or the one another tool's word means)."""

    def convert(self, value, param, ctx):
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter as err:
            meant = SYNONYMS.get(str(value).lower())
            hint = (f" (did you mean '{meant}'?)" if meant in self.choices
                    else did_you_mean(str(value), [str(c) for c in self.choices]))
            raise click.BadParameter(f"{err.message.rstrip('.')}{hint}", ctx, param) from None
