"""The IC50 experiment: a concentration series, 72 h viability, a 4-parameter Hill fit.

Viability is relative to the untreated control (CellTiter-Glo-like, see
:mod:`xposim.experiments.viability`), so the fit fixes the top plateau at 1 and fits the
bottom, the IC50 and the Hill slope (:func:`xposim.analysis.doseresponse.fit_hill`). The
reported IC50 is the fitted (relative) IC50 with its Wald 95% CI; a line whose viability
never falls below 50% has no IC50 (``ic50_nM`` is ``None`` and ``status`` says so). The
simulated data carry no noise: the CI reflects how far the model's curve departs from a
Hill curve.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from xposim.analysis.doseresponse import HillFit, fit_hill
from xposim.errors import InputError
from xposim.experiments.viability import MAX_HOURS, viability_curve
from xposim.model.overrides import Override
from xposim.presets.cell_lines import get_cell_line
from xposim.presets.drugs import get_drug

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Default series: vehicle control plus 1 nM to 10 uM in half-log steps (nM).
DEFAULT_CONCENTRATIONS_NM: tuple[float, ...] = (0.0, *(float(round(10 ** (k / 2), 4))
                                                      for k in range(0, 9)))


@dataclass(frozen=True)
class DoseResponse:
    """``cell_line`` exposed for ``hours`` to each of ``concentrations_nM`` of ``drug``
    (free medium concentration, nM), other drugs held at ``fixed`` ({drug: nM}), with
    parameter ``overrides`` (``--set``) for this experiment only."""

    cell_line: str
    drug: str = "selinexor"
    hours: float = 72.0
    concentrations_nM: tuple[float, ...] = DEFAULT_CONCENTRATIONS_NM
    fixed: tuple[tuple[str, float], ...] = field(default=())
    overrides: tuple[Override, ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "overrides", tuple(self.overrides))
        if not all(isinstance(o, Override) for o in self.overrides):
            raise InputError("set", "overrides must be Override objects "
                             "(xposim.model.overrides.parse_override)")
        object.__setattr__(self, "cell_line", get_cell_line(self.cell_line).name)
        object.__setattr__(self, "drug", get_drug(self.drug).name)
        if isinstance(self.fixed, Mapping):
            object.__setattr__(self, "fixed", tuple(self.fixed.items()))
        h = self.hours
        if isinstance(h, bool) or not isinstance(h, int | float) or not (
                math.isfinite(h) and 0 < h <= MAX_HOURS):
            raise InputError("hours", f"must be > 0 and <= {MAX_HOURS:g} h", got=h)
        conc = tuple(self.concentrations_nM)
        for c in conc:
            if isinstance(c, bool) or not isinstance(c, int | float) or not (
                    math.isfinite(c) and c >= 0):
                raise InputError("concentrations", "must be finite concentrations >= 0 nM",
                                 got=c)
        if len(set(conc)) != len(conc):
            raise InputError("concentrations", "must not repeat a concentration")
        positive = sum(1 for c in conc if c > 0)
        if positive < 4:
            raise InputError("concentrations", "need at least 4 positive concentrations to "
                             f"fit a Hill curve (the control, 0, does not count); got "
                             f"{positive} positive of {len(conc)}")
        object.__setattr__(self, "concentrations_nM", tuple(sorted(float(c) for c in conc)))


@dataclass(frozen=True)
class DoseResponseResult:
    """Viabilities of a :class:`DoseResponse` and the Hill fit (``None`` without a 50%
    effect)."""

    experiment: DoseResponse
    viability: np.ndarray
    fit: HillFit | None
    status: str

    @property
    def ic50_nM(self) -> float | None:
        return self.fit.ic50_nM if self.fit is not None else None

    @property
    def ic50_ci95_nM(self) -> tuple[float, float] | None:
        return self.fit.ic50_ci95_nM if self.fit is not None else None

    def to_frame(self) -> pd.DataFrame:
        """Tidy table: cell_line, drug, hours, concentration_nM, viability, fitted."""
        e = self.experiment
        c = np.asarray(e.concentrations_nM)
        fitted = self.fit.predict(c) if self.fit is not None else np.full(c.size, np.nan)
        return pd.DataFrame({"cell_line": e.cell_line, "drug": e.drug, "hours": e.hours,
                             "concentration_nM": c, "viability": self.viability,
                             "fitted": fitted})

    def summary(self) -> dict[str, Any]:
        """JSON-ready: ``ic50_nm``, ``ci95_nm`` ([lo, hi] or None), Hill slope, plateaus."""
        f = self.fit
        ci = list(f.ic50_ci95_nM) if f is not None and f.ic50_ci95_nM is not None else None
        return {"cell_line": self.experiment.cell_line, "drug": self.experiment.drug,
                "hours": self.experiment.hours,
                "ic50_nm": f.ic50_nM if f is not None else None, "ci95_nm": ci,
                "absolute_ic50_nm": f.absolute_ic50_nM if f is not None else None,
                "hill": f.hill if f is not None else None,
                "bottom": f.bottom if f is not None else None,
                "min_viability": float(np.min(self.viability)), "status": self.status}

    def plot(self) -> Figure:
        """Viability vs concentration (log axis; the control drawn at the left edge)."""
        import matplotlib.pyplot as plt

        e = self.experiment
        c = np.asarray(e.concentrations_nM)
        pos = c[c > 0]
        left = pos.min() / 3
        fig, ax = plt.subplots(figsize=(5.5, 4))
        ax.semilogx(np.where(c > 0, c, left), self.viability, "o", label="simulated")
        if self.fit is not None:
            grid = np.logspace(math.log10(pos.min()), math.log10(pos.max()), 200)
            ax.semilogx(grid, self.fit.predict(grid), "-", label=f"Hill fit, IC50 "
                        f"{self.fit.ic50_nM:.3g} nM")
        ax.axhline(0.5, color="grey", lw=0.5)
        ax.set_xlabel(f"{e.drug} (nM, free in medium; control at left)")
        ax.set_ylabel("viability (fraction of control)")
        ax.set_title(f"{e.cell_line}, {e.hours:g} h")
        ax.set_ylim(-0.02, 1.1)
        ax.legend()
        fig.tight_layout()
        return fig


def run_dose_response(experiment: DoseResponse) -> DoseResponseResult:
    """Simulate the series and fit it (top fixed at 1, the control)."""
    e = experiment
    c = np.asarray(e.concentrations_nM)
    v = viability_curve(e.cell_line, e.drug, c, hours=e.hours, fixed=dict(e.fixed),
                        overrides=e.overrides)
    if float(np.min(v)) > 0.5:
        return DoseResponseResult(e, v, None, f"no 50% effect up to {c.max():g} nM "
                                  f"(lowest viability {float(np.min(v)):.2f})")
    fit = fit_hill(c, v, kind="viability", top=1.0)
    return DoseResponseResult(e, v, fit, fit.status)


def ic50(cell_line: str, drug: str = "selinexor", *, hours: float = 72.0,
         concentrations_nM: Sequence[float] = DEFAULT_CONCENTRATIONS_NM,
         overrides: Sequence[Override] = ()) -> float | None:
    """Fitted IC50 (nM) of ``drug`` in ``cell_line`` at ``hours``; ``None`` if viability
    never falls below 50%."""
    return run_dose_response(DoseResponse(cell_line, drug, hours, tuple(concentrations_nM),
                                          overrides=tuple(overrides))).ic50_nM
