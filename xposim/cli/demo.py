"""``xposim demo``: the main job on its embedded defaults, with its report.

The demo is a virtual STORM arm (protocol ``storm``: selinexor 80 mg + dexamethasone
20 mg days 1 and 3 weekly in triple-class-refractory myeloma) of :data:`DEMO_N` patients
on the built-in patient model and the shipped (calibrated) parameters, run on local
worker processes: the trial report goes to ``OUT/report.html``, beside the endpoints
(``endpoints.json``), the subjects table (``subjects.parquet``) and the manifest.
``--cells`` runs the former cell demo instead (selinexor exposures of the cell presets).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from xposim.cli._common import ARGV, Overwrite, Quiet, output_folder, progress
from xposim.errors import InputError

#: Patients in the demo arm: about a minute on 2 idle cores, two when they are shared
#: (measured: docs/trials.md "The demo"), enough for a readable waterfall and KM curve.
DEMO_N = 200
DEMO_SEED = 1
DEMO_PROTOCOL = "storm"


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo(out: Annotated[str, typer.Option(help="report folder (report.html, the run "
                                              "folder, manifest.json)")] = "out/demo",
             n: Annotated[int, typer.Option("--n", help="virtual patients in the STORM "
                                            "arm")] = DEMO_N,
             workers: Annotated[int, typer.Option(help="worker processes")] = 2,
             cells: Annotated[bool, typer.Option("--cells", help="the cell demo instead "
                                                 "(selinexor exposures of the cell "
                                                 "presets)")] = False,
             overwrite: Overwrite = False,
             quiet: Quiet = False,
             ) -> None:
        """Run the built-in demonstration — a virtual STORM arm (selinexor 80 mg +
        dexamethasone twice weekly) on the embedded defaults — and write its report
        (report.html)."""
        if cells:
            _cell_demo(out, overwrite, quiet)
            return
        if not 1 <= n <= 10_000:
            raise InputError("n", "must be in 1..10000 patients for the demo", got=n)
        if not 1 <= workers <= 64:
            raise InputError("workers", "must be in 1..64", got=workers)
        _trial_demo(out, n, workers, overwrite, quiet)


def _trial_demo(out: str, n: int, workers: int, overwrite: bool, quiet: bool) -> None:
    import tempfile

    inputs = {"demo": "trial", "protocol": DEMO_PROTOCOL, "n": n}
    with output_folder(out, command="demo", inputs=inputs, overwrite=overwrite,
                       seed=DEMO_SEED) as dest:
        from xposim.cli._common import use_file_backend
        from xposim.report.trial import write_trial_report
        from xposim.trials.model import patient_model_recipe
        from xposim.trials.run import run_trial

        recipe = patient_model_recipe()
        use_file_backend()
        assert dest is not None
        if not quiet:
            Console(stderr=True).print(
                f"virtual STORM arm: {n} patients, selinexor 80 mg + dexamethasone 20 mg "
                f"days 1 and 3 weekly, {workers} worker process(es)")
        # the run folder (chunks) is scratch: the demo keeps its report, endpoints and
        # subjects table, flat beside the manifest
        with tempfile.TemporaryDirectory(prefix="xposim-demo-") as scratch:
            run = run_trial(DEMO_PROTOCOL, n=n, seed=DEMO_SEED, out=Path(scratch) / "run",
                            simulator=recipe,
                            backend="processes" if workers > 1 else "serial",
                            workers=workers,
                            chunk_size=max(1, min(25, -(-n // (4 * workers)))),
                            progress=not quiet and sys.stderr.isatty(),
                            command=" ".join(ARGV.get() or ("xposim", *sys.argv[1:])))
            write_trial_report(run.path).replace(dest.path / "report.html")
            (run.path / "endpoints.json").replace(dest.path / "endpoints.json")
            run.folder.read("subjects").to_parquet(dest.path / "subjects.parquet",
                                                   index=False)
            model_hash = run.folder.manifest.model_hash
        dest.record(model_hash=model_hash,
                    details={"seconds": round(run.seconds, 1), "workers": workers})
    _summary(Path(out), run)


def _summary(out: Path, run: Any) -> None:
    arm = run.endpoints["arms"]["Xd"]

    def pct(key: str) -> str:
        v = arm.get(key)
        return "-" if v is None else f"{100 * v:.0f}%"

    v = arm.get("median_pfs_months")
    pfs = "-" if v is None else f"{v:.1f} months"
    c = Console()
    c.print(f"[bold]report[/bold]: {out / 'report.html'}")
    c.print(f"  ORR {pct('orr')} (STORM 26%), >= MR {pct('mr_or_better')} (39%), median "
            f"PFS {pfs} (3.7 months), grade 3-4 thrombocytopenia "
            f"{pct('grade34_thrombocytopenia')} (label 61%), dose modified "
            f"{pct('dose_modified')} (58%); simulated in {run.seconds:.0f} s")


def _cell_demo(out: str, overwrite: bool, quiet: bool) -> None:
    with output_folder(out, command="demo", inputs={"demo": "cells"},
                       overwrite=overwrite) as dest:
        from xposim.cli._common import use_file_backend

        use_file_backend()
        from xposim.report.demo import DEMO_CELLS, run_demo

        assert dest is not None
        with progress("simulating selinexor exposures of the cell presets",
                      len(DEMO_CELLS) + 1, quiet=quiet) as advance:
            summary = run_demo(dest.path, progress=advance)
        dest.record(model_hash=summary["model_hash"],
                    details={"settings": summary["settings"]})
    console = Console()
    console.print(f"[bold]report[/bold]: {Path(out) / 'report.html'}")
    for cell, occ in summary["occupancy_at_washout"].items():  # type: ignore[union-attr]
        console.print(f"  {cell:15s} occupancy at washout {occ:.3f}")
