"""Step 6's one server-side function: a typical patient's course on a regimen.

:func:`patient_course` is the seam. Today it composes what exists, as docs/disease.md
wires it: the population-PK modules of the regimen's drugs (typical subject), the XPO1
target driven by unbound plasma selinexor standing for megakaryocyte and myeloid
progenitors, the Friberg platelet and neutrophil models, and the myeloma burden with its
M-protein. Two things need the patient runner (issue 13) and are not done here: the
tumour's drug-induced death (``mm_death_hazard`` stays 0, so M-protein follows the
untreated course) and dose holds (the label rules are not applied; the page says so).
When the runner lands, this function's body becomes one call to it; the view code reads
only :class:`PatientCourse`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from xposim.biology.target import target_module
from xposim.disease import myeloma_module, neutrophil_module, platelet_module
from xposim.engine import Simulator
from xposim.engine.results import Result
from xposim.model import compose
from xposim.model.units import HOURS_PER_DAY
from xposim.pharmacology.dose_events import dose_events
from xposim.pharmacology.label_regimens import label_regimen
from xposim.pharmacology.pk import pk_model
from xposim.pharmacology.regimen import Regimen, parse_regimen, regimen_to_text

#: Drugs whose PK is composed (every regimen's drugs are among them).
DRUGS = ("selinexor", "dexamethasone", "bortezomib")
#: Body-surface area of the typical patient (m²), for mg/m² doses (bortezomib).
TYPICAL_BSA_M2 = 1.9
#: Recorded outputs (model names).
OUTPUTS = ("Cp_selinexor_nM", "Cu_selinexor_nM", "Cu_dexamethasone_nM",
           "proteasome_inhibition", "occupancy", "mk_XPO1_inhibition", "plt_1e9_per_l",
           "neu_1e9_per_l", "m_protein_g_per_dl")
#: Output step (h): resolves selinexor's ~2-4 h peak.
STEP_H = 2.0


@dataclass(frozen=True)
class PatientCourse:
    """Outputs of one patient over time, the regimen given and the doses."""

    result: Result
    regimen_text: str
    doses: tuple[tuple[str, float, float], ...]  # (drug, time h, amount mg)
    not_modelled: tuple[str, ...]


@lru_cache(maxsize=1)
def _simulator() -> Simulator:
    marrow = target_module(name="marrow_target").rename(
        {"drug_ext": "Cu_selinexor_nM", "XPO1_inhibition": "mk_XPO1_inhibition"})
    neutrophils = neutrophil_module().rename({"myeloid_XPO1_inhibition": "mk_XPO1_inhibition"})
    model = compose(*(pk_model(d).module for d in DRUGS), marrow, platelet_module(),
                    neutrophils, myeloma_module(), name="explorer_patient",
                    description="Typical patient: popPK -> XPO1 target in marrow "
                                "progenitors -> platelets, neutrophils; myeloma burden")
    return Simulator(model)


def build_regimen(label: str, selinexor_mg: float | None = None,
                  schedule: str | None = None) -> Regimen:
    """The label regimen ``label`` with selinexor at ``selinexor_mg`` (mg PO per
    administration; None: the label's) on ``schedule`` (regimen-text schedule such as
    ``days 1,3 weekly``; None: the label's)."""
    full = label_regimen(label).regimen
    sel = full.for_drug("selinexor")
    if schedule is not None:
        amount = selinexor_mg if selinexor_mg is not None else sel.records[0].amount
        sel = parse_regimen(f"selinexor {amount:g} mg PO {schedule}")
    elif selinexor_mg is not None:
        sel = Regimen(tuple(dataclasses.replace(d, amount=float(selinexor_mg), unit="mg")
                            for d in sel.records))
    rest = full.without_drug("selinexor")
    return sel + rest if rest.records else sel


def patient_course(regimen: Regimen, *, weeks: int, platelets0: float) -> PatientCourse:
    """A typical patient on ``regimen`` for ``weeks``, baseline platelets ``platelets0``
    (10⁹/L)."""
    sim = _simulator()
    end_h = weeks * 7 * HOURS_PER_DAY
    events = []
    doses = []
    for drug in regimen.drugs:
        pk = pk_model(drug)
        given = regimen.for_drug(drug).doses(until_h=end_h)
        events += dose_events(given, sim.model, pk.routes, bsa_m2=TYPICAL_BSA_M2,
                              until_h=end_h)
        for dose in given:
            doses += [(pk.drug.name, d.time_h, d.amount_mg(TYPICAL_BSA_M2))
                      for d in dose.administrations(end_h)]
    times = np.arange(0.0, end_h + 1e-9, STEP_H)
    events.sort(key=lambda e: e.time)
    # plt_base is given in its table unit (10^9/L); the engine takes canonical values
    base = {p.name: p for p in sim.model.parameters}["plt_base"].with_value(float(platelets0))
    res = sim.run(times, parameters={"plt_base": base.canonical_value}, events=events,
                  outputs=list(OUTPUTS), subject="typical patient")
    return PatientCourse(res, regimen_to_text(regimen), tuple(sorted(doses, key=lambda d: d[1])),
                         ("tumour kill (M-protein shows the untreated course)",
                          "dose holds and reductions (label rules not applied)"))
