"""``xposim demo``: the main job on its embedded defaults, with its report.

The demo is a virtual STORM arm (protocol ``storm``: selinexor 80 mg + dexamethasone
20 mg days 1 and 3 weekly in triple-class-refractory myeloma) of :data:`DEMO_N` patients
on the built-in patient model and the shipped (calibrated) parameters, run on local
worker processes; its run folder goes to ``OUT/run`` (the same command resumes it) and
the trial report to ``OUT/report.html``. ``--cells`` runs the former cell demo instead
(selinexor exposures of the cell presets).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from xposim.errors import InputError

#: Patients in the demo arm: small enough for about two minutes on 2 cores (measured,
#: docs/trials.md), large enough for a readable waterfall and Kaplan-Meier curve.
DEMO_N = 80
DEMO_SEED = 1
DEMO_PROTOCOL = "storm"


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo(out: Annotated[Path, typer.Option(help="report directory")] = Path("out/demo"),
             n: Annotated[int, typer.Option("--n", help="virtual patients in the STORM "
                                            "arm")] = DEMO_N,
             workers: Annotated[int, typer.Option(help="worker processes")] = 2,
             cells: Annotated[bool, typer.Option("--cells", help="the cell demo instead "
                                                 "(selinexor exposures of the cell "
                                                 "presets)")] = False,
             ) -> None:
        """Run the built-in demonstration — a virtual STORM arm (selinexor 80 mg +
        dexamethasone twice weekly) on the embedded defaults — and write its report
        (report.html)."""
        from xposim.cli._common import use_file_backend

        use_file_backend()
        if cells:
            _cell_demo(out)
            return
        if not 1 <= n <= 10_000:
            raise InputError("n", "must be in 1..10000 patients for the demo", got=n)
        if not 1 <= workers <= 64:
            raise InputError("workers", "must be in 1..64", got=workers)
        _trial_demo(out, n, workers)


def _trial_demo(out: Path, n: int, workers: int) -> None:
    import shutil

    from xposim.io import atomic_file
    from xposim.report.trial import write_trial_report
    from xposim.trials.model import patient_model_recipe
    from xposim.trials.run import run_trial

    recipe = patient_model_recipe()
    console = Console(stderr=True)
    console.print(f"virtual STORM arm: {n} patients, selinexor 80 mg + dexamethasone 20 mg "
                  f"days 1 and 3 weekly, {workers} worker process(es)")
    try:
        run = run_trial(DEMO_PROTOCOL, n=n, seed=DEMO_SEED, out=out / "run", simulator=recipe,
                        backend="processes" if workers > 1 else "serial", workers=workers,
                        chunk_size=max(1, min(25, -(-n // (4 * workers)))), overwrite=True,
                        progress=sys.stderr.isatty(),
                        command=" ".join(["xposim", *sys.argv[1:]]))
    except KeyboardInterrupt:
        print(f"interrupted: finished chunks are kept in {out / 'run'}; run the same "
              "command to resume", file=sys.stderr)
        sys.exit(130)
    report = write_trial_report(run.path)
    with atomic_file(out / "report.html") as tmp:
        shutil.copyfile(report, tmp)
    arm = run.endpoints["arms"]["Xd"]

    def pct(key: str) -> str:
        v = arm.get(key)
        return "-" if v is None else f"{100 * v:.0f}%"

    def num(key: str, unit: str) -> str:
        v = arm.get(key)
        return "-" if v is None else f"{v:.1f} {unit}"

    c = Console()
    c.print(f"[bold]report[/bold]: {out / 'report.html'} (run folder {run.path})")
    c.print(f"  ORR {pct('orr')} (STORM 26%), >= MR {pct('mr_or_better')} (39%), median PFS "
            f"{num('median_pfs_months', 'months')} (3.7), grade 3-4 thrombocytopenia "
            f"{pct('grade34_thrombocytopenia')} (label 61%), dose modified "
            f"{pct('dose_modified')} (58%); {run.seconds:.0f} s")


def _cell_demo(out: Path) -> None:
    from rich.progress import Progress, SpinnerColumn, TextColumn

    from xposim.io import atomic_dir
    from xposim.report.demo import run_demo

    with Progress(SpinnerColumn(), TextColumn("{task.description}")) as progress:
        progress.add_task("simulating selinexor exposures of the cell presets...")
        with atomic_dir(out) as tmp:
            summary = run_demo(tmp)
    console = Console()
    console.print(f"[bold]report[/bold]: {out / 'report.html'}")
    for cell, occ in summary["occupancy_at_washout"].items():  # type: ignore[union-attr]
        console.print(f"  {cell:15s} occupancy at washout {occ:.3f}")
