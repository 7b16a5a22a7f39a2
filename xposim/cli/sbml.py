"""``xposim sbml``: write a built-in model as SBML (opens in COPASI, Tellurium)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    @app.command("sbml")
    def sbml(
        model: Annotated[str, typer.Option(help="built-in model name (cell, ...)")] = "cell",
        cell_line: Annotated[str | None, typer.Option("--cell-line",
                                                      help="preset for the cell model")] = None,
        out: Annotated[Path | None, typer.Option(help="write to this file (.xml)")] = None,
    ) -> None:
        """Export the SBML Level 3 Version 2 that xposim itself simulates."""
        from xposim.catalog import build_model

        kwargs = {"cell_line": cell_line} if cell_line else {}
        text = build_model(model, **kwargs).sbml
        if out is None:
            sys.stdout.write(text)
            return
        from xposim.io import atomic_file

        with atomic_file(out) as tmp:
            tmp.write_text(text, encoding="utf-8")
