"""The command line: translate between the user and the core; map errors to exit codes.

Exit codes (cnncalc.errors.ExitCode): 0 ok, 1 a budget was exceeded, 2 a bad spec or bad usage,
3 an internal error (a bug in cnncalc: please report it).
"""

from __future__ import annotations

import gc
import os
import sys

import click

from cnncalc import __version__
from cnncalc.errors import CnncalcError, ExitCode


# Each command lives in its own module, imported only when that command runs (start-up time).
COMMANDS = {
    "analyze": "cnncalc.cli.analyze",
    "compare": "cnncalc.cli.compare",
    "check": "cnncalc.cli.check",
    "layers": "cnncalc.cli.layers",
    "checkerboard": "cnncalc.cli.checkerboard",
    "verify": "cnncalc.cli.verify",
    "graph": "cnncalc.cli.graph",
    "schema": "cnncalc.cli.schema",
    "zoo": "cnncalc.cli.zoo",
    "devices": "cnncalc.cli.devices",
    "runtimes": "cnncalc.cli.runtimes",
    "explain": "cnncalc.cli.explain",
    "import": "cnncalc.cli.import_onnx",
    "export": "cnncalc.cli.export",
    "measure": "cnncalc.cli.measure",
}


class _Group(click.Group):
    """Loads commands lazily, and runs them so that a user never sees a traceback unless asked for with
    --traceback."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str):
        if name not in COMMANDS:
            return None
        import importlib
        return getattr(importlib.import_module(COMMANDS[name]), name)

    def resolve_command(self, ctx: click.Context, args: list[str]):
        if args and args[0] not in COMMANDS and not args[0].startswith("-"):
            from cnncalc.errors import did_you_mean
            ctx.fail(f"there is no command '{args[0]}'{did_you_mean(args[0], COMMANDS)}; the commands are "
                     f"{', '.join(COMMANDS)}")
        return super().resolve_command(ctx, args)

    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as err:        # an option of cnncalc itself (cnncalc --bogus)
            from cnncalc.cli.usage import UsageMessage
            raise UsageMessage(err) from None

    def invoke(self, ctx: click.Context):
        # A big spec makes millions of small objects that live until the command ends; CPython's cyclic
        # garbage collector would rescan them again and again (quadratic time). cnncalc makes no cycles
        # worth collecting during one command, so the collector is paused for it.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return super().invoke(ctx)
        except click.UsageError as err:
            from cnncalc.cli.usage import UsageMessage
            raise UsageMessage(err) from None
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except CnncalcError as err:
            if _wants_traceback(ctx):
                raise
            click.echo(f"cnncalc: error: {err}", err=True)
            ctx.exit(int(err.exit_code))
        except KeyboardInterrupt:
            click.echo("cnncalc: interrupted", err=True)
            ctx.exit(130)
        except BrokenPipeError:
            # the reader went away (`cnncalc analyze x.yaml | head`): stop quietly, with the status a shell
            # gives a program ended by SIGPIPE; point stdout at /dev/null so the final flush cannot fail again
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(141)
        except RecursionError:
            if _wants_traceback(ctx):
                raise
            click.echo("cnncalc: error: the spec is nested too deeply to analyse", err=True)
            ctx.exit(int(ExitCode.BAD_INPUT))
        except Exception as err:  # a bug of ours, never the user's fault
            if _wants_traceback(ctx):
                raise
            click.echo(f"cnncalc: internal error: {type(err).__name__}: {err}\n"
                       f"This is a bug in cnncalc {__version__}, not a problem with your spec. Please report it "
                       f"with the spec and the output of the same command run with --traceback.", err=True)
            ctx.exit(int(ExitCode.INTERNAL_ERROR))
        finally:
            if collecting:
                gc.enable()


def _wants_traceback(ctx: click.Context) -> bool:
    return bool((ctx.obj or {}).get("traceback")) or os.environ.get("CNNCALC_TRACEBACK") == "1"


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="cnncalc")
@click.option("--traceback", is_flag=True, help="Show the full Python traceback of an error (for debugging).")
@click.pass_context
def main(ctx: click.Context, traceback: bool) -> None:
    """Exact shapes, parameters, MACs, FLOPs, receptive fields and memory of a CNN described in YAML.

    Exit codes: 0 ok, 1 a budget exceeded (check) or a disagreement (verify), 2 bad spec or usage,
    3 internal error.
    """
    from cnncalc.cli.output import install_fallback
    install_fallback()
    ctx.ensure_object(dict)
    ctx.obj["traceback"] = traceback
