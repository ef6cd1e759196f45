"""Options shared by several commands, and their parsing."""

from __future__ import annotations

import click

from cnncalc.analysis import DTYPE_BITS
from cnncalc.spec import Limits


def parse_shape(text: str | None):
    if text is None:
        return None
    try:
        dims = tuple(int(part) for part in text.replace("x", ",").split(","))
    except ValueError:
        raise click.BadParameter(f"'{text}' is not a shape such as 3,224,224") from None
    if not 1 <= len(dims) <= 4 or any(d < 1 for d in dims):
        raise click.BadParameter(f"'{text}': give 1 to 4 positive sizes, channels first: C | C,L | C,H,W | C,D,H,W")
    return dims


def spec_options(func):
    """--input, --max-layers: how a spec is read."""
    func = click.option("--max-layers", type=click.IntRange(min=1), default=Limits.max_layers, show_default=True,
                        help="Refuse specs that expand to more layers than this.")(func)
    func = click.option("--input", "input_shape", metavar="C,H,W", callback=lambda c, p, v: parse_shape(v),
                        help="Override the spec's input shape (channels first, no batch).")(func)
    return func


def memory_options(func):
    func = click.option("--batch", type=click.IntRange(min=1), default=1, show_default=True,
                        help="Batch size: scales activation memory only.")(func)
    func = click.option("--dtype", type=click.Choice(list(DTYPE_BITS)), default="float32", show_default=True,
                        help="Element type for the memory figures.")(func)
    return func


def format_option(*choices: str):
    return click.option("--format", "-f", "output_format", type=click.Choice(choices), default=choices[0],
                        show_default=True, help="Output format.")
