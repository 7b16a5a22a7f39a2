"""Plots of in-vitro cell experiments (matplotlib; returns Figures, never shows them)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from xposim.experiments.exposure import ExposureResult


def plot_exposure(results: ExposureResult | Sequence[ExposureResult],
                  cargoes: Sequence[str] = ("p53", "p21", "FOXO3a", "BRCA1", "IkBa")) -> Figure:
    """Nuclear fraction of each cargo vs time (top) and XPO1 occupancy (bottom)."""
    runs = [results] if not isinstance(results, Sequence) else list(results)
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(7.5, 6.5), sharex=True,
                                   gridspec_kw={"height_ratios": [2, 1]})
    styles = ["-", "--", ":", "-."]
    colors = plt.get_cmap("tab10").colors
    for k, run in enumerate(runs):
        t = run.result.time
        ls = styles[k % len(styles)]
        for j, cargo in enumerate(cargoes):
            label = cargo if k == 0 else None
            ax1.plot(t, run.nuclear_fraction(cargo), ls, color=colors[j % 10], label=label)
        exp = run.exposure
        ax2.plot(t, run.result["occupancy"], ls, color="k",
                 label=f"{exp.cell_line}, {exp.drug} {exp.concentration_nM:g} nM")
        if exp.washout_at_h is not None:
            for ax in (ax1, ax2):
                ax.axvline(exp.washout_at_h, color="0.6", lw=0.8)
    ax1.set_ylabel("nuclear fraction (0-1)")
    ax1.set_ylim(0, 1)
    ax1.legend(ncol=3, fontsize=8, loc="upper left")
    ax2.set_ylabel("XPO1 occupancy (0-1)")
    ax2.set_ylim(0, 1.02)
    ax2.set_xlabel("time (h)")
    ax2.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig
