"""The ``xposim`` command line (typer).

Each command group lives in its own module ``xposim/cli/<name>.py`` with a
``register(app)`` function; adding a command is one line: its module name in
``COMMANDS``. A command module imports only typer, rich, ``xposim.errors`` and
``xposim.cli._common`` at module level and everything else inside the command function,
so ``xposim --help`` starts in ~0.15 s without NumPy, pandas, SciPy, matplotlib,
libRoadRunner or pint (tests/test_startup.py fails otherwise). A command that writes
figures calls ``_common.use_file_backend()`` first.

Exit codes (docs/cli.md): 0 success; 2 bad input (one line naming the field; nothing is
written, checked before any work where possible); 1 a simulation or the system failed
(one line); 130/143 interrupted by SIGINT/SIGTERM (one line; temporaries removed, nothing
that looks complete is left).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from typing import Annotated

import typer
from typer.exceptions import Abort, Exit, TyperException

from xposim._version import __version__
from xposim.cli._common import ARGV
from xposim.errors import InputError, ModelError, SimulationError
from xposim.io.interrupts import Interrupted, signals_raise

app = typer.Typer(
    name="xposim",
    help="Simulate selinexor and other XPO1 inhibitors: target, cell, patient, trial.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},  # inherited by every command
)

#: Exit code of an interrupt by SIGINT (128 + 2), the shell's convention.
EXIT_SIGINT = 130


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"xposim {__version__}")
        raise Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option(
        "--version", "-V", is_eager=True, callback=_print_version,
        help="print the version and exit")] = False,
) -> None:
    """Simulate selinexor and other XPO1 inhibitors: target, cell, patient, trial."""


#: The CLI's table of contents: one command module per entry, registered in this order.
COMMANDS = (
    "demo",
    "calibrate",
    "cell",
    "ic50",
    "params",
    "pk",
    "regimen",
    "sbml",
    "nm",
    "nca",
    "synergy",
    "patient",
    "trial",
    "serve",
)


def _register_commands() -> None:
    for name in COMMANDS:
        importlib.import_module(f"xposim.cli.{name}").register(app)


_register_commands()


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _interrupted(name: str, detail: str | None = None) -> str:
    said = detail or "stopped before completing; no result was written"
    return f"error: interrupted by {name}: {_one_line(said)}"


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: run the CLI; errors become one line on stderr and an exit code (0 ok,
    2 bad input, 1 failure, 130/143 interrupted)."""
    args = list(argv) if argv is not None else sys.argv[1:]
    token = ARGV.set(("xposim", *args))
    try:
        with signals_raise():
            code = app(args=args, standalone_mode=False)
    except Interrupted as exc:
        print(_interrupted(exc.name, exc.detail), file=sys.stderr)
        sys.exit(exc.exit_code)
    except (InputError, ModelError) as exc:
        print(f"error: {_one_line(str(exc))}", file=sys.stderr)
        sys.exit(2)
    except SimulationError as exc:
        print(f"error: simulation failed: {_one_line(str(exc))}", file=sys.stderr)
        sys.exit(1)
    except TyperException as exc:  # usage errors: bad or missing options
        print(f"error: {_one_line(exc.format_message())}", file=sys.stderr)
        sys.exit(2 if exc.exit_code == 1 else exc.exit_code)
    except Exit as exc:
        sys.exit(exc.exit_code)
    except Abort:  # end of input at a prompt
        print("error: aborted", file=sys.stderr)
        sys.exit(1)
    except OSError as exc:  # the system failed us while writing (disk full, I/O error)
        where = f": {exc.filename}" if exc.filename else ""
        print(f"error: {exc.strerror or type(exc).__name__}{where}", file=sys.stderr)
        sys.exit(1)
    finally:
        ARGV.reset(token)
    # typer returns (not raises) the code of an Exit raised inside a command, and turns
    # a KeyboardInterrupt it sees into 130: a non-zero code must reach the shell
    if isinstance(code, int) and not isinstance(code, bool) and code != 0:
        if code == EXIT_SIGINT:
            print(_interrupted("SIGINT"), file=sys.stderr)
        sys.exit(code)

__all__ = ["app", "main"]
