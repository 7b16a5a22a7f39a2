"""Plot of one NCA profile: samples on a log axis with the λz points and line marked.

Uses matplotlib's object API only (no backend is selected here: the caller chooses one,
e.g. the CLI picks Agg before writing files).
"""

from __future__ import annotations

import math

import numpy as np

from xposim.analysis.nca import ProfileNCA


def plot_profile(result: ProfileNCA, *, title: str, time_unit: str, conc_unit: str):  # noqa: ANN201 - matplotlib Figure
    """Concentration-time plot (semi-log) with the λz regression points filled red."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 4.2))
    ax = fig.add_subplot()
    t, c = result.time, result.conc
    shown = c > 0
    ax.semilogy(t[shown], c[shown], "o-", color="0.35", mfc="white", label="samples")
    lz = result.lambda_z
    if lz is not None:
        used = np.isin(t, np.asarray(lz.times))
        ax.semilogy(t[used], c[used], "o", color="tab:red",
                    label=f"λz points (n={lz.n_points})")
        tt = np.linspace(lz.t_first, float(t[shown][-1]), 50)
        ax.semilogy(tt, np.exp(lz.intercept - lz.lambda_z * tt), "--", color="tab:red",
                    label=(f"λz {lz.lambda_z:.4g} 1/{time_unit}, t½ {lz.half_life:.3g} "
                           f"{time_unit}, adj R² "
                           + ("-" if math.isnan(lz.adj_r_squared)
                              else f"{lz.adj_r_squared:.4f}")))
    else:
        ax.text(0.02, 0.02, f"no λz: {result.lambda_z_note}", transform=ax.transAxes,
                fontsize=8)
    ax.set_xlabel(f"time after dose ({time_unit})")
    ax.set_ylabel(f"concentration ({conc_unit})")
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
