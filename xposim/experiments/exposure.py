"""In-vitro exposure: a cell preset in a dish with a fixed drug concentration, optional
washout, and the time courses of occupancy and cargo localisation.

The cell starts at its untreated steady state. The medium is treated as an infinite
reservoir at the nominal concentration (unbound; medium protein binding ignored), and a
washout sets it to zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from xposim.biology.cargoes import REPORTED_CARGOES
from xposim.biology.cell import cell_model
from xposim.engine import Set, Simulator
from xposim.engine.results import Result
from xposim.errors import InputError
from xposim.model.overrides import Override
from xposim.presets.cell_lines import get_cell_line
from xposim.presets.drugs import get_drug

#: Longest in-vitro experiment accepted (h): four weeks.
MAX_HOURS = 24.0 * 28


@dataclass(frozen=True)
class Exposure:
    """A dish experiment: ``cell_line`` exposed to ``concentration_nM`` of ``drug`` for
    ``hours``; the medium is replaced by drug-free medium at ``washout_at_h`` if given;
    ``overrides`` (``--set``) change parameter values for this experiment only."""

    cell_line: str
    concentration_nM: float
    hours: float = 24.0
    drug: str = "selinexor"
    washout_at_h: float | None = None
    step_h: float = 0.25
    overrides: tuple[Override, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "overrides", tuple(self.overrides))
        get_cell_line(self.cell_line)  # raises InputError with the choices
        drug = get_drug(self.drug)
        if not drug.xpo1_inhibitor:
            raise InputError("drug", "must be an XPO1 inhibitor (selinexor) for this "
                             "experiment", got=self.drug)
        c = self.concentration_nM
        if not (isinstance(c, int | float) and math.isfinite(c) and c >= 0):
            raise InputError("concentration", "must be a finite concentration >= 0 nM", got=c)
        if not (isinstance(self.hours, int | float) and 0 < self.hours <= MAX_HOURS):
            raise InputError("hours", f"must be > 0 and <= {MAX_HOURS:g} h", got=self.hours)
        if self.washout_at_h is not None and not 0 < self.washout_at_h < self.hours:
            raise InputError("washout-at", f"must be > 0 and < hours ({self.hours:g} h)",
                             got=self.washout_at_h)
        if not 0 < self.step_h <= self.hours:
            raise InputError("step", "must be > 0 and <= hours", got=self.step_h)

    @property
    def times(self) -> np.ndarray:
        n = math.floor(self.hours / self.step_h + 1e-9)
        grid = np.arange(n + 1) * self.step_h
        extra = [self.hours] + ([self.washout_at_h] if self.washout_at_h is not None else [])
        return np.unique(np.concatenate([grid, extra]))


@lru_cache(maxsize=64)
def untreated_state(cell_line: str, drug: str = "selinexor",
                    overrides: tuple[Override, ...] = ()) -> tuple[tuple[str, float], ...]:
    """Steady state of the untreated cell (memoised per preset; immutable tuple)."""
    sim = Simulator(cell_model(cell_line, drug, overrides))
    return tuple(sim.steady_state().items())


def outputs_for(names: tuple[str, ...] = REPORTED_CARGOES) -> list[str]:
    return (["occupancy", "covalent_occupancy", "XPO1_cell_total", "drug_in"]
            + [f"{c}_nuclear_fraction" for c in names]
            + [f"{c}_total" for c in names])


@dataclass(frozen=True)
class ExposureResult:
    """Time courses of an :class:`Exposure` (``result``) and a tidy view."""

    exposure: Exposure
    result: Result

    def to_frame(self) -> pd.DataFrame:
        df = self.result.to_frame().drop(columns="subject")
        df.insert(0, "cell_line", self.exposure.cell_line)
        df.insert(1, "drug", self.exposure.drug)
        df.insert(2, "concentration_nM", float(self.exposure.concentration_nM))
        return df

    def final(self) -> dict[str, object]:
        """End-of-run summary: occupancy and the nuclear fraction of every cargo (0-1)."""
        f = self.result.final
        return {"occupancy": f["occupancy"],
                "nuclear_fraction": {c: f[f"{c}_nuclear_fraction"] for c in REPORTED_CARGOES}}

    def nuclear_fraction(self, cargo: str) -> np.ndarray:
        return self.result[f"{cargo}_nuclear_fraction"]


def run_exposure(exposure: Exposure, *, simulator: Simulator | None = None) -> ExposureResult:
    """Simulate ``exposure`` from the untreated steady state."""
    model = cell_model(exposure.cell_line, exposure.drug, exposure.overrides)
    sim = simulator or Simulator(model)
    events = [Set(0.0, "drug_ext", float(exposure.concentration_nM))]
    if exposure.washout_at_h is not None:
        events.append(Set(exposure.washout_at_h, "drug_ext", 0.0))
    res = sim.run(exposure.times, initial=dict(untreated_state(exposure.cell_line,
                                                               exposure.drug,
                                                               exposure.overrides)),
                  events=events, outputs=outputs_for(), subject=exposure.cell_line)
    return ExposureResult(exposure, res)
