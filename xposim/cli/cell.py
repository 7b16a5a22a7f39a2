"""``xposim cell``: a cell preset in a dish with a drug, optional washout."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from xposim.cli._common import (
    SET_HELP,
    Overwrite,
    finite,
    json_text,
    output_folder,
    parse_drug_concentration,
    parse_set_options,
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
        out: Annotated[str | None, typer.Option(help="write timecourse.parquet, "
                                                "exposure.png and manifest.json into this "
                                                "folder")] = None,
        list_: Annotated[bool, typer.Option("--list", help="list cell presets")] = False,
        set_: Annotated[list[str] | None, typer.Option("--set", help=SET_HELP)] = None,
        overwrite: Overwrite = False,
    ) -> None:
        """Expose a cell preset to a drug and report occupancy and cargo localisation."""
        from xposim.presets.cell_lines import all_cell_lines

        if list_:
            if cell_line or drug or out:
                raise InputError("list", "lists the presets and runs nothing: drop "
                                 "--cell-line, --drug and --out")
            table = Table("name", "lineage", "malignant", "what distinguishes it")
            for c in all_cell_lines():
                table.add_row(c.name, c.lineage, "yes" if c.malignant else "no",
                              c.distinguishing)
            Console().print(table)
            return
        if cell_line is None:
            raise InputError("cell-line", "is required (see xposim cell --list)")
        finite("hours", hours, "h")
        finite("step", step, "h")
        finite("washout-at", washout_at, "h")
        if len(drug or []) != 1:
            raise InputError("drug", "give exactly one XPO1 inhibitor, e.g. "
                             "--drug selinexor=100nM", got=len(drug or []))
        inputs = {"cell_line": cell_line, "drug": list(drug or []), "hours": hours,
                  "washout_at_h": washout_at, "step_h": step, "set": list(set_ or [])}
        with output_folder(out, command="cell", inputs=inputs, overwrite=overwrite) as dest:
            # parsed after the destination check: units and the model load numerical code
            overrides = parse_set_options(set_)
            name, conc = parse_drug_concentration(drug[0])  # type: ignore[index]
            from xposim.experiments.exposure import Exposure, run_exposure

            exposure = Exposure(cell_line=cell_line, drug=name, concentration_nM=conc,
                                hours=hours, washout_at_h=washout_at, step_h=step,
                                overrides=overrides)
            from xposim.limits import MAX_OUTPUT_POINTS

            MAX_OUTPUT_POINTS.check("step", hours / step + 1, got=step,
                                    hint=f"use a step of at least "
                                         f"{hours / (MAX_OUTPUT_POINTS.value - 1):.3g} h "
                                         f"over {hours:g} h")
            result = run_exposure(exposure)
            summary = result.final()
            text = json_text(summary)
            if dest is not None:
                use_file_backend()
                import matplotlib.pyplot as plt

                from xposim.biology.cell import cell_model
                from xposim.report.cell_plots import plot_exposure

                result.to_frame().to_parquet(dest.path / "timecourse.parquet", index=False)
                fig = plot_exposure(result)
                fig.savefig(dest.path / "exposure.png", dpi=120)
                plt.close(fig)
                dest.record(model_hash=cell_model(exposure.cell_line, exposure.drug,
                                                  exposure.overrides).hash,
                            details={"concentration_nM": conc, "summary": summary})
        if as_json:
            typer.echo(text)
            return
        table = Table(title=f"{cell_line}, {name} {conc:g} nM, {hours:g} h"
                      + (f", washout at {washout_at:g} h" if washout_at else ""))
        table.add_column("quantity")
        table.add_column("end of run", justify="right")
        table.add_row("XPO1 occupancy", f"{summary['occupancy']:.3f}")
        for cargo, frac in summary["nuclear_fraction"].items():  # type: ignore[union-attr]
            table.add_row(f"{cargo} nuclear fraction", f"{frac:.3f}")
        Console().print(table)
