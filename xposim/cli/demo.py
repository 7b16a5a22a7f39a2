"""``xposim demo``: the main job on its embedded defaults, with its report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from xposim.cli._common import Overwrite, Quiet, output_folder, progress


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo(out: Annotated[str, typer.Option(help="report folder (report.html, figures, "
                                              "tables, manifest.json)")] = "out/demo",
             overwrite: Overwrite = False,
             quiet: Quiet = False,
             ) -> None:
        """Run the built-in demonstration and write its report (report.html)."""
        with output_folder(out, command="demo", inputs={}, overwrite=overwrite) as dest:
            from xposim.cli._common import use_file_backend

            use_file_backend()
            from xposim.report.demo import DEMO_CELLS, run_demo

            assert dest is not None
            with progress("simulating selinexor exposures of the cell presets",
                          len(DEMO_CELLS) + 1, quiet=quiet) as advance:
                summary = run_demo(dest.path, progress=advance)
            dest.record(model_hash=summary["model_hash"],
                        details={"settings": summary["settings"]})
        console = Console()
        console.print(f"[bold]report[/bold]: {Path(out) / 'report.html'}")
        for cell, occ in summary["occupancy_at_washout"].items():  # type: ignore[union-attr]
            console.print(f"  {cell:15s} occupancy at washout {occ:.3f}")
