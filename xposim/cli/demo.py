"""``xposim demo``: the main job on its embedded defaults, with its report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo(out: Annotated[Path, typer.Option(help="report directory")] = Path("out/demo"),
             ) -> None:
        """Run the built-in demonstration and write its report (report.html)."""
        from rich.progress import Progress, SpinnerColumn, TextColumn

        from xposim.cli._common import use_file_backend
        from xposim.io import atomic_dir

        use_file_backend()
        from xposim.report.demo import run_demo

        with Progress(SpinnerColumn(), TextColumn("{task.description}")) as progress:
            progress.add_task("simulating selinexor exposures of the cell presets...")
            with atomic_dir(out) as tmp:
                summary = run_demo(tmp)
        console = Console()
        console.print(f"[bold]report[/bold]: {out / 'report.html'}")
        for cell, occ in summary["occupancy_at_washout"].items():  # type: ignore[union-attr]
            console.print(f"  {cell:15s} occupancy at washout {occ:.3f}")
