"""The ``xposim`` command line (typer).

Each command group lives in its own module with a ``register(app)`` function. Errors in
user input print one line naming the field and exit with code 2; nothing is written.
"""

from __future__ import annotations

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


def _register_commands() -> None:
    # one import per command module; the list is the CLI's table of contents
    from xposim.cli import calibrate, cell, demo, ic50, nm, params, pk, regimen, sbml, synergy

    demo.register(app)
    calibrate.register(app)
    cell.register(app)
    ic50.register(app)
    params.register(app)
    pk.register(app)
    regimen.register(app)
    sbml.register(app)
    nm.register(app)
    synergy.register(app)


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
