"""The demo report: the XPO1 core of the cell on its embedded defaults.

Runs selinexor exposures of the built-in presets (normal, myeloma, DLBCL, C528S), writes
a time course (Parquet), figures (PNG), a JSON summary and a self-contained HTML report
with the parameter provenance.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from xposim._version import __version__
from xposim.biology.cell import cell_model
from xposim.experiments.exposure import Exposure, ExposureResult, run_exposure
from xposim.model.tables import parameter_table
from xposim.report.cell_plots import plot_exposure

DEMO_CELLS = ("normal", "myeloma", "dlbcl", "myeloma-c528s")


@dataclass(frozen=True)
class DemoSettings:
    """What the demo runs: concentration (nM), duration and washout time (h)."""

    concentration_nM: float = 100.0
    hours: float = 48.0
    washout_at_h: float = 24.0


def run_demo(out: Path, settings: DemoSettings | None = None, *,
             progress: Callable[[int], None] | None = None) -> dict[str, object]:
    """Run the demo into directory ``out`` (must exist); returns the JSON summary.
    ``progress(1)`` is called after each of the ``len(DEMO_CELLS) + 1`` steps (one per
    preset, then the report)."""
    s = settings or DemoSettings()
    runs: list[ExposureResult] = []
    for c in DEMO_CELLS:
        runs.append(run_exposure(Exposure(c, s.concentration_nM, s.hours,
                                          washout_at_h=s.washout_at_h, step_h=0.25)))
        if progress is not None:
            progress(1)
    pd.concat([r.to_frame() for r in runs]).to_parquet(out / "timecourse.parquet", index=False)
    figures = {}
    for r in runs:
        fig = plot_exposure(r)
        name = f"exposure_{r.exposure.cell_line}.png"
        fig.savefig(out / name, dpi=110)
        plt.close(fig)  # written, not shown (in Jupyter an open figure would display too)
        figures[r.exposure.cell_line] = name
    rows = []
    for r in runs:
        t = r.result.time
        k_wash = int((t <= s.washout_at_h).nonzero()[0][-1])
        for cargo, final in r.final()["nuclear_fraction"].items():  # type: ignore[union-attr]
            f = r.nuclear_fraction(cargo)
            rows.append({"cell_line": r.exposure.cell_line, "cargo": cargo,
                         "untreated": float(f[0]), "at_washout": float(f[k_wash]),
                         "end": float(final)})
    table = pd.DataFrame(rows)
    table.to_csv(out / "nuclear_fractions.csv", index=False)
    params = parameter_table(cell_model("myeloma"))
    params.to_csv(out / "parameters.csv", index=False)
    summary: dict[str, object] = {
        "xposim_version": __version__,
        "settings": {"drug": "selinexor", "concentration_nM": s.concentration_nM,
                     "hours": s.hours, "washout_at_h": s.washout_at_h},
        "model_hash": {c: cell_model(c).hash for c in DEMO_CELLS},
        "occupancy_at_washout": {
            r.exposure.cell_line: float(r.result["occupancy"][
                int((r.result.time <= s.washout_at_h).nonzero()[0][-1])]) for r in runs},
        "end_of_run": {r.exposure.cell_line: r.final() for r in runs},
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    (out / "report.html").write_text(_html(s, table, params, figures, out, summary),
                                     encoding="utf-8")
    if progress is not None:
        progress(1)
    return summary


def _html(s: DemoSettings, table: pd.DataFrame, params: pd.DataFrame,
          figures: dict[str, str], out: Path, summary: dict[str, object]) -> str:
    def img(name: str) -> str:
        data = base64.b64encode((out / name).read_bytes()).decode()
        return f'<img alt="{html.escape(name)}" src="data:image/png;base64,{data}" width="640">'

    pivot = table.pivot_table(index="cargo", columns="cell_line",
                              values=["untreated", "at_washout"])
    kinds = params.kind.value_counts().to_dict()
    occ = summary["occupancy_at_washout"]
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>xposim demo</title>",
        "<style>body{font-family:sans-serif;max-width:960px;margin:auto}"
        "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;"
        "padding:3px 6px}</style></head><body>",
        f"<h1>xposim {html.escape(__version__)}: selinexor in a dish</h1>",
        f"<p>Selinexor {s.concentration_nM:g} nM for {s.washout_at_h:g} h, then washout; "
        f"{s.hours:g} h in all. Each preset starts at its untreated steady state.</p>",
        "<h2>XPO1 occupancy at washout</h2><ul>"
        + "".join(f"<li>{html.escape(k)}: {v:.3f}</li>" for k, v in occ.items())  # type: ignore[union-attr]
        + "</ul>",
        "<h2>Nuclear fraction of each cargo (0-1)</h2>",
        pivot.round(3).to_html(),
        "<h2>Time courses</h2>",
        *[f"<h3>{html.escape(c)}</h3>{img(n)}" for c, n in figures.items()],
        "<h2>Parameters</h2>",
        f"<p>{len(params)} parameters: "
        + ", ".join(f"{v} {html.escape(str(k))}" for k, v in kinds.items())
        + ". Full table with units and sources in parameters.csv.</p>",
        params[["name", "value", "unit", "kind", "source"]].to_html(index=False),
        "</body></html>",
    ]
    return "\n".join(parts)
