"""``xposim ic50``: the 72 h viability curve of a cell preset and its Hill-fit IC50."""

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


def _concentrations(text: str, drug: str) -> tuple[float, ...]:
    """``"0nM,1nM,10nM,0.1uM"`` -> nM (units required; mass units use the drug's MW)."""
    from xposim.model.units import concentration_to_nM, parse_quantity
    from xposim.presets.drugs import get_drug

    d = get_drug(drug)
    out = []
    for item in text.split(","):
        value, unit = parse_quantity(item.strip(), field="concentrations", expect="nM")
        if value < 0:
            raise InputError("concentrations", "must be >= 0", got=item.strip())
        out.append(concentration_to_nM(value, unit, mw_g_per_mol=d.mw_g_per_mol,
                                       field="concentrations"))
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
        out: Annotated[Path | None, typer.Option(help="write dose_response.parquet and "
                                                 "dose_response.png here")] = None,
        set_: Annotated[list[str] | None, typer.Option("--set", help=SET_HELP)] = None,
    ) -> None:
        """Viability curve (fraction of the untreated control) and 4-parameter Hill IC50."""
        if cell_line is None:
            raise InputError("cell-line", "is required (see xposim cell --list)")
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
        result = run_dose_response(experiment)
        if out is not None:
            use_file_backend()
            from xposim.io import atomic_dir

            with atomic_dir(out) as tmp:
                result.to_frame().to_parquet(tmp / "dose_response.parquet", index=False)
                result.plot().savefig(tmp / "dose_response.png", dpi=120)
        summary = result.summary()
        if as_json:
            print_json(summary)
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
