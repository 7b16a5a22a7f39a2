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
        obs_every: Annotated[str | None, typer.Option(
            "--obs-every", help="with --n: the population's recording interval "
            "(pk.parquet, nonmem.csv), with a unit: 1d, 12h, 30min (default: --step; the "
            "NCA keeps --step)")] = None,
        obs_times: Annotated[str | None, typer.Option(
            "--obs-times", help="with --n: the population's recording times, comma-"
            "separated, with a unit: '0,1,2,4,8,24h' or '1,7,14d'")] = None,
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
        every, obs = _obs_times(obs_every, obs_times)
        kw = {"weight_kg": weight, "sex": sex, "height_cm": height, "n": n, "seed": seed,
              "hours": hours, "step_h": step, "obs_times_h": obs, "obs_every_h": every}
        if out is not None:
            from xposim.cli._common import use_file_backend
            from xposim.io import atomic_dir

            use_file_backend()

            # the population is written chunk by chunk into the temporary folder
            with atomic_dir(out) as tmp, _progress(n) as progress:
                run = run_pk(regimen, out_dir=tmp, progress=progress, **kw)
                run.write(tmp)
        else:
            with _progress(n) as progress:
                run = run_pk(regimen, progress=progress, **kw)
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


def _progress(n: int | None):
    """A rich progress bar over subjects on stderr (on a terminal, for populations)."""
    from contextlib import contextmanager, nullcontext

    if not n:
        return nullcontext(None)

    @contextmanager
    def bar():
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TimeRemainingColumn

        console = Console(stderr=True)
        with Progress("[progress.description]{task.description}", BarColumn(),
                      "{task.completed}/{task.total} subjects", TimeRemainingColumn(),
                      console=console, transient=True,
                      disable=not console.is_terminal) as p:
            tasks: dict[str, object] = {}

            def update(drug: str, done: int, total: int) -> None:
                if drug not in tasks:
                    tasks[drug] = p.add_task(drug, total=total)
                p.update(tasks[drug], completed=done)  # type: ignore[arg-type]

            yield update

    return bar()
