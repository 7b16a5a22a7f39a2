"""``xposim cell``: a cell preset in a dish with a drug, optional washout."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from xposim.cli._common import (
    SET_HELP,
    parse_drug_concentration,
    parse_set_options,
    print_json,
    use_file_backend,
)
from xposim.errors import InputError


def register(app: typer.Typer) -> None:
    @app.command("cell")
    def cell(
        cell_line: Annotated[str | None, typer.Option("--cell-line", help="preset name "
                                                      "(see --list)")] = None,
        drug: Annotated[list[str] | None, typer.Option(
            "--drug", help="NAME=CONCENTRATION with unit, e.g. selinexor=100nM")] = None,
        hours: Annotated[float, typer.Option(help="duration of exposure (h)")] = 24.0,
        washout_at: Annotated[float | None, typer.Option(
            "--washout-at", help="replace medium with drug-free medium at this time (h)")] = None,
        step: Annotated[float, typer.Option(help="output interval (h)")] = 0.25,
        as_json: Annotated[bool, typer.Option("--json", help="print the end-of-run "
                                              "summary as JSON")] = False,
        out: Annotated[Path | None, typer.Option(help="write timecourse.parquet and "
                                                 "exposure.png here")] = None,
        list_: Annotated[bool, typer.Option("--list", help="list cell presets")] = False,
        set_: Annotated[list[str] | None, typer.Option("--set", help=SET_HELP)] = None,
    ) -> None:
        """Expose a cell preset to a drug and report occupancy and cargo localisation."""
        from xposim.presets.cell_lines import all_cell_lines

        if list_:
            table = Table("name", "lineage", "malignant", "what distinguishes it")
            for c in all_cell_lines():
                table.add_row(c.name, c.lineage, "yes" if c.malignant else "no",
                              c.distinguishing)
            Console().print(table)
            return
        if cell_line is None:
            raise InputError("cell-line", "is required (see xposim cell --list)")
        overrides = parse_set_options(set_)
        drugs = [parse_drug_concentration(d) for d in (drug or [])]
        if len(drugs) != 1:
            raise InputError("drug", "give exactly one XPO1 inhibitor, e.g. "
                             "--drug selinexor=100nM", got=len(drugs))
        from xposim.experiments.exposure import Exposure, run_exposure

        name, conc = drugs[0]
        exposure = Exposure(cell_line=cell_line, drug=name, concentration_nM=conc,
                            hours=hours, washout_at_h=washout_at, step_h=step,
                            overrides=overrides)
        result = run_exposure(exposure)
        if out is not None:
            use_file_backend()
            from xposim.io import atomic_dir
            from xposim.report.cell_plots import plot_exposure

            with atomic_dir(out) as tmp:
                result.to_frame().to_parquet(tmp / "timecourse.parquet", index=False)
                fig = plot_exposure(result)
                fig.savefig(tmp / "exposure.png", dpi=120)
        summary = result.final()
        if as_json:
            print_json(summary)
            return
        table = Table(title=f"{cell_line}, {name} {conc:g} nM, {hours:g} h"
                      + (f", washout at {washout_at:g} h" if washout_at else ""))
        table.add_column("quantity")
        table.add_column("end of run", justify="right")
        table.add_row("XPO1 occupancy", f"{summary['occupancy']:.3f}")
        for cargo, frac in summary["nuclear_fraction"].items():  # type: ignore[union-attr]
            table.add_row(f"{cargo} nuclear fraction", f"{frac:.3f}")
        Console().print(table)
