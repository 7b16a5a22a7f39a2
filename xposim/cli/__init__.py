"""The ``xposim`` command line (typer).

Each command group lives in its own module ``xposim/cli/<name>.py`` with a
``register(app)`` function; adding a command is one line: its module name in
``COMMANDS``. A command module imports only typer, rich, ``xposim.errors`` and
``xposim.cli._common`` at module level and everything else inside the command function,
so ``xposim --help`` starts in ~0.15 s without NumPy, pandas, SciPy, matplotlib,
libRoadRunner or pint (tests/test_startup.py fails otherwise). A command that writes
figures calls ``_common.use_file_backend()`` first.

Errors in user input print one line naming the field and exit with code 2; nothing is
written.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

import typer
from typer.exceptions import Abort, Exit, TyperException

from xposim.errors import InputError, ModelError, SimulationError

app = typer.Typer(
    name="xposim",
    help="Simulate selinexor and other XPO1 inhibitors: target, cell, patient, trial.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


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


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: run the CLI, turning user errors into one line and exit code 2."""
    try:
        app(args=list(argv) if argv is not None else None, standalone_mode=False)
    except (InputError, ModelError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    except SimulationError as exc:
        print(f"error: simulation failed: {exc}", file=sys.stderr)
        sys.exit(1)
    except TyperException as exc:  # usage errors: bad or missing options
        print(f"error: {exc.format_message()}", file=sys.stderr)
        sys.exit(2 if exc.exit_code == 1 else exc.exit_code)
    except Exit as exc:
        sys.exit(exc.exit_code)
    except Abort:
        print("aborted", file=sys.stderr)
        sys.exit(130)
