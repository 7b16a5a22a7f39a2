"""Target functions of the cell calibrations: 72 h IC50s of cell presets in a dish.

An IC50 is what :mod:`xposim.experiments.dose_response` reports: viability (ATP-holding
cells relative to the untreated control) over the vehicle control plus 1 nM-10 µM in
half-log steps, fitted by a Hill curve with its top fixed at 1. Trial values of fate
constants (T0, k_apo, arrest_ec50...) are run on the preset's compiled model; a trial
value that changes the untreated core (e.g. eIF4E_bypass_max) rebuilds the preset so its
reference levels (``*_ref``) are its own untreated steady state again.
"""

from __future__ import annotations

import dataclasses
import math
from functools import cache

import numpy as np

from xposim.analysis.doseresponse import fit_hill
from xposim.biology.cell import (
    build_cell_model,
    cell_fate_model,
    cell_model,
    core_baseline,
    fate_state,
    simulator_for,
)
from xposim.calibration.context import Context
from xposim.engine import Simulator
from xposim.experiments.dose_response import DEFAULT_CONCENTRATIONS_NM
from xposim.experiments.viability import DRUG_INPUTS
from xposim.presets.cell_lines import get_cell_line
from xposim.presets.drugs import get_drug


@cache
def _core_names(cell_line: str) -> frozenset[str]:
    return frozenset(p.name for p in cell_model(cell_line).parameters)


def _dish(ctx: Context, cell_line: str, drug: str,
          ) -> tuple[Simulator, dict[str, float], dict[str, float], str]:
    """(simulator, per-run parameters, untreated initial state, drug input) of a preset's
    fate model at the trial values, for varying ``drug``. The cell core is built for
    ``drug`` when it is an XPO1 inhibitor, else for selinexor (bortezomib and
    dexamethasone act on modules every cell model carries)."""
    key = DRUG_INPUTS[get_drug(drug).name]
    if not get_drug(drug).xpo1_inhibitor:
        drug = "selinexor"
    cl = get_cell_line(cell_line)
    base = cell_fate_model(cl.name)
    overrides = ctx.parameters_for(base)
    core = [p for p in overrides if p.name in _core_names(cl.name)]
    fate = [p for p in overrides if p.name not in _core_names(cl.name)]
    if core:
        kept = tuple(p for p in cl.parameters if p.name not in {q.name for q in core})
        cl = dataclasses.replace(cl, parameters=(*kept, *core))
        model = build_cell_model(cl, drug=drug, fate=True)
    else:
        model = base
    model = model.override(*fate) if fate else model
    sim, values = simulator_for(model, drug=drug, fate=True)
    initial = fate_state(model, core_baseline(cl, drug))
    return sim, values, initial, key


def viabilities(ctx: Context, cell_line: str, drug: str = "selinexor", hours: float = 72.0,
                concentrations_nM: tuple[float, ...] = DEFAULT_CONCENTRATIONS_NM,
                ) -> np.ndarray:
    """Viability at each concentration (the first must be 0, the control) at the trial
    values."""
    sim, values, initial, key = _dish(ctx, cell_line, drug)
    if concentrations_nM[0] != 0.0:
        raise ValueError("viabilities: the first concentration must be the control (0)")
    cells = np.empty(len(concentrations_nM))
    for i, c in enumerate(concentrations_nM):
        res = sim.run([0.0, float(hours)], parameters={**values, key: float(c)},
                      initial=initial, outputs=["viable_cells"])
        cells[i] = float(res["viable_cells"][-1])
    return cells / cells[0]


def g1_arrest(ctx: Context, cell_line: str, concentration_nM: float,
              drug: str = "selinexor", hours: float = 24.0) -> dict[str, float]:
    """``g1_arrested_fraction`` (share of live cells in G1 arrest, as flow cytometry
    reads it) and ``arrest_drive`` after ``hours`` at ``concentration_nM``."""
    sim, values, initial, key = _dish(ctx, cell_line, drug)
    res = sim.run([0.0, float(hours)], parameters={**values, key: float(concentration_nM)},
                  initial=initial, outputs=["g1_arrested_fraction", "arrest_drive"])
    return {"g1_arrested_fraction": float(res["g1_arrested_fraction"][-1]),
            "arrest_drive": float(res["arrest_drive"][-1])}


def fate_readouts(ctx: Context, cell_line: str, concentration_nM: float,
                  drug: str = "selinexor", hours: float = 24.0) -> dict[str, float]:
    """After ``hours`` at ``concentration_nM`` of ``drug``: ``g1_arrested_fraction`` (share
    of live cells arrested in G1), ``apoptotic_fraction`` (annexin V+ share of all cells)
    and ``viability`` (ATP-holding cells relative to the untreated control)."""
    sim, values, initial, drug_key = _dish(ctx, cell_line, drug)
    outputs = ["g1_arrested_fraction", "apoptotic_fraction", "viable_cells"]
    res = sim.run([0.0, float(hours)], parameters={**values, drug_key: float(
        concentration_nM)}, initial=initial, outputs=outputs)
    ctrl = sim.run([0.0, float(hours)], parameters=values, initial=initial,
                   outputs=["viable_cells"])
    return {"g1_arrested_fraction": float(res["g1_arrested_fraction"][-1]),
            "apoptotic_fraction": float(res["apoptotic_fraction"][-1]),
            "viability": float(res["viable_cells"][-1] / ctrl["viable_cells"][-1])}


#: Highest concentration of the IC50 series (nM): where a censored IC50 starts.
_C_MAX = float(max(DEFAULT_CONCENTRATIONS_NM))


def ic50(ctx: Context, cell_line: str, drug: str = "selinexor", hours: float = 72.0,
         ) -> dict[str, float]:
    """``ic50_nM`` (NaN when viability never falls below 0.5), ``min_viability`` and
    ``ic50_censored_nM``: the IC50, or for a line that never reaches 50% a continuous
    stand-in above the series, ``c_max * (2 * min_viability)**10`` (10 uM at a minimum of
    exactly 0.5, ~20-fold higher at 0.68), so a fit sees how far such a line is from 50%
    instead of a missing value."""
    c = np.asarray(DEFAULT_CONCENTRATIONS_NM)
    v = viabilities(ctx, cell_line, drug, hours)
    vmin = float(v.min())
    value = math.nan
    if vmin <= 0.5:
        value = fit_hill(c, v, kind="viability", top=1.0).ic50_nM
    censored = value if math.isfinite(value) else _C_MAX * (2.0 * vmin) ** 10
    return {"ic50_nM": float(value), "min_viability": vmin,
            "ic50_censored_nM": float(censored)}


def ic50_ratio(ctx: Context, cell_line: str, reference: str, drug: str = "selinexor",
               hours: float = 72.0) -> dict[str, float]:
    """``ratio``: IC50 of ``cell_line`` over that of ``reference`` (and both IC50s, nM;
    censored as in :func:`ic50` when a line never reaches 50%)."""
    a = ic50(ctx, cell_line, drug, hours)["ic50_censored_nM"]
    b = ic50(ctx, reference, drug, hours)["ic50_censored_nM"]
    return {"ratio": a / b, "ic50_nM": a, "reference_ic50_nM": b}
