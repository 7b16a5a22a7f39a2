"""One patient's report: figures of the time course and a self-contained HTML page.

Figures (matplotlib, drawn on whatever backend the caller selected; the CLI selects Agg):
tumour marker with the assessments and IMWG/Lugano lines, platelets with the CTCAE grade
thresholds and the dose decisions, plasma concentrations, XPO1 occupancy (tumour and
marrow), and the doses actually given. :func:`patient_html` embeds them as PNG (base64)
with the summary and the decision log, so the page needs nothing beside it.
"""

from __future__ import annotations

import base64
import html
import io
import json
from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from xposim._version import __version__

_GRADE_COLOURS = ("#fde0c5", "#facba6", "#f59e72", "#e4572e")


def _series(tc: pd.DataFrame, name: str) -> tuple[np.ndarray, np.ndarray]:
    sub = tc[tc["variable"] == name]
    return sub["day"].to_numpy(float), sub["value"].to_numpy(float)


def plot_marker(run: Any) -> Figure:
    """Tumour marker (M-protein or SPD) over time with the assessment days."""
    out = run.outcome
    tc = run.timecourse
    myeloma = run.model.disease == "myeloma"
    name, unit = ("m_protein_g_per_dl", "g/dL") if myeloma else ("dlbcl_spd_cm2", "cm²")
    fig, ax = plt.subplots(figsize=(7, 3.2))
    t, v = _series(tc, name)
    ax.plot(t, v, color="#1f4e79", lw=1.8, label="simulated")
    visits = out.time_course[out.time_course["variable"] ==
                             ("m_protein_g_dl" if myeloma else "spd_cm2")]
    if len(v):
        base = float(v[0])
        lines = ((0.5, "PR (−50%)"), (0.1, "VGPR (−90%)")) if myeloma else ((0.5, "PR (−50%)"),)
        for f, label in lines:
            ax.axhline(base * f, color="grey", ls=":", lw=0.8)
            ax.text(t[-1], base * f, f" {label}", va="center", fontsize=7, color="grey")
    if len(visits):
        ax.plot(visits["day"], visits["value"], "o", ms=3, color="#1f4e79", alpha=0.5,
                label="visits")
    s = out.summary
    if s is not None and s.progression_day is not None:
        ax.axvline(s.progression_day, color="#c00000", lw=1, ls="--", label="progression")
    ax.set_xlabel("day")
    ax.set_ylabel(f"{'serum M-protein' if myeloma else 'SPD'} ({unit})")
    ax.legend(fontsize=7, loc="best")
    ax.set_title("Tumour marker" + (f" — best response {s.best_response}" if s else ""))
    fig.tight_layout()
    return fig


def plot_platelets(run: Any) -> Figure:
    """Platelets with the CTCAE v5 grade bands and the dose decisions."""
    from xposim.disease import grading_rules

    tc = run.timecourse
    t, v = _series(tc, "plt_1e9_per_l")
    thresholds = grading_rules()["platelet_count_decreased"].thresholds
    fig, ax = plt.subplots(figsize=(7, 3.2))
    top = max(float(np.max(v)) if v.size else 0.0, thresholds[0]) * 1.1
    edges = [*thresholds, 0.0]
    for g in range(len(thresholds)):
        ax.axhspan(edges[g + 1], edges[g], color=_GRADE_COLOURS[g], alpha=0.5, lw=0)
        ax.text(0.0, (edges[g] + edges[g + 1]) / 2, f"G{g + 1}", fontsize=7, va="center")
    ax.plot(t, v, color="#333333", lw=1.6, label="platelets")
    dec = run.outcome.decisions
    marks = {"hold": ("v", "#c00000"), "reduce": ("D", "#e08000"), "resume": ("^", "#2e7d32"),
             "discontinue": ("x", "#000000")}
    for action, (m, c) in marks.items():
        sub = dec[(dec["action"] == action) & (dec["drug"] != "supportive")]
        if len(sub):
            y = np.interp(sub["day"].to_numpy(float), t, v) if v.size else sub["day"] * 0
            ax.plot(sub["day"], y, m, color=c, ms=6, label=action, ls="none")
    ax.set_ylim(0, top)
    ax.set_xlabel("day")
    ax.set_ylabel("platelets (10⁹/L)")
    ax.set_title("Platelets (CTCAE v5.0 grades) and dose decisions")
    ax.legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    return fig


def plot_exposure(run: Any) -> Figure:
    """Plasma concentrations (ng/mL, log scale) and XPO1 occupancy."""
    tc = run.timecourse
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(7, 4.6), sharex=True)
    for drug in run.model.drugs:
        t, v = _series(tc, f"Cp_{drug}_ng_ml")
        if t.size:
            a1.semilogy(t, np.maximum(v, 1e-3), lw=1, label=drug)
    a1.set_ylabel("plasma (ng/mL)")
    a1.set_ylim(bottom=1e-1)
    a1.legend(fontsize=7)
    a1.set_title("Plasma concentration and XPO1 occupancy")
    for name, label in (("occupancy", "tumour cell"), ("mk_occupancy", "marrow progenitors")):
        t, v = _series(tc, name)
        if t.size:
            a2.plot(t, v, lw=1, label=label)
    a2.set_ylim(0, 1.02)
    a2.set_ylabel("XPO1 occupancy")
    a2.set_xlabel("day")
    a2.legend(fontsize=7)
    fig.tight_layout()
    return fig


def plot_doses(run: Any) -> Figure:
    """The doses actually given (mg) per drug."""
    doses = run.outcome.doses
    drugs = list(run.model.drugs)
    fig, axes = plt.subplots(len(drugs), 1, figsize=(7, 1.3 + 0.9 * len(drugs)), sharex=True,
                             squeeze=False)
    end = float(run.timecourse["day"].max()) if len(run.timecourse) else 1.0
    for ax, drug in zip(axes[:, 0], drugs, strict=True):
        sub = doses[doses["drug"] == drug]
        ax.vlines(sub["day"], 0, sub["amount"], color="#1f4e79", lw=1.5)
        ax.set_ylabel(f"{drug}\n(mg)", fontsize=8)
        ax.set_ylim(0, max(float(sub["amount"].max()) * 1.15 if len(sub) else 1.0, 1e-9))
        ax.set_xlim(-1, end + 1)
    axes[-1, 0].set_xlabel("day")
    axes[0, 0].set_title("Doses given")
    fig.tight_layout()
    return fig


FIGURES = {"marker": plot_marker, "platelets": plot_platelets, "exposure": plot_exposure,
           "doses": plot_doses}


def patient_figures(run: Any) -> dict[str, Figure]:
    """Every figure of the report, by name."""
    return {name: make(run) for name, make in FIGURES.items()}


def _png(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)  # written, not shown
    return base64.b64encode(buf.getvalue()).decode("ascii")


def patient_html(run: Any, summary: Mapping[str, Any], *, title: str,
                 settings: Mapping[str, Any]) -> str:
    """A self-contained HTML page: settings, summary, figures, decision log."""
    figures = patient_figures(run)
    imgs = "\n".join(f'<figure><img alt="{html.escape(n)}" src="data:image/png;base64,'
                     f'{_png(f)}"></figure>' for n, f in figures.items())
    rows = "".join(f"<tr><td>{html.escape(str(k))}</td><td>{html.escape(_fmt(v))}</td></tr>"
                   for k, v in summary.items())
    dec = run.outcome.decisions
    dec_html = (dec.drop(columns=["subject_id"]).to_html(index=False, float_format="%.3g",
                                                         border=0)
                if len(dec) else "<p>No dose decisions.</p>")
    setting_rows = "".join(f"<tr><td>{html.escape(str(k))}</td><td>{html.escape(_fmt(v))}"
                           "</td></tr>" for k, v in settings.items())
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 980px; margin: 2em auto; color: #222; }}
table {{ border-collapse: collapse; font-size: 13px; margin-bottom: 1em; }}
td, th {{ border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: left; }}
figure {{ margin: 1em 0; }} img {{ max-width: 100%; }}
.note {{ color: #666; font-size: 12px; }}
</style></head><body>
<h1>{html.escape(title)}</h1>
<p class="note">xposim {html.escape(__version__)} — simulated patient; parameters assumed or
calibrated as documented in docs/patient.md. Not for clinical use.</p>
<h2>Settings</h2><table>{setting_rows}</table>
<h2>Summary</h2><table>{rows}</table>
<h2>Time course</h2>{imgs}
<h2>Dose decisions</h2>{dec_html}
</body></html>
"""


def _fmt(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, Mapping):
        return json.dumps({k: (round(x, 4) if isinstance(x, float) else x)
                           for k, x in v.items()})
    return str(v)
