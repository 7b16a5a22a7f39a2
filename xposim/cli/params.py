"""``xposim params``: every parameter of a model with value, unit, kind and source."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from xposim.errors import InputError


def register(app: typer.Typer) -> None:
    @app.command("params")
    def params(
        model: Annotated[str, typer.Option(help="built-in model name (cell, ...)")] = "cell",
        cell_line: Annotated[str | None, typer.Option("--cell-line",
                                                      help="preset for the cell model")] = None,
        fmt: Annotated[str, typer.Option("--format", help="csv or md")] = "md",
        out: Annotated[str | None, typer.Option(help="write to this file")] = None,
        summary: Annotated[bool, typer.Option("--summary", help="count the parameters by "
                                              "kind instead of listing them")] = False,
    ) -> None:
        """Print or write the parameter table (CSV or Markdown)."""
        from xposim.cli._common import output_file

        if fmt not in ("csv", "md"):
            raise InputError("format", "must be csv or md", got=fmt)
        with output_file(out) as dest:  # checked before any work
            import pandas as pd

            from xposim.catalog import build_model
            from xposim.model.components import KINDS
            from xposim.model.tables import parameter_table, to_markdown

            kwargs = {"cell_line": cell_line} if cell_line else {}
            built = build_model(model, **kwargs)
            table = parameter_table(built)
            if summary:  # parameters only: derived expressions and inputs are not counted
                counts = {k: sum(1 for p in built.parameters if p.kind == k) for k in KINDS}
                table = pd.DataFrame({"kind": [*counts, "total"],
                                      "parameters": [*counts.values(),
                                                     len(built.parameters)]})
            text = table.to_csv(index=False) if fmt == "csv" else to_markdown(table)
            if dest is not None:
                dest.path.write_text(text, encoding="utf-8")
        if out is None:
            sys.stdout.write(text)
