"""``xposim trial``: run a virtual trial from a protocol, list protocols, rebuild a report."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from xposim.errors import InputError


def _settings(items: list[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise InputError("set", "must be NAME=VALUE", got=item)
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise InputError(f"set {name.strip()}", "value must be a number", got=value) from None
    return out


def register(app: typer.Typer) -> None:
    sub = typer.Typer(help="Virtual clinical trials: run a protocol, list protocols, "
                      "rebuild a run's report.", no_args_is_help=True)
    app.add_typer(sub, name="trial")

    @sub.command("run")
    def run(
        protocol: Annotated[str, typer.Argument(help="a built-in protocol (xposim trial "
                                                "list) or a protocol .toml file")],
        out: Annotated[Path, typer.Option(help="run folder (created; the same command on "
                                          "it resumes an interrupted run)")],
        n: Annotated[int, typer.Option("--n", help="virtual subjects per arm")] = 400,
        seed: Annotated[int, typer.Option(help="random seed")] = 1,
        workers: Annotated[int | None, typer.Option(help="worker processes (>= 2: a "
                                                    "local Dask cluster unless --backend "
                                                    "processes)")] = None,
        scheduler: Annotated[str | None, typer.Option(help="address of a running Dask "
                                                      "scheduler, e.g. tcp://host:8786")] = None,
        backend: Annotated[str | None, typer.Option(help="serial, processes or dask "
                                                    "(default: serial for one worker, "
                                                    "dask otherwise)")] = None,
        chunk_size: Annotated[int, typer.Option(help="subjects per chunk (each chunk is "
                                                "written when done)")] = 25,
        set_: Annotated[list[str] | None, typer.Option(
            "--set", help="NAME=VALUE: a patient-model parameter fixed for every patient, "
            "or SECTION.NAME.FIELD of the population, e.g. pk_iiv.sel_eta_CL.omega=0.3 "
            "(repeatable)")] = None,
        overwrite: Annotated[bool, typer.Option(help="replace a folder holding another "
                                                "run")] = False,
        report: Annotated[bool, typer.Option(help="write report.html")] = True,
        as_json: Annotated[bool, typer.Option("--json", help="print endpoints by arm as "
                                              "JSON")] = False,
    ) -> None:
        """Simulate a trial protocol and report its endpoints per arm (95% CIs)."""
        import signal

        from xposim.cli._common import ARGV
        from xposim.io.interrupts import Interrupted
        from xposim.trials.model import patient_model_recipe
        from xposim.trials.protocol import load_protocol
        from xposim.trials.run import MAX_SUBJECTS_PER_ARM

        if n < 1 or n > MAX_SUBJECTS_PER_ARM:
            raise InputError("n", f"must be in 1..{MAX_SUBJECTS_PER_ARM} subjects per arm",
                             got=n)
        if seed < 0:
            raise InputError("seed", "must be >= 0", got=seed)
        if workers is not None and scheduler is not None:
            raise InputError("workers", "give --workers or --scheduler, not both")
        if workers is not None and workers < 1:
            raise InputError("workers", "must be >= 1", got=workers)
        k = workers or 1
        chosen = backend or ("dask" if (scheduler or k > 1) else "serial")
        if chosen not in ("serial", "processes", "dask"):
            raise InputError("backend", "must be serial, processes or dask", got=backend)
        if scheduler and chosen != "dask":
            raise InputError("backend", "--scheduler needs the dask backend", got=chosen)
        settings = _settings(set_ or [])
        proto = load_protocol(protocol)
        proto.with_settings(settings)  # bad settings fail before any folder is written
        recipe = patient_model_recipe()
        from xposim.trials.run import run_trial

        try:
            result = run_trial(proto, n=n, seed=seed, out=out, simulator=recipe,
                               backend=chosen, workers=k, scheduler=scheduler,  # type: ignore[arg-type]
                               chunk_size=chunk_size, settings=settings, overwrite=overwrite,
                               progress=not as_json and sys.stderr.isatty(),
                               command=ARGV.get() or ("xposim", *sys.argv[1:]))
        except (KeyboardInterrupt, Interrupted) as exc:
            # the CLI prints one line and exits 128 + the signal (130 Ctrl-C, 143 SIGTERM);
            # unlike other commands the folder is not removed: it resumes
            signum = exc.signum if isinstance(exc, Interrupted) else signal.SIGINT
            raise Interrupted(signum, f"finished chunks are kept in {out}; run the same "
                              "command to resume") from None
        if report:
            from xposim.cli._common import use_file_backend
            from xposim.report.trial import write_trial_report

            use_file_backend()
            write_trial_report(result.path)
        from xposim.trials.endpoints import json_summary

        summary = json_summary(result.endpoints)
        if as_json:
            from xposim.cli._common import print_json

            print_json(summary)
            return
        _print_table(summary, result)

    @sub.command("list")
    def list_(
        as_json: Annotated[bool, typer.Option("--json", help="print as JSON")] = False,
    ) -> None:
        """The built-in protocols."""
        from xposim.trials.protocol import load_protocol, protocol_names

        rows = []
        for name in protocol_names():
            p = load_protocol(name)
            rows.append({"name": name, "title": p.spec.protocol.title,
                         "population": p.population.name,
                         "arms": {a.name: a.regimen for a in p.arms},
                         "targets": len(p.spec.targets)})
        if as_json:
            from xposim.cli._common import print_json

            print_json(rows)
            return
        from rich.console import Console
        from rich.table import Table

        table = Table("name", "title", "population", "arms", "published figures")
        for r in rows:
            table.add_row(r["name"], r["title"], r["population"],
                          "\n".join(f"{k}: {v}" for k, v in r["arms"].items()),
                          str(r["targets"]))
        Console(width=200).print(table)

    @sub.command("report")
    def report_(
        run_dir: Annotated[Path, typer.Argument(help="a trial run folder")],
    ) -> None:
        """Rebuild report.html of a finished run."""
        from xposim.cli._common import use_file_backend
        from xposim.report.trial import write_trial_report

        use_file_backend()
        path = write_trial_report(run_dir)
        print(f"wrote {path}")


def _print_table(summary: dict, result: object) -> None:
    from rich.console import Console
    from rich.table import Table

    def fmt(v: object) -> str:
        if v is None:
            return "-"
        if isinstance(v, float):
            return f"{v:.3g}"
        if isinstance(v, list):
            return "[" + ", ".join(fmt(x) for x in v) + "]"
        if isinstance(v, dict):
            return ", ".join(f"{k} {fmt(x)}" for k, x in v.items())
        return str(v)

    arms = list(summary["arms"])
    table = Table("endpoint", *arms, title=f"{summary['protocol']}: endpoints (95% CI)")
    for key in next(iter(summary["arms"].values())):
        table.add_row(key, *(fmt(summary["arms"][a].get(key)) for a in arms))
    console = Console()
    console.print(table)
    if "hazard_ratio_pfs" in summary:
        console.print(f"PFS hazard ratio {summary['hazard_ratio_pfs_arms'][0]} vs "
                      f"{summary['hazard_ratio_pfs_arms'][1]}: "
                      f"{fmt(summary['hazard_ratio_pfs'])} {fmt(summary['hazard_ratio_pfs_ci'])}")
    console.print(f"run folder: {result.path}")  # type: ignore[attr-defined]
