"""Plots of dose–response fits and drug combinations (matplotlib; returns Figures, never shows).

- :func:`plot_dose_response`: data, fitted Hill curve and its 95% confidence band, IC50
  with its CI; concentrations on a log axis, the 0 nM control drawn one decade left of
  the lowest concentration (marked "0").
- :func:`plot_excess_heatmap`: excess (observed - expected) inhibition on the grid for
  one model, diverging colours centred on 0 (red = synergy).
- :func:`plot_isobologram`: at one effect level, the Loewe additivity line joining the
  single-agent iso-effective concentrations and the observed iso-effective pairs;
  points below the line are synergy (CI < 1).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import TwoSlopeNorm

from xposim.analysis.synergy import CombinationGrid, SynergyScores, combination_index
from xposim.errors import InputError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from xposim.analysis.doseresponse import HillFit


def _zero_position(conc: np.ndarray) -> float:
    pos = conc[conc > 0]
    return float(pos.min()) / 10.0 if pos.size else 1.0


def plot_dose_response(fit: HillFit, conc_nM: Sequence[float] | np.ndarray,
                       response: Sequence[float] | np.ndarray, *, drug: str = "drug",
                       response_label: str | None = None) -> Figure:
    """Data points, the fitted curve with its 95% band and the IC50 (with 95% CI)."""
    c = np.asarray(conc_nM, dtype=float)
    y = np.asarray(response, dtype=float)
    if c.shape != y.shape:
        raise InputError("response", "must have one value per concentration", got=y.shape)
    x0 = _zero_position(c)
    xs = np.where(c > 0, c, x0)
    hi_c = max(float(c.max()), fit.ic50_nM) * 3.0
    grid = np.geomspace(x0 * 1.5, hi_c, 200)
    fig, ax = plt.subplots(figsize=(6.0, 4.2))
    ax.plot(xs, y, "o", color="0.25", ms=4, label="data")
    ax.plot(grid, fit.predict(grid), "-", color="C0",
            label=f"Hill fit (h = {fit.hill:.2g})")
    if fit.covariance is not None:
        lo, hi = fit.predict_band(grid)
        ax.fill_between(grid, lo, hi, color="C0", alpha=0.2, lw=0, label="95% band")
    label = f"IC50 {fit.ic50_nM:.3g} nM"
    if fit.ic50_ci95_nM is not None:
        ci_lo, ci_hi = fit.ic50_ci95_nM
        label += f" ({ci_lo:.3g}-{ci_hi:.3g})"
        ax.axvspan(ci_lo, ci_hi, color="C3", alpha=0.12, lw=0)
    ax.axvline(fit.ic50_nM, color="C3", lw=1.0, label=label)
    ax.set_xscale("log")
    ticks = [t for t in ax.get_xticks() if x0 * 3 <= t <= hi_c]
    ax.set_xticks([x0, *ticks], ["0", *[f"{t:g}" for t in ticks]])
    ax.set_xlim(x0 / 2, hi_c)
    ax.set_xlabel(f"{drug} concentration (nM)")
    default = ("viability (fraction of control)" if fit.kind == "viability"
               else "inhibition (fraction)")
    ax.set_ylabel(response_label or default)
    ax.legend(fontsize=8, loc="best")
    if fit.status != "ok":
        ax.set_title(f"note: {fit.status}", fontsize=8)
    fig.tight_layout()
    return fig


def plot_excess_heatmap(grid: CombinationGrid, scores: SynergyScores) -> Figure:
    """Excess inhibition (observed - expected) of ``scores`` on ``grid``, annotated."""
    ex = np.asarray(scores.excess)
    if ex.shape != grid.shape:
        raise InputError("scores", f"must be computed on this grid (shape {grid.shape})",
                         got=ex.shape)
    lim = max(float(np.max(np.abs(ex))), 1e-6)
    fig, ax = plt.subplots(figsize=(6.2, 5.0))
    im = ax.imshow(ex, origin="lower", cmap="RdBu_r",
                   norm=TwoSlopeNorm(vcenter=0.0, vmin=-lim, vmax=lim), aspect="auto")
    for i in range(ex.shape[0]):
        for j in range(ex.shape[1]):
            ax.text(j, i, f"{100 * ex[i, j]:.0f}", ha="center", va="center", fontsize=7,
                    color="k" if abs(ex[i, j]) < 0.6 * lim else "w")
    ax.set_yticks(range(grid.shape[0]), [f"{v:g}" for v in grid.conc_a_nM])
    ax.set_xticks(range(grid.shape[1]), [f"{v:g}" for v in grid.conc_b_nM])
    ax.set_ylabel(f"{grid.drugs[0]} (nM)")
    ax.set_xlabel(f"{grid.drugs[1]} (nM)")
    bg = ", ".join(f"{k} {v:g} nM" for k, v in grid.fixed.items())
    ax.set_title(f"{scores.method.upper()} excess: mean {100 * scores.mean:.1f}, "
                 f"max {100 * scores.max:.1f} (% points)" + (f"\nwith {bg}" if bg else ""),
                 fontsize=9)
    fig.colorbar(im, ax=ax, label="excess inhibition (fraction; > 0 synergy)")
    fig.tight_layout()
    return fig


def plot_isobologram(grid: CombinationGrid, effect: float = 0.5) -> Figure:
    """Isobologram at ``effect`` (fractional inhibition): Loewe line and observed pairs."""
    ci = combination_index(grid, effect)
    da, db = ci.single_nM
    fig, ax = plt.subplots(figsize=(5.2, 5.0))
    pct = f"{100 * effect:g}%"
    if math.isfinite(da) and math.isfinite(db):
        ax.plot([da, 0.0], [0.0, db], "-", color="0.3", label=f"Loewe additivity ({pct})")
    elif math.isfinite(da):
        ax.axvline(da, color="0.3", label=f"{grid.drugs[0]} alone ({pct})")
    elif math.isfinite(db):
        ax.axhline(db, color="0.3", label=f"{grid.drugs[1]} alone ({pct})")
    if ci.points:
        pa = [p.conc_a_nM for p in ci.points]
        pb = [p.conc_b_nM for p in ci.points]
        sc = ax.scatter(pa, pb, c=[p.ci for p in ci.points], cmap="coolwarm",
                        vmin=0.0, vmax=2.0, edgecolor="k", zorder=3,
                        label=f"observed {pct} pairs")
        fig.colorbar(sc, ax=ax, label="combination index (<1 synergy)")
    title = f"isobologram at {pct} inhibition"
    if ci.ci is not None:
        title += f"; CI {ci.ci:.2f}" + ("" if ci.on_ray else " (off the equipotent ray)")
    ax.set_title(title, fontsize=9)
    ax.set_xlabel(f"{grid.drugs[0]} (nM)")
    ax.set_ylabel(f"{grid.drugs[1]} (nM)")
    ax.set_xlim(left=0.0)
    ax.set_ylim(bottom=0.0)
    if ax.get_legend_handles_labels()[0]:  # neither drug alone nor any pair reaches it
        ax.legend(fontsize=8, loc="upper right")
    else:
        ax.text(0.5, 0.5, f"no {pct} effect on this grid", transform=ax.transAxes,
                ha="center", va="center", color="0.4")
    fig.tight_layout()
    return fig
