"""Options shared by several commands, and their parsing."""

from __future__ import annotations

import click

from cnncalc.analysis import DTYPE_BITS
from cnncalc.spec import Limits
from cnncalc.yamlsource import MAX_INT


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


def _store_limit(ctx: click.Context, param: click.Parameter, value):
    ctx.meta.setdefault("cnncalc.limits", {})[param.name] = value
    return value


def limits(max_layers: int) -> Limits:
    """The Limits of the command being run: --max-layers, plus the options that spec_options stores aside."""
    ctx = click.get_current_context(silent=True)
    stored = ctx.meta.get("cnncalc.limits", {}) if ctx is not None else {}
    return Limits(max_layers=max_layers, **stored)


def spec_options(func):
    """--input, --max-layers, --max-spec-bytes, --max-yaml-nodes: how a spec is read (docs/spec.md, Limits).

    The last two do not reach the command as arguments: build the limits with ``limits(max_layers)``."""
    func = click.option("--max-yaml-nodes", "max_yaml_nodes", type=click.IntRange(min=1),
                        default=Limits.max_yaml_nodes, show_default=True, expose_value=False, callback=_store_limit,
                        help="Refuse YAML with more nodes than this, aliases expanded.")(func)
    func = click.option("--max-spec-bytes", "max_bytes", type=click.IntRange(min=1), default=Limits.max_bytes,
                        show_default=True, expose_value=False, callback=_store_limit,
                        help="Refuse spec files larger than this.")(func)
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
