"""``xposim regimen``: list label regimens; expand a regimen to a dose or NONMEM table."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from xposim.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from xposim.pharmacology.regimen.algebra import Regimen


def register(app: typer.Typer) -> None:
    sub = typer.Typer(help="Dosing regimens: label regimens, expansion to doses or a "
                      "NONMEM dataset.", no_args_is_help=True)
    app.add_typer(sub, name="regimen")

    @sub.command("list")
    def list_(
        as_json: Annotated[bool, typer.Option("--json", help="print as JSON")] = False,
    ) -> None:
        """The named label regimens, with their dose-reduction steps."""
        from xposim.cli._common import print_json
        from xposim.pharmacology.label_regimens import all_label_regimens

        regimens = all_label_regimens()
        if as_json:
            print_json([{"name": r.name, "title": r.title, "indication": r.indication,
                         "regimen": r.text, "cycle_days": r.cycle_days, "source": r.source,
                         "reductions": {d: {"steps": list(red.texts),
                                            "after_last": red.after_last,
                                            "source": red.source}
                                        for d, red in r.reductions.items()}}
                        for r in regimens])
            return
        from rich.console import Console
        from rich.table import Table

        table = Table("name (use label:<name>)", "title", "regimen", "dose reductions")
        for r in regimens:
            reds = "\n".join(f"{d}: " + " -> ".join(_short(t, d) for t in red.texts[1:])
                             + f" -> {red.after_last}" for d, red in r.reductions.items())
            table.add_row(r.name, r.title, r.text, reds)
        Console(width=200).print(table)

    @sub.command("show")
    def show(
        regimen: Annotated[str, typer.Argument(help="regimen text or label:<name>")],
        days: Annotated[float | None, typer.Option(help="expand this many days (needed for "
                                                   "open-ended regimens)")] = None,
        weight: Annotated[float | None, typer.Option(help="body weight (kg), for mg/m2")] = None,
        height: Annotated[float | None, typer.Option(help="height (cm), for mg/m2")] = None,
        nonmem: Annotated[bool, typer.Option("--nonmem", help="a NONMEM dataset (dose "
                                             "records with II/ADDL) instead of a dose "
                                             "table")] = False,
        expand: Annotated[bool, typer.Option(help="with --nonmem: one row per "
                                             "administration")] = False,
        subject: Annotated[int | None, typer.Option("--id", help="with --nonmem: the "
                                                    "NONMEM ID (default 1)")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="print as JSON")] = False,
        out: Annotated[str | None, typer.Option(help="write the table as CSV here")] = None,
    ) -> None:
        """Expand a regimen: a dose table (time, day, drug, amount, route) or NONMEM rows."""
        from xposim.cli._common import check_regimen_size, finite, json_text, output_file

        if not nonmem and expand:
            raise InputError("expand", "applies to NONMEM rows only: add --nonmem (or drop "
                             "--expand)")
        if not nonmem and subject is not None:
            raise InputError("id", "applies to NONMEM rows only: add --nonmem (or drop --id)",
                             got=subject)
        finite("days", days, "days")
        if days is not None:
            from xposim.limits import MAX_SIMULATED_DAYS

            MAX_SIMULATED_DAYS.check("days", days, got=days)
        if (weight is None) != (height is None):
            raise InputError("height" if height is None else "weight",
                             "give both --weight and --height for a body-surface area")
        with output_file(out) as dest:  # checked before any work
            from xposim.model.units import HOURS_PER_DAY
            from xposim.pharmacology.bsa import bsa_m2
            from xposim.pharmacology.label_regimens import read_regimen
            from xposim.pharmacology.regimen import regimen_to_text

            reg = read_regimen(regimen)
            until = None if days is None else days * HOURS_PER_DAY
            if reg.open_ended and until is None:
                raise InputError("days", "the regimen is open-ended (until progression): "
                                 "give --days to expand it")
            check_regimen_size(reg, until, hint="give --days to expand its beginning")
            if weight is not None and not reg.per_m2 and not nonmem:
                raise InputError("weight", "sizes mg/m2 doses and this regimen has none: "
                                 "drop --weight/--height (or add --nonmem for WT/HT columns)",
                                 got=weight)
            bsa = None if weight is None else bsa_m2(weight, height)  # type: ignore[arg-type]
            table = _table(reg, nonmem=nonmem, expand=expand, subject=subject or 1, bsa=bsa,
                           until=until, weight=weight, height=height)
            if dest is not None:
                if nonmem:
                    from xposim.pharmacology.nmdata import write_dataset

                    write_dataset(table, dest.path)
                else:
                    table.to_csv(dest.path, index=False)
            text = regimen_to_text(reg)
            js = json_text({"regimen": text, "end_h": reg.end_h,
                            "rows": [{k: (None if isinstance(v, float) and v != v else v)
                                      for k, v in row.items()}
                                     for row in table.to_dict(orient="records")]}
                           ) if as_json else None
        if js is not None:
            typer.echo(js)
            return
        from rich.console import Console
        from rich.table import Table

        rows = list(table.itertuples(index=False))
        shown = len(rows) > ROWS_SHOWN
        rich_table = Table(*map(str, table.columns), title=text, caption=(
            f"{ROWS_SHOWN} of {len(rows):,} rows shown; --json or --out gives them all"
            if shown else None))
        half = ROWS_SHOWN // 2
        for k, row in enumerate(rows[:half] + rows[-half:] if shown else rows):
            if shown and k == half:
                rich_table.add_row(*(["..."] * len(table.columns)))
            rich_table.add_row(*(_cell(v) for v in row))
        Console(width=200).print(rich_table)


#: Rows printed as a table on the terminal (the first and last halves); --json and --out
#: always hold every row. Rendering 100,000 rows would take minutes and help nobody.
ROWS_SHOWN = 200


def _table(reg: Regimen, *, nonmem: bool, expand: bool, subject: int, bsa: float | None,
           until: float | None, weight: float | None, height: float | None
           ) -> pd.DataFrame:
    """The dose table or the NONMEM rows of ``reg``."""
    if nonmem:
        if reg.per_m2 and bsa is None:
            raise InputError("height", "mg/m2 doses need the body-surface area: give "
                             "--weight and --height")
        from xposim.pharmacology.pk import dose_compartments
        from xposim.pharmacology.regimen import regimen_to_nonmem

        cov = {} if bsa is None else {"WT": weight, "HT": height}
        return regimen_to_nonmem(reg, cmt_for_route=dose_compartments(reg.drugs),
                                 id=subject, bsa_m2=bsa, until_h=until, expand=expand,
                                 covariates=cov)
    return reg.dose_table(until, bsa_m2=bsa)


def _short(text: str, drug: str) -> str:
    return text.removeprefix(drug).strip()


def _cell(v: object) -> str:
    if isinstance(v, float):
        return "-" if v != v else f"{v:.6g}"
    return str(v)
