"""Every option a command shares with the Python API, declared once (docs/api.md, "Options").

One :class:`Option` per option: its API keyword (also the Click parameter), its command-line spelling, the
commands (and ``cnncalc`` functions of the same names) that take it, its default, its kind and choices, and
its help. From :data:`OPTIONS`, ``cnncalc.cli.options.options_of(command)`` makes the Click options of each
command, and :func:`keywords` the keyword arguments of ``cnncalc.analyze``, ``compare``, ``check`` and
``read``. Both check a value with the same :func:`checked`, so a bad value has the same message on the
command line (a usage error, exit 2) and in Python (a ``cnncalc.SpecError``).

What a command takes beyond these is listed in :data:`CLI_ONLY` with the reason the API has no keyword for
it (a test holds both lists to the commands and functions).

This module is read when a command is loaded: it imports nothing heavy. Choices and defaults that live with
the code that uses them (the dtypes' bits in ``cnncalc.analysis``, the optimizers in ``cnncalc.training``,
the read limits in ``cnncalc.spec``) are named here as ``module:NAME`` and read when first asked for.
"""

from __future__ import annotations

import functools
import importlib
import inspect
from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional, TypeVar

from cnncalc.errors import SpecError
from cnncalc.record import field, record

if TYPE_CHECKING:
    from cnncalc.metrics import Settings
    from cnncalc.spec import ReadLimits

FLAG, CHOICE, COUNT, SHAPE, ASSIGNMENTS, TEXT, GRID = "flag", "choice", "count", "shape", "assignments", "text", "grid"

SPEC_READERS = ("analyze", "compare", "check", "verify", "graph", "explain", "export", "read", "measure")
FIGURES = ("analyze", "compare", "check")


@record
class Option:
    """One option. ``name`` is the API keyword and the Click parameter; ``flag`` the command-line spelling;
    ``used_by`` the commands that take it (and the ``cnncalc`` functions of the same names: ``read`` is the
    API's alone). ``choices`` and ``default_from`` name a ``module:NAME`` read on first use (the choices are a
    mapping's keys). ``aliases``: other words accepted for a choice, never shown, each standing for the
    canonical word."""
    name: str
    flag: str
    used_by: tuple
    help: str
    kind: str = TEXT
    default: Any = None
    default_from: str = ""
    choices: str = ""
    aliases: dict = field(default_factory=dict)
    metavar: str = ""

    def default_value(self):
        if self.default_from:
            module, _, path = self.default_from.partition(":")
            value: Any = importlib.import_module(module)
            for part in path.split("."):
                value = getattr(value, part)
            return value
        return self.default

    def choice_words(self) -> tuple:
        module, _, name = self.choices.partition(":")
        return tuple(getattr(importlib.import_module(module), name))


OPTIONS = (
    Option("input", "--input", SPEC_READERS, "Override the spec's input shape (channels first, no batch).",
           kind=SHAPE, metavar="C,H,W"),
    Option("set", "--set", SPEC_READERS, "Set one of the spec's arguments (its top-level 'args:'); repeatable.",
           kind=ASSIGNMENTS, metavar="NAME=VALUE"),
    Option("max_layers", "--max-layers", SPEC_READERS, "Refuse specs that expand to more layers than this.",
           kind=COUNT, default_from="cnncalc.spec:ReadLimits.max_layers"),
    Option("max_spec_bytes", "--max-spec-bytes", SPEC_READERS, "Refuse spec files larger than this.",
           kind=COUNT, default_from="cnncalc.spec:ReadLimits.max_bytes"),
    Option("max_yaml_nodes", "--max-yaml-nodes", SPEC_READERS,
           "Refuse YAML with more nodes than this, aliases expanded.",
           kind=COUNT, default_from="cnncalc.spec:ReadLimits.max_yaml_nodes"),
    Option("dtype", "--dtype", FIGURES,
           "Element type of the weights and activations at inference: sizes the memory figures and picks the "
           "device's peak for latency.",
           kind=CHOICE, default="float32", choices="cnncalc.analysis:DTYPE_BITS",
           aliases={"fp64": "float64", "fp32": "float32", "fp16": "float16", "bf16": "bfloat16"}),
    Option("batch", "--batch", FIGURES, "Batch size: scales the activation, peak and training memory and the latency estimate (not the "
           "parameters, MACs or FLOPs, which are per sample).", kind=COUNT, default=1),
    Option("training", "--training", FIGURES,
           "Count training memory (weights, gradients, optimizer state, saved activations) at --batch; check "
           "counts it also when a limit needs it.", kind=FLAG, default=False),
    Option("optimizer", "--optimizer", FIGURES, "Optimizer whose state training memory counts.",
           kind=CHOICE, default="adam", choices="cnncalc.training:OPTIMIZER_STATES"),
    Option("precision", "--precision", FIGURES,
           "Training precision: fp32, or mixed precision (fp32 master weights, 16-bit activations and working "
           "weights).", kind=CHOICE, default="fp32", choices="cnncalc.training:PRECISIONS",
           aliases={"float32": "fp32", "fp16": "mixed-fp16", "float16": "mixed-fp16", "bf16": "mixed-bf16",
                    "bfloat16": "mixed-bf16"}),
    Option("device", "--device", FIGURES + ("measure",),
           "Add a roofline latency estimate (a lower bound) on a device: a shipped profile (cnncalc devices) or "
           "a profile YAML file.", metavar="NAME|FILE"),
    Option("runtime", "--runtime", FIGURES + ("measure",),
           "The runtime whose deployed network the figures describe: eager (the spec as written), fused (batch "
           "norm folded, activations and adds fused), tflite-micro, tinyengine (cnncalc runtimes).",
           kind=CHOICE, default="eager", choices="cnncalc.runtimes:SHIPPED"),
    Option("in_place", "--in-place", FIGURES,
           "Peak memory with runtime in-place layers (activations, BN, add, dropout, views) writing into their "
           "input.", kind=FLAG, default=False),
    Option("patches", "--patches", FIGURES + ("verify",),
           "Patch-based inference (MCUNetV2): run the network's first part patch by patch on this grid of the "
           "cut's output (rows x columns); the peak memory is then the patch schedule's, with the extra MACs of "
           "recomputed halos.", kind=GRID, metavar="RxC"),
    Option("patch_until", "--patch-until", FIGURES + ("verify",),
           "With --patches: the last layer run patch by patch (default: the one of least peak).", metavar="LAYER"),
    Option("patch_input", "--patch-input", FIGURES + ("verify",),
           "With --patches: whether the network input is held whole in memory (resident) or read one tile per "
           "patch from the sensor or flash (streamed, as TinyEngine's patch stage does); default: the runtime's "
           "rule (tinyengine: streamed; the others: resident).",
           kind=CHOICE, default="runtime", choices="cnncalc.runtimes:PATCH_INPUTS"),
    Option("planner", "--planner", FIGURES,
           "Plan the activation memory in one arena with this memory planner: greedy-by-size (TF-Lite Micro's) "
           "or linear (no reuse); shows the arena, the peak below it and the fragmentation (docs/conventions.md, "
           "'Memory planners').", metavar="NAME"),
)

BY_NAME = {option.name: option for option in OPTIONS}

# What a command takes that the API has no keyword for, and why (docs/api.md, "Options").
CLI_ONLY = {
    "analyze": {"output_format": "the result object's to_json, to_markdown, to_csv",
                "depth": "a display of the report (blocks folded into rows); the figures are the same",
                "columns": "a display of the report (the table's columns)",
                "quiet": "a display of the report (totals only)"},
    "compare": {"output_format": "the result object's to_json, to_markdown, to_csv",
                "sweep": "compare Reports made with cnncalc.family(...).analyze(NAME=VALUE)",
                "pareto": "cnncalc.comparison.pareto on the Reports' figures",
                "runtimes": "compare Reports made with cnncalc.analyze(..., runtime=...)",
                "by": "the layers side by side: a display (cnncalc.comparison.compare_layers)",
                "depth": "with --by layer"},
    "check": {"output_format": "the result object's to_json, to_markdown, to_csv",
              "budget_path": "the budget argument (a mapping of limits)",
              "baseline": "a CI regression guard over files",
              "max_increase": "with --baseline",
              "skip_non_specs": "a pre-commit run over files",
              "warn_at": "a display of the result",
              "junit_path": "a file for CI dashboards",
              "max_<metric>": "the budget argument, a mapping of limits ({'params': '25M'})"},
}


def cli_only(command: str) -> dict:
    """CLI_ONLY[command] with the limit options of check (--max-params, ...) named one by one."""
    listed = dict(CLI_ONLY.get(command, {}))
    if "max_<metric>" in listed:
        from cnncalc.metrics import BUDGET_KEYS
        reason = listed.pop("max_<metric>")
        listed.update({f"max_{key}": reason for key in BUDGET_KEYS})
    return listed


def options_of(command: str) -> tuple:
    """The declared options ``command`` takes, in declaration order."""
    return tuple(option for option in OPTIONS if command in option.used_by)


# ----------------------------------------------------------------------------- checking a value

class OptionError(ValueError):
    """A bad option value; the message is the same on the command line and in Python. ``option``: the name of
    the option the command line blames."""

    def __init__(self, message: str, option: str = ""):
        super().__init__(message)
        self.option = option


def checked(option: Option, value):
    """``value`` (a Python value: a tuple for --input, a mapping for --set) checked and normalised (an alias
    becomes its canonical word); OptionError otherwise."""
    from cnncalc.spec import MAX_INT          # the largest integer a spec (and so an option) may hold

    name, kind = option.name, option.kind
    if kind == FLAG:
        if not isinstance(value, bool):
            raise OptionError(f"{name} must be True or False, got {value!r}")
        return value
    if value is None and kind in (SHAPE, ASSIGNMENTS, TEXT, GRID):
        return None
    if kind == GRID:
        if isinstance(value, (list, tuple)) and all(isinstance(n, int) and not isinstance(n, bool) for n in value):
            value = "x".join(map(str, value))
        from cnncalc.patches import PatchError, parse_grid     # only when a grid is given
        try:
            return parse_grid(value) if isinstance(value, str) else parse_grid(repr(value))
        except PatchError as err:
            raise OptionError(f"{name}: {err}") from None
    if kind == CHOICE:
        words = option.choice_words()
        word = option.aliases.get(value, value) if isinstance(value, str) else value
        if word not in words:
            from cnncalc.errors import did_you_mean
            close = did_you_mean(str(value), [*words, *option.aliases])
            raise OptionError(f"unknown {name} {_shown(value)}{close}; one of {', '.join(words)}")
        return word
    if kind == COUNT:
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_INT:
            raise OptionError(f"{name} must be a positive int, got {_shown(value)}")
        return value
    if kind == SHAPE:
        shape = tuple(value) if isinstance(value, (list, tuple)) else None
        if shape is None or not 1 <= len(shape) <= 4 or not all(
                isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= MAX_INT for n in shape):
            shown = list(shape) if shape is not None else _shown(value)
            raise OptionError(f"{name} must be 1 to 4 positive ints, channels first and no batch "
                              f"(C | C,L | C,H,W | C,D,H,W); got {shown}")
        return shape
    if kind == ASSIGNMENTS:
        if not isinstance(value, Mapping) or not all(isinstance(k, str) and k for k in value):
            raise OptionError(f"{name} must map argument names to values, such as {{'width': 0.5}}; got {value!r}")
        return dict(value)
    if not isinstance(value, str):
        raise OptionError(f"{name} must be a name or a file, got {value!r}")
    return value


def _shown(value) -> str:
    return f"'{value}'" if isinstance(value, str) else repr(value)


# ----------------------------------------------------------------------------- the values, resolved

@record
class Chosen:
    """The options of one call, checked: how to read the spec (``input``, ``overrides``, ``read_limits``) and
    how to compute its figures (``dtype``, ``batch``, ``settings``)."""
    input: Optional[tuple]
    overrides: Optional[dict]
    read_limits: "ReadLimits"
    dtype: str
    batch: int
    settings: "Settings"


def resolve(command: str, values: Mapping) -> Chosen:
    """The values of ``command``'s declared options (each option's name → its value, checked already) as one
    record; a device profile that cannot be read is a SpecError, a device without a peak for the dtype an
    OptionError. Options the command does not take keep their defaults."""
    from cnncalc.metrics import Settings
    from cnncalc.spec import ReadLimits

    def value(name: str):
        return values[name] if name in values else BY_NAME[name].default_value()

    read_limits = ReadLimits(max_layers=value("max_layers"), max_bytes=value("max_spec_bytes"),
                             max_yaml_nodes=value("max_yaml_nodes"))
    profile = None
    device = value("device")
    if device is not None:
        from cnncalc import devices
        profile = devices.find(device)
        if value("dtype") not in profile.peak:
            raise OptionError(f"the device '{profile.name}' has no peak for {value('dtype')}; it has: "
                              f"{', '.join(profile.peak)}", "dtype")
    if value("patch_until") is not None and value("patches") is None:
        raise OptionError("patch_until names the cut of patch-based inference: give patches too", "patch_until")
    if value("patch_input") != "runtime" and value("patches") is None:
        raise OptionError("patch_input says how patch-based inference reads the input: give patches too",
                          "patch_input")
    planner = value("planner")
    if planner is not None:
        from cnncalc.planner import planner_named        # only when a plan is asked for
        try:
            planner_named(planner)
        except ValueError as err:
            raise OptionError(str(err), "planner") from None
    runtime = None
    if value("runtime") != "eager":   # eager is the spec as written: no profile read, no pass
        from cnncalc import runtimes
        runtime = runtimes.load(value("runtime"))
    settings = Settings(in_place=value("in_place"), training=value("training"), optimizer=value("optimizer"),
                        precision=value("precision"), device=profile, patches=value("patches"),
                        patch_until=value("patch_until"), patch_input=value("patch_input"), planner=planner,
                        runtime=runtime)
    return Chosen(value("input"), value("set"), read_limits, value("dtype"), value("batch"), settings)


# ----------------------------------------------------------------------------- the docs' table

DOC = "docs/api.md"
BEGIN, END = "<!-- options: generated by python -m cnncalc.options -->\n", "<!-- /options -->"


def markdown_table() -> str:
    """The table of docs/api.md, "Options": every declared option, its keyword, flag, default, the values it
    takes and the commands (and functions) that take it."""
    def values(option: Option) -> str:
        if option.kind == CHOICE:
            words = ", ".join(f"`{word}`" for word in option.choice_words())
            aliases = ", ".join(f"`{a}` = `{w}`" for a, w in option.aliases.items())
            return words + (f" (also {aliases})" if aliases else "")
        return {FLAG: "`True` / `False`", COUNT: "a positive int", SHAPE: "1 to 4 positive ints, channels first",
                ASSIGNMENTS: "a mapping, name → value", TEXT: "a name or a file",
                GRID: "a count per spatial axis: `4x4`, or (4, 4)"}[option.kind]

    lines = ["| keyword | command line | default | values | taken by | what |", "|---|---|---|---|---|---|"]
    for option in OPTIONS:
        taken = "every command that reads a spec, and `read`" if option.used_by == SPEC_READERS else \
            ", ".join(option.used_by)
        lines.append(f"| `{option.name}` | `{option.flag}` | `{option.default_value()!r}` | {values(option)} | "
                     f"{taken} | {option.help.replace('|', '/')} |")
    return "\n".join(lines) + "\n"


def render_doc(text: str) -> str:
    """``text`` (docs/api.md) with the table between the markers made anew."""
    head, begin, rest = text.partition(BEGIN)
    _, end, tail = rest.partition(END)
    if not begin or not end:
        raise ValueError(f"{DOC} has no {BEGIN.strip()} ... {END} markers")
    return head + begin + markdown_table() + end + tail


if __name__ == "__main__":        # python -m cnncalc.options: rewrite the table of docs/api.md
    from pathlib import Path
    path = Path(__file__).resolve().parent.parent / DOC
    path.write_text(render_doc(path.read_text(encoding="utf-8")), encoding="utf-8")


# ----------------------------------------------------------------------------- the API's keywords

R = TypeVar("R")


def keywords(command: str) -> Callable[[Callable[..., R]], Callable[..., R]]:
    """The keyword arguments of the API function ``command``, from the declaration: the function is written
    with one ``options`` parameter (a :class:`Chosen`); callers give the declared keywords, with the declared
    defaults, each checked as the command line checks it (a bad value is a SpecError with the command line's
    message). ``help()`` and ``inspect.signature`` show the keywords."""
    declared = options_of(command)

    def decorate(func: Callable[..., R]) -> Callable[..., R]:
        own = [p for name, p in inspect.signature(func).parameters.items() if name != "options"]

        @functools.wraps(func)
        def call(*args, **kwargs):
            values = {}
            for option in declared:
                given = kwargs.pop(option.name, option.default_value())
                try:
                    values[option.name] = checked(option, given)
                except OptionError as err:
                    raise SpecError(str(err)) from None
            try:
                chosen = resolve(command, values)
            except OptionError as err:
                raise SpecError(str(err)) from None
            return func(*args, options=chosen, **kwargs)

        parameters = own + [inspect.Parameter(o.name, inspect.Parameter.KEYWORD_ONLY, default=o.default_value())
                            for o in declared]
        call.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
        return call
    return decorate
