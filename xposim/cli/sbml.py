"""``xposim sbml``: write a built-in model as SBML (opens in COPASI, Tellurium)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    @app.command("sbml")
    def sbml(
        model: Annotated[str, typer.Option(help="built-in model name (cell, ...)")] = "cell",
        cell_line: Annotated[str | None, typer.Option("--cell-line",
                                                      help="preset for the cell model")] = None,
        out: Annotated[str | None, typer.Option(help="write to this file (.xml)")] = None,
    ) -> None:
        """Export the SBML Level 3 Version 2 that xposim itself simulates."""
        from xposim.cli._common import output_file

        with output_file(out) as dest:  # checked before any work
            from xposim.catalog import build_model

            kwargs = {"cell_line": cell_line} if cell_line else {}
            text = build_model(model, **kwargs).sbml
            if dest is not None:
                dest.path.write_text(text, encoding="utf-8")
        if out is None:
            sys.stdout.write(text)
