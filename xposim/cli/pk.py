"""``xposim pk``: a regimen's PK in a typical subject or a virtual population, with NCA."""

from __future__ import annotations

from typing import Annotated

import typer

from xposim.cli._common import Overwrite, Quiet
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
        seed: Annotated[int, typer.Option(help="random seed of the population (>= 0)")] = 0,
        hours: Annotated[float | None, typer.Option(help="simulated time (h); default: to "
                                                    "72 h after the last dose (open-ended "
                                                    "regimens: 3 weeks of dosing)")] = None,
        step: Annotated[float, typer.Option(help="output interval (h)")] = 0.25,
        obs_every: Annotated[str | None, typer.Option(
            "--obs-every", help="with --n: the population's recording interval "
            "(pk.parquet, nonmem.csv), with a unit: 1d, 12h, 30min (default: --step; the "
            "NCA keeps --step)")] = None,
        obs_times: Annotated[str | None, typer.Option(
            "--obs-times", help="with --n: the population's recording times, comma-"
            "separated, with a unit: '0,1,2,4,8,24h' or '1,7,14d'")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="print NCA as JSON")] = False,
        out: Annotated[str | None, typer.Option(help="write pk.parquet, nonmem.csv, "
                                                "profiles.png and manifest.json into this "
                                                "folder")] = None,
        overwrite: Overwrite = False,
        quiet: Quiet = False,
    ) -> None:
        """Simulate plasma concentrations and report NCA of the first dose."""
        from xposim.cli._common import (
            count_administrations,
            finite,
            json_text,
            output_folder,
            progress,
        )
        from xposim.limits import MAX_ADMINISTRATIONS, MAX_SUBJECTS

        if n is not None and n < 1:
            raise InputError("n", "must be >= 1", got=n)
        if n is not None:
            MAX_SUBJECTS.check("n", n, got=n)
        if seed < 0:
            raise InputError("seed", "must be >= 0", got=seed)
        finite("step", step, "h")
        finite("hours", hours, "h")
        for name, value, unit in (("weight", weight, "kg"), ("height", height, "cm")):
            finite(name, value, unit)
        every, obs = _obs_times(obs_every, obs_times)
        inputs = {"regimen": regimen, "weight_kg": weight, "sex": sex, "height_cm": height,
                  "n": n, "seed": seed, "hours": hours, "step_h": step,
                  "obs_every": obs_every, "obs_times": obs_times}
        # the destination is checked and reserved before anything heavy is imported
        with output_folder(out, command="pk", inputs=inputs, overwrite=overwrite,
                           seed=seed) as dest:
            from xposim.pharmacology.label_regimens import read_regimen
            from xposim.pharmacology.pk.pkrun import OPEN_ENDED_DOSING_H, run_pk

            reg = read_regimen(regimen)
            until = hours if hours is not None else (
                OPEN_ENDED_DOSING_H if reg.open_ended else None)
            MAX_ADMINISTRATIONS.check("regimen", count_administrations(reg.records, until),
                                      got=regimen)
            drugs = len(reg.drugs)
            what = f"{n} virtual subjects" + (f" x {drugs} drugs" if drugs > 1 else "")
            with progress(what, (n or 0) * drugs, quiet=quiet or n is None) as advance:
                # a population is streamed into the staged folder chunk by chunk
                run = run_pk(reg, weight_kg=weight, sex=sex, height_cm=height, n=n,
                             seed=seed, hours=hours, step_h=step, obs_times_h=obs,
                             obs_every_h=every,
                             out_dir=None if dest is None else dest.path,
                             progress=advance if n is not None else None)
            summary = run.summary()
            text = json_text(summary if len(summary) > 1 else next(iter(summary.values())))
            if dest is not None:
                from xposim.cli._common import use_file_backend

                use_file_backend()
                import matplotlib.pyplot as plt

                from xposim.report.pk_plots import plot_profiles

                run.write(dest.path)  # what was not streamed into it already
                fig = plot_profiles(run)
                fig.savefig(dest.path / "profiles.png", dpi=110)
                plt.close(fig)
                dest.record(model_hash={d.drug: d.typical.pk.model.hash for d in run.drugs},
                            details={"simulated_hours": float(
                                run.drugs[0].typical.times_h[-1]),
                                "nca": summary})
        if as_json:
            typer.echo(text)
            return
        _print_tables(summary, n, seed)


def _print_tables(summary: dict[str, dict[str, object]], n: int | None, seed: int) -> None:
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
            Console().print("NCA flags (truncation; PKNCA acceptance rules): "
                            + "; ".join(s["flags"]))  # type: ignore[arg-type]


_UNIT_H = {"min": 1 / 60, "h": 1.0, "d": 24.0, "w": 168.0}


def _hours(text: str, field: str) -> tuple[list[float], str]:
    import re

    m = re.fullmatch(r"\s*(.*?)\s*(min|h|d|w)\s*", text)
    if not m or not m.group(1):
        raise InputError(field, "must end with a unit: min, h, d or w, e.g. 1d or 0,1,2,4h",
                         got=text)
    out = []
    for part in m.group(1).split(","):
        try:
            v = float(part)
        except ValueError:
            raise InputError(field, "must be numbers with a unit, e.g. 1d or 0,1,2,4h",
                             got=text) from None
        out.append(v * _UNIT_H[m.group(2)])
    return out, m.group(2)


def _obs_times(every: str | None, times: str | None
               ) -> tuple[float | None, list[float] | None]:
    """(interval, times) in h from --obs-every / --obs-times (None, None: the --step
    grid)."""
    if every is not None and times is not None:
        raise InputError("obs-times", "give --obs-every or --obs-times, not both")
    if times is not None:
        return None, _hours(times, "obs-times")[0]
    if every is None:
        return None, None
    values, _ = _hours(every, "obs-every")
    if len(values) != 1:
        raise InputError("obs-every", "must be one interval with a unit, e.g. 1d", got=every)
    return values[0], None
