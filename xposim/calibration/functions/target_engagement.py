"""Target functions of ``target-engagement``: XPO1 occupancy in a tumour cell driven by the
selinexor popPK of the typical subject after one oral dose.

Occupancy is read as the free-XPO1 assay reads it (Crochiere et al., Oncotarget 2016):
``XPO1_inhibition = 1 − XPO1_free / XPO1_total0``, so XPO1 degraded after binding
(CRL5-ASB8) counts as occupied.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache

import numpy as np

from xposim.biology.cell import cell_volumes
from xposim.biology.target import target_module
from xposim.biology.transport import export_module
from xposim.calibration.context import Context
from xposim.engine import Bolus, Simulator
from xposim.model import Model, compose
from xposim.pharmacology.pk.selinexor import selinexor_module
from xposim.presets.cell_lines import get_cell_line

#: Readout compared with the occupancy figures.
READOUT = "XPO1_inhibition"
#: Output grid (h after the dose): fine over the absorption phase, hourly to 48 h.
TIMES_H = np.concatenate([np.arange(0.0, 12.0, 0.25), np.arange(12.0, 48.5, 1.0)])


@cache
def patient_cell_model(cell_line: str = "myeloma") -> Model:
    """Selinexor popPK (typical subject) driving the XPO1 core of a tumour cell: unbound
    plasma selinexor is the cell's ``drug_ext``."""
    cl = get_cell_line(cell_line)
    volumes = cell_volumes(cl)
    model = compose(
        selinexor_module(),
        export_module(volumes=volumes),
        target_module(volumes=volumes, covalent=not cl.xpo1_c528s)
        .rename({"drug_ext": "Cu_selinexor_nM"}),
        name=f"patient_cell_{cell_line.replace('-', '_').replace('.', '_')}",
        description=f"Selinexor PK driving the XPO1 core of a {cl.name} cell",
    )
    return model.override(*cl.parameters)


@cache
def _simulator(cell_line: str) -> Simulator:
    return Simulator(patient_cell_model(cell_line), rtol=1e-8, atol=1e-10)


def occupancy_profiles(doses_mg: Sequence[float], times: np.ndarray = TIMES_H,
                       parameters: Mapping[str, float] | None = None,
                       cell_line: str = "myeloma") -> dict[float, np.ndarray]:
    """Occupancy (``XPO1_inhibition``) after single oral doses (mg) of the typical
    subject, from the untreated steady state; ``parameters`` in canonical units."""
    sim = _simulator(cell_line)
    state = sim.steady_state(parameters=parameters)
    out = {}
    for dose in doses_mg:
        res = sim.run(times, parameters=parameters, initial=state,
                      events=[Bolus(0.0, "sel_depot", float(dose))], outputs=[READOUT])
        out[float(dose)] = res[READOUT]
    return out


def single_dose_occupancy(ctx: Context, dose_mg: float, cell_line: str = "myeloma",
                          ) -> dict[str, float]:
    """After one oral ``dose_mg``: ``peak`` occupancy over 0-48 h, ``at_<t>h`` and
    ``fraction_of_peak_at_<t>h`` for t = 2, 4, 6, 12, 24, 48 h."""
    params = ctx.for_model(patient_cell_model(cell_line))
    occ = occupancy_profiles([dose_mg], TIMES_H, params, cell_line)[float(dose_mg)]
    peak = float(occ.max())
    out = {"peak": peak}
    for t in (2.0, 4.0, 6.0, 12.0, 24.0, 48.0):
        v = float(np.interp(t, TIMES_H, occ))
        out[f"at_{t:g}h"] = v
        out[f"fraction_of_peak_at_{t:g}h"] = v / peak
    return out


def parameter_ratio(ctx: Context, numerator: str, denominator: str) -> dict[str, float]:
    """``ratio``: trial value of ``numerator`` over ``denominator`` (same unit)."""
    if ctx.units[numerator] != ctx.units[denominator]:
        raise ValueError(f"parameter_ratio: {numerator} and {denominator} differ in unit")
    return {"ratio": ctx.value(numerator) / ctx.value(denominator)}
