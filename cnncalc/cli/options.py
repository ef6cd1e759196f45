"""The Click options of every command, made from the one declaration (cnncalc.options), and the parsing of
the options only the command line has."""

from __future__ import annotations

import functools

import click

from cnncalc import options as declared
from cnncalc.cli.usage import Choice
from cnncalc.options import Option, OptionError


def parse_shape(text: str | None):
    """'3,224,224' (or 3x224x224) → (3, 224, 224), checked as the API checks ``input``."""
    if text is None:
        return None
    try:
        parts = text.replace("x", ",").split(",")
        if any(len(part.strip()) > 30 for part in parts):
            raise ValueError
        dims = tuple(int(part) for part in parts)
    except ValueError:
        raise click.BadParameter(f"'{text}' is not a shape such as 3,224,224") from None
    return _checked(declared.BY_NAME["input"], dims)


def parse_overrides(values) -> dict:
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

    from cnncalc.spec import MAX_INT
    try:
        value = yaml.safe_load(text) if len(text) <= 200 else None
    except yaml.YAMLError:
        value = None
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INT:
        raise click.BadParameter(f"{what}: '{text}' is beyond 10^18")
    if value is None or isinstance(value, (list, dict)) or not isinstance(value, (int, float, str, bool)):
        raise click.BadParameter(f"{what}: '{text}' is not one value (a number, true/false or a word)")
    return value


def _checked(option: Option, value, param=None, ctx=None):
    try:
        return declared.checked(option, value)
    except OptionError as err:
        raise click.BadParameter(str(err), ctx, param) from None


class _Choice(click.Choice):
    """The declared choices (shown), their aliases (accepted, not shown), the API's message."""

    def __init__(self, option: Option):
        super().__init__(option.choice_words())
        self.option = option

    def convert(self, value, param, ctx):
        return _checked(self.option, value, param, ctx)


class _Count(click.ParamType):
    """A positive int, checked as the API checks it."""
    name = "integer"

    def __init__(self, option: Option):
        self.option = option

    def convert(self, value, param, ctx):
        if isinstance(value, str):
            try:
                value = int(value) if len(value.strip()) <= 30 else value
            except ValueError:
                pass
        return _checked(self.option, value, param, ctx)


def _click_option(option: Option):
    """The Click option of one declared option."""
    common: dict = {"help": option.help}
    if option.metavar:
        common["metavar"] = option.metavar
    if option.kind == declared.FLAG:
        return click.option(option.flag, option.name, is_flag=True, **common)
    if option.kind == declared.SHAPE:
        return click.option(option.flag, option.name, callback=lambda c, p, v: parse_shape(v), **common)
    if option.kind == declared.GRID:
        return click.option(option.flag, option.name, callback=lambda c, p, v: _checked(option, v, p, c), **common)
    if option.kind == declared.ASSIGNMENTS:
        return click.option(option.flag, option.name, multiple=True,
                            callback=lambda c, p, v: _checked(option, parse_overrides(v), p, c), **common)
    kind = {declared.CHOICE: _Choice, declared.COUNT: _Count}.get(option.kind)
    return click.option(option.flag, option.name, type=kind(option) if kind else None,
                        default=option.default_value(), show_default=option.default is not None or
                        bool(option.default_from), **common)


def options_of(command: str):
    """Every declared option ``command`` takes (cnncalc.options.OPTIONS), as Click options. The command
    receives ``input_shape``, ``overrides`` (the --set values, name → value) and ``read_limits`` (a
    cnncalc.spec.ReadLimits); a command that computes figures also ``dtype``, ``batch`` and ``settings`` (a
    cnncalc.metrics.Settings). A device profile that cannot be read is a located error (exit 2)."""
    chosen_options = declared.options_of(command)
    names = [option.name for option in chosen_options]

    def decorate(func):
        @functools.wraps(func)
        def run(*args, **kwargs):
            values = {name: kwargs.pop(name) for name in names}
            try:
                chosen = declared.resolve(command, values)
            except OptionError as err:
                hint = f"'{declared.BY_NAME[err.option].flag}'" if err.option else None
                raise click.BadParameter(str(err), param_hint=hint) from None
            kwargs.update(input_shape=chosen.input, overrides=chosen.overrides or {},
                          read_limits=chosen.read_limits)
            if "dtype" in names:
                kwargs.update(dtype=chosen.dtype, batch=chosen.batch, settings=chosen.settings)
            elif "patches" in names or "device" in names:   # verify's patch schedule; measure's device
                kwargs.update(settings=chosen.settings)
            return func(*args, **kwargs)

        for option in reversed(chosen_options):
            run = _click_option(option)(run)
        return run
    return decorate


def format_option(*choices: str, hidden: tuple = ()):
    """--format: ``choices`` shown (the first the default), ``hidden`` (old word, new word) pairs accepted."""
    return click.option("--format", "-f", "output_format", type=_Formats(choices, dict(hidden)),
                        default=choices[0], show_default=True, help="Output format.")


class _Formats(Choice):
    """The output formats; an old word (``check --format text``) is accepted for its new one, not shown."""

    def __init__(self, choices, aliases: dict):
        super().__init__(choices)
        self.aliases = aliases

    def convert(self, value, param, ctx):
        return super().convert(self.aliases.get(value, value), param, ctx)
