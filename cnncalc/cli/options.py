"""Options shared by several commands, and their parsing."""

from __future__ import annotations

import functools

import click

from cnncalc.analysis import DTYPE_BITS
from cnncalc.cli.usage import Choice
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


def parse_settings(values) -> dict:
    """``--set NAME=VALUE`` options → {name: value}, each VALUE read as a YAML scalar (0.5, 224, true, relu)."""
    result: dict = {}
    for text in values or ():
        name, equals, value = text.partition("=")
        name = name.strip()
        if not equals or not name:
            raise click.BadParameter(f"'{text}' is not NAME=VALUE, such as width=0.5", param_hint="'--set'")
        result[name] = parse_scalar(value, f"--set {name}")
    return result


def parse_scalar(text: str, what: str):
    """A YAML scalar written on the command line: an int, a number, true/false or text."""
    import yaml
    try:
        value = yaml.safe_load(text) if len(text) <= 200 else None
    except yaml.YAMLError:
        value = None
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INT:
        raise click.BadParameter(f"{what}: '{text}' is beyond 10^18")
    if value is None or isinstance(value, (list, dict)) or not isinstance(value, (int, float, str, bool)):
        raise click.BadParameter(f"{what}: '{text}' is not one value (a number, true/false or a word)")
    return value


def spec_options(func):
    """--input, --set, --max-layers, --max-spec-bytes, --max-yaml-nodes: how a spec is read (docs/spec.md,
    Limits and Arguments).

    The command receives ``input_shape``, ``overrides`` (the --set values, name → value) and one ``limits``
    argument (a Limits) built from the last three."""
    @functools.wraps(func)
    def command(*args, max_layers: int, max_bytes: int, max_yaml_nodes: int, settings_text=(), **kwargs):
        limits = Limits(max_layers=max_layers, max_bytes=max_bytes, max_yaml_nodes=max_yaml_nodes)
        return func(*args, limits=limits, overrides=parse_settings(settings_text), **kwargs)

    command = click.option("--max-yaml-nodes", "max_yaml_nodes", type=click.IntRange(min=1),
                           default=Limits.max_yaml_nodes, show_default=True,
                           help="Refuse YAML with more nodes than this, aliases expanded.")(command)
    command = click.option("--max-spec-bytes", "max_bytes", type=click.IntRange(min=1), default=Limits.max_bytes,
                           show_default=True, help="Refuse spec files larger than this.")(command)
    command = click.option("--max-layers", type=click.IntRange(min=1), default=Limits.max_layers, show_default=True,
                           help="Refuse specs that expand to more layers than this.")(command)
    command = click.option("--set", "settings_text", multiple=True, metavar="NAME=VALUE",
                           help="Set one of the spec's arguments (its top-level 'args:'); repeatable.")(command)
    command = click.option("--input", "input_shape", metavar="C,H,W", callback=lambda c, p, v: parse_shape(v),
                           help="Override the spec's input shape (channels first, no batch).")(command)
    return command


def memory_options(func):
    func = click.option("--batch", type=click.IntRange(min=1), default=1, show_default=True,
                        help="Batch size: scales activation memory only.")(func)
    func = click.option("--dtype", type=Choice(list(DTYPE_BITS)), default="float32", show_default=True,
                        help="Element type for the memory figures.")(func)
    return func


def format_option(*choices: str):
    return click.option("--format", "-f", "output_format", type=Choice(choices), default=choices[0],
                        show_default=True, help="Output format.")


def figure_options(training_flag: bool = True):
    """--in-place, --device, --optimizer, --precision (and --training where the command asks for it): how
    peak memory, latency and training memory are computed. The command receives one ``settings`` argument
    (a cnncalc.metrics.Settings); a bad --device profile is a located error (exit 2)."""
    def decorate(func):
        @functools.wraps(func)
        def command(*args, in_place: bool, device, optimizer: str, precision: str, training: bool = True,
                    **kwargs):
            from cnncalc.metrics import Settings
            profile = None
            if device is not None:
                from cnncalc import devices
                profile = devices.find(device)
            settings = Settings(in_place=in_place, training=training, optimizer=optimizer, precision=precision,
                                device=profile)
            return func(*args, settings=settings, **kwargs)

        from cnncalc.training import OPTIMIZER_STATES, PRECISIONS
        if training_flag:
            command = click.option("--training", is_flag=True,
                                   help="Show training memory (weights, gradients, optimizer state, saved "
                                        "activations) at --batch.")(command)
        command = click.option("--precision", type=Choice(list(PRECISIONS)), default="fp32",
                               show_default=True, help="Training precision (activations; fp32 master weights)."
                               )(command)
        command = click.option("--optimizer", type=Choice(list(OPTIMIZER_STATES)), default="adam",
                               show_default=True, help="Optimizer whose state training memory counts.")(command)
        command = click.option("--device", metavar="NAME|FILE",
                               help="Add a roofline latency estimate (a lower bound) on a device: a shipped "
                                    "profile (cnncalc devices) or a profile YAML file.")(command)
        command = click.option("--in-place", "in_place", is_flag=True,
                               help="Peak memory with runtime in-place layers (activations, BN, add, dropout, "
                                    "views) writing into their input.")(command)
        return command
    return decorate


def check_device_dtype(settings, dtype: str) -> None:
    """A usage error when --device has no peak figure for --dtype."""
    device = settings.device
    if device is not None and dtype not in device.peak:
        raise click.BadParameter(f"the device '{device.name}' has no peak for {dtype}; it has: "
                                 f"{', '.join(device.peak)}", param_hint="'--dtype'")
