"""Options shared by several commands, and their parsing."""

from __future__ import annotations

import functools

import click

from cnncalc.analysis import DTYPE_BITS
from cnncalc.spec import MAX_INT, Limits


def parse_shape(text: str | None):
    if text is None:
        return None
    try:
        parts = text.replace("x", ",").split(",")
        if any(len(part.strip()) > 30 for part in parts):
            raise ValueError
        dims = tuple(int(part) for part in parts)
    except ValueError:
        raise click.BadParameter(f"'{text}' is not a shape such as 3,224,224") from None
    if not 1 <= len(dims) <= 4 or any(not 1 <= d <= MAX_INT for d in dims):
        raise click.BadParameter(f"'{text}': give 1 to 4 positive sizes, channels first: C | C,L | C,H,W | C,D,H,W")
    return dims


def spec_options(func):
    """--input, --max-layers, --max-spec-bytes, --max-yaml-nodes: how a spec is read (docs/spec.md, Limits).

    The command receives ``input_shape`` and one ``limits`` argument (a Limits) built from the last three."""
    @functools.wraps(func)
    def command(*args, max_layers: int, max_bytes: int, max_yaml_nodes: int, **kwargs):
        limits = Limits(max_layers=max_layers, max_bytes=max_bytes, max_yaml_nodes=max_yaml_nodes)
        return func(*args, limits=limits, **kwargs)

    command = click.option("--max-yaml-nodes", "max_yaml_nodes", type=click.IntRange(min=1),
                           default=Limits.max_yaml_nodes, show_default=True,
                           help="Refuse YAML with more nodes than this, aliases expanded.")(command)
    command = click.option("--max-spec-bytes", "max_bytes", type=click.IntRange(min=1), default=Limits.max_bytes,
                           show_default=True, help="Refuse spec files larger than this.")(command)
    command = click.option("--max-layers", type=click.IntRange(min=1), default=Limits.max_layers, show_default=True,
                           help="Refuse specs that expand to more layers than this.")(command)
    command = click.option("--input", "input_shape", metavar="C,H,W", callback=lambda c, p, v: parse_shape(v),
                           help="Override the spec's input shape (channels first, no batch).")(command)
    return command


def memory_options(func):
    func = click.option("--batch", type=click.IntRange(min=1), default=1, show_default=True,
                        help="Batch size: scales activation memory only.")(func)
    func = click.option("--dtype", type=click.Choice(list(DTYPE_BITS)), default="float32", show_default=True,
                        help="Element type for the memory figures.")(func)
    return func


def format_option(*choices: str):
    return click.option("--format", "-f", "output_format", type=click.Choice(choices), default=choices[0],
                        show_default=True, help="Output format.")
