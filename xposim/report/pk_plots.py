"""Figures of ``xposim pk``: concentration-time profiles on a log axis.

A log concentration axis is the pharmacometric convention: a mono-exponential decline is
a straight line whose slope gives the half-life, so distribution and terminal phases can be
read off. The axis spans :data:`DECADES_SHOWN` decades below the highest concentration
(zero concentrations, e.g. before an oral dose, are simply not drawn); ticks are labelled
as plain numbers (0.1, 1, 10, 100 ng/mL) with unlabelled minor ticks at 2-9. A symlog
axis is never used: its linear band near zero bends the terminal phase into a cliff.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from xposim.pharmacology.pk.pkrun import PKRun
    from xposim.pharmacology.regimen.algebra import Regimen

#: Decades of concentration shown below the highest one (Cmax / 10^4: ~13 half-lives).
DECADES_SHOWN = 4.0
#: Subjects drawn individually in the spaghetti plot (the band summarises them all).
MAX_SPAGHETTI = 100


def _plain(value: float, _pos: object = None) -> str:
    """0.01, 0.1, 1, 10, 100, 1000, 1e+04 ... (no 10^k notation)."""
    return f"{value:g}"


def log_concentration_axis(ax: Axes, top: float, *, decades: float = DECADES_SHOWN) -> None:
    """A log y axis from ``top / 10**decades`` to just above ``top`` (> 0), decades
    labelled as plain numbers, minor ticks unlabelled, grid on both."""
    if not (np.isfinite(top) and top > 0):
        top = 1.0
    ax.set_yscale("log", nonpositive="mask")
    ax.set_ylim(top * 10.0 ** -decades, top * 1.6)
    ax.yaxis.set_major_locator(LogLocator(base=10.0))
    ax.yaxis.set_major_formatter(FuncFormatter(_plain))
    ax.yaxis.set_minor_locator(LogLocator(base=10.0, subs=tuple(range(2, 10))))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.grid(True, which="major", color="0.85", lw=0.6)
    ax.grid(True, which="minor", color="0.93", lw=0.4)


def plot_profiles(run: PKRun) -> Figure:
    """Plasma concentration (ng/mL, log axis) over time (h) of each drug of a ``pk`` run:
    the typical subject and, for a population, up to :data:`MAX_SPAGHETTI` subjects, the
    median and the 90% prediction interval."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(run.drugs), 1, figsize=(8, 3.6 * len(run.drugs)),
                             squeeze=False)
    for ax, d in zip(axes[:, 0], run.drugs, strict=True):
        var = d.typical.concentration_variable
        top = float(np.nanmax(d.typical.profiles(var).to_numpy()))
        if d.population is not None:
            wide = d.population.profiles(var)
            t = wide.index.to_numpy()
            for col in list(wide.columns)[:MAX_SPAGHETTI]:
                ax.plot(t, wide[col], color="0.6", lw=0.4, alpha=0.5)
            lo, med, hi = np.percentile(wide.to_numpy(), [5, 50, 95], axis=1)
            ax.fill_between(t, np.where(lo > 0, lo, np.nan), np.where(hi > 0, hi, np.nan),
                            color="tab:blue", alpha=0.25, label="90% prediction interval")
            ax.plot(t, med, color="tab:blue", lw=1.5, label="population median")
            top = max(top, float(np.nanmax(hi)))
        typ = d.typical.profiles(var)
        ax.plot(typ.index, typ.iloc[:, 0], color="k", lw=1.2, ls="--", label="typical subject")
        log_concentration_axis(ax, top)
        ax.set_xlabel("time (h)")
        ax.set_ylabel("plasma concentration (ng/mL, log scale)")
        ax.set_title(_title(d.regimen))
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def _title(regimen: Regimen) -> str:
    from xposim.pharmacology.regimen.text import regimen_to_text

    text = regimen_to_text(regimen)
    return text if len(text) <= 90 else text[:87] + "..."
