"""``xposim pk``: a regimen's PK in a typical subject or a virtual population, with NCA."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from xposim.errors import InputError


def register(app: typer.Typer) -> None:
    @app.command("pk")
    def pk(
        regimen: Annotated[str, typer.Option(help="regimen text, e.g. 'selinexor 80 mg PO "
                                             "once', 'selinexor 80 mg PO days 1,3 weekly x 4 "
                                             "weeks + dex 20 mg PO days 1,3 weekly', or a "
                                             "label regimen, e.g. label:selinexor-dex (see "
                                             "`xposim regimen list`)")],
        weight: Annotated[float | None, typer.Option(help="body weight (kg)")] = None,
        sex: Annotated[str | None, typer.Option(help="M or F")] = None,
        height: Annotated[float | None, typer.Option(help="height (cm)")] = None,
        n: Annotated[int | None, typer.Option("--n", help="virtual subjects (population "
                                              "run); omit for the typical subject")] = None,
        seed: Annotated[int, typer.Option(help="random seed of the population")] = 0,
        hours: Annotated[float | None, typer.Option(help="simulated time (h); default: to "
                                                    "72 h after the last dose (open-ended "
                                                    "regimens: 3 weeks of dosing)")] = None,
        step: Annotated[float, typer.Option(help="output interval (h)")] = 0.25,
        as_json: Annotated[bool, typer.Option("--json", help="print NCA as JSON")] = False,
        out: Annotated[Path | None, typer.Option(help="write pk.parquet, nonmem.csv and "
                                                 "profiles.png here")] = None,
    ) -> None:
        """Simulate plasma concentrations and report NCA of the first dose."""
        from xposim.cli._common import print_json
        from xposim.pharmacology.pk.pkrun import run_pk

        if n is not None and n < 1:
            raise InputError("n", "must be >= 1", got=n)
        if step <= 0:
            raise InputError("step", "must be > 0 h", got=step)
        if hours is not None and hours <= 0:
            raise InputError("hours", "must be > 0 h", got=hours)
        run = run_pk(regimen, weight_kg=weight, sex=sex, height_cm=height, n=n, seed=seed,
                     hours=hours, step_h=step)
        if out is not None:
            from xposim.cli._common import use_file_backend
            from xposim.io import atomic_dir

            use_file_backend()

            with atomic_dir(out) as tmp:
                run.write(tmp)
        summary = run.summary()
        if as_json:
            print_json(summary if len(summary) > 1 else next(iter(summary.values())))
            return
        from rich.console import Console
        from rich.table import Table

        for drug, s in summary.items():
            table = Table(title=f"{drug}: typical subject, first dose"
                          + (f"; population n={n}, seed {seed}" if n else ""))
            table.add_column("quantity")
            table.add_column("typical", justify="right")
            if n:
                table.add_column("median [p5, p95]", justify="right")
            for key, value in s.items():
                if key in ("population", "flags"):
                    continue
                row = [key, "-" if value is None else f"{value:.4g}"]
                if n:
                    pop = s["population"].get(key)  # type: ignore[union-attr]
                    row.append("" if pop is None else "-" if pop["median"] is None else
                               f"{pop['median']:.4g} [{pop['p5']:.4g}, {pop['p95']:.4g}]")
                table.add_row(*row)
            Console().print(table)
            if s.get("flags"):
                Console().print("NCA acceptance (PKNCA rules): " + "; ".join(s["flags"]))
