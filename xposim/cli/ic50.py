"""``xposim ic50``: the 72 h viability curve of a cell preset and its Hill-fit IC50."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from xposim.cli._common import (
    SET_HELP,
    Overwrite,
    Quiet,
    check_concentration,
    finite,
    json_text,
    output_folder,
    parse_drug_concentration,
    parse_set_options,
    progress,
    use_file_backend,
)
from xposim.errors import InputError


def _concentrations(text: str, drug: str) -> tuple[float, ...]:
    """``"0nM,1nM,10nM,0.1uM"`` -> nM (units required; mass units use the drug's MW)."""
    from xposim.limits import MAX_DISH_SIMULATIONS
    from xposim.model.units import concentration_to_nM, parse_quantity
    from xposim.presets.drugs import get_drug

    d = get_drug(drug)
    items = text.split(",")
    MAX_DISH_SIMULATIONS.check("concentrations", len(items), hint="one simulation per "
                               "concentration: give fewer")
    out = []
    for item in items:
        value, unit = parse_quantity(item.strip(), field="concentrations", expect="nM")
        if value < 0:
            raise InputError("concentrations", "must be >= 0", got=item.strip())
        out.append(check_concentration("concentrations", concentration_to_nM(
            value, unit, mw_g_per_mol=d.mw_g_per_mol, field="concentrations"), item.strip()))
    return tuple(out)


def register(app: typer.Typer) -> None:
    @app.command("ic50")
    def ic50(
        cell_line: Annotated[str | None, typer.Option("--cell-line", help="preset name "
                                                      "(see xposim cell --list)")] = None,
        drug: Annotated[str, typer.Option(help="drug varied in the series")] = "selinexor",
        hours: Annotated[float, typer.Option(help="exposure before the viability read-out "
                                             "(h)")] = 72.0,
        concentrations: Annotated[str | None, typer.Option(
            "--concentrations", help="comma-separated series with units, e.g. "
            "0nM,1nM,10nM,100nM,1uM (default: control + 1 nM-10 uM, half-log)")] = None,
        fixed: Annotated[list[str] | None, typer.Option(
            "--fixed", help="another drug held constant, NAME=CONCENTRATION, e.g. "
            "dexamethasone=100nM")] = None,
        as_json: Annotated[bool, typer.Option("--json", help='print {"ic50_nm": x, '
                                              '"ci95_nm": [lo, hi], ...}')] = False,
        out: Annotated[str | None, typer.Option(help="write dose_response.parquet, "
                                                "dose_response.png and manifest.json into "
                                                "this folder")] = None,
        set_: Annotated[list[str] | None, typer.Option("--set", help=SET_HELP)] = None,
        overwrite: Overwrite = False,
        quiet: Quiet = False,
    ) -> None:
        """Viability curve (fraction of the untreated control) and 4-parameter Hill IC50."""
        if cell_line is None:
            raise InputError("cell-line", "is required (see xposim cell --list)")
        finite("hours", hours, "h")
        inputs = {"cell_line": cell_line, "drug": drug, "hours": hours,
                  "concentrations": concentrations, "fixed": list(fixed or []),
                  "set": list(set_ or [])}
        with output_folder(out, command="ic50", inputs=inputs, overwrite=overwrite) as dest:
            # parsed after the destination check: units and the model load numerical code
            overrides = parse_set_options(set_)
            from xposim.experiments.dose_response import (
                DEFAULT_CONCENTRATIONS_NM,
                DoseResponse,
                run_dose_response,
            )

            conc = (_concentrations(concentrations, drug) if concentrations is not None
                    else DEFAULT_CONCENTRATIONS_NM)
            held = dict(parse_drug_concentration(f, field="fixed") for f in (fixed or []))
            experiment = DoseResponse(cell_line=cell_line, drug=drug, hours=hours,
                                      concentrations_nM=conc, fixed=tuple(held.items()),
                                      overrides=overrides)
            with progress(f"{len(conc)} concentrations, {hours:g} h", None, quiet=quiet):
                result = run_dose_response(experiment)
            summary = result.summary()
            text = json_text(summary)
            if dest is not None:
                use_file_backend()
                import matplotlib.pyplot as plt

                from xposim.biology.cell import cell_fate_model

                result.to_frame().to_parquet(dest.path / "dose_response.parquet",
                                             index=False)
                fig = result.plot()
                fig.savefig(dest.path / "dose_response.png", dpi=120)
                plt.close(fig)
                dest.record(model_hash=cell_fate_model(experiment.cell_line,
                                                       overrides=overrides).hash,
                            details={"concentrations_nM": list(experiment.concentrations_nM),
                                     "fixed_nM": held, "summary": summary})
        if as_json:
            typer.echo(text)
            return
        table = Table(title=f"{experiment.cell_line}, {experiment.drug}, {hours:g} h")
        table.add_column("concentration (nM)", justify="right")
        table.add_column("viability", justify="right")
        for c, v in zip(experiment.concentrations_nM, result.viability, strict=True):
            table.add_row(f"{c:g}", f"{v:.3f}")
        Console().print(table)
        if result.fit is None:
            Console().print(f"IC50: none ({result.status})")
        else:
            ci = summary["ci95_nm"]
            ci_text = f" (95% CI {ci[0]:.3g}-{ci[1]:.3g})" if ci else ""
            Console().print(f"IC50 {summary['ic50_nm']:.3g} nM{ci_text}, Hill "
                            f"{summary['hill']:.2f}; fit status: {result.status}")
