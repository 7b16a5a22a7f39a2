"""Step 6's one server-side function: a typical patient's course on a regimen.

:func:`patient_course` is one call to the patient runner (:mod:`xposim.patient.runner`,
the model ``xposim patient`` and the trials run): the typical myeloma patient
(:func:`~xposim.patient.arm.typical_patient`, baseline platelets as chosen) on the
regimen, with the tumour cell's drug-induced death, platelets and neutrophils from the
marrow's XPO1 occupancy, and - on the unchanged label regimen - the label's dose rules
(holds and reductions, logged). A changed dose or schedule has no label dose levels, so it
is given as written (the page says so). The view code reads only :class:`PatientCourse`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Any

import numpy as np

from xposim.pharmacology.label_regimens import label_regimen
from xposim.pharmacology.regimen import Regimen, parse_regimen, regimen_to_text

#: Output step (h): resolves selinexor's ~2-4 h peak.
STEP_H = 2.0
#: Decision-log lines shown on the page (the rest are counted).
MAX_DECISIONS_SHOWN = 8


@dataclass(frozen=True)
class PatientCourse:
    """Outputs of one patient over time (``course[name]``: values at ``days``; units in
    ``units``), the regimen, the doses actually given (drug, day, mg), the dose-rule
    decisions (one line each), the patient's outcome summary and notes for the page."""

    days: np.ndarray
    series: Mapping[str, np.ndarray]
    units: Mapping[str, str]
    regimen_text: str
    doses: tuple[tuple[str, float, float], ...]
    decisions: tuple[str, ...]
    summary: Any  # xposim.patient.outcome.OutcomeSummary
    notes: tuple[str, ...]

    def __getitem__(self, name: str) -> np.ndarray:
        return self.series[name]


@lru_cache(maxsize=1)
def _simulator() -> Any:
    from xposim.patient.runner import ClinicalPatientSimulator

    return ClinicalPatientSimulator(disease="myeloma")


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


def patient_course(regimen: Regimen, *, weeks: int, platelets0: float,
                   label: str | None = None) -> PatientCourse:
    """The typical myeloma patient on ``regimen`` for ``weeks``, baseline platelets
    ``platelets0`` (10⁹/L). When ``regimen`` is label regimen ``label`` unchanged, the
    label's dose levels and rules apply."""
    from xposim.patient.arm import default_arm, typical_patient

    text = regimen_to_text(regimen)
    ruled = label is not None and regimen_to_text(label_regimen(label).regimen) == text
    arm = default_arm(f"label:{label}" if ruled else text, "myeloma", float(weeks))
    patient = typical_patient("myeloma", covariates={"platelets_1e9_per_l": float(platelets0)})
    run = _simulator().run(patient, arm, seed=0, record_step_h=STEP_H)
    if run.outcome.failure is not None:
        from xposim.errors import SimulationError

        raise SimulationError(run.outcome.failure)
    dense = run.timecourse
    wide = dense.pivot(index="day", columns="variable", values="value").sort_index()
    units = dense.drop_duplicates("variable").set_index("variable")["unit"].to_dict()
    series = {str(c): wide[c].to_numpy(dtype=float) for c in wide.columns}
    out = run.outcome
    doses = tuple((str(r.drug), float(r.day), float(r.amount))
                  for r in out.doses.sort_values("day").itertuples())
    read: dict[tuple[float, str, str, str, str], list[str]] = {}
    for r in out.decisions.itertuples():  # one row per lab read: one line per decision
        labs = read.setdefault((float(r.day), str(r.drug), str(r.action), str(r.rule),
                                str(r.new_dose)), [])
        if r.lab:
            labs.append(f"{r.lab} {r.lab_value:.3g}")
    lines = tuple(f"day {day:g}: {drug if drug == action else f'{drug} {action}'} ({rule}"
                  + (f"; {', '.join(labs)}" if labs else "") + ")"
                  + (f" -> {new}" if new else "")
                  for (day, drug, action, rule, new), labs in read.items())
    notes = [] if ruled else ["The label's dose rules need its dose levels: a changed "
                              "selinexor dose or schedule is given as written (no holds "
                              "or reductions)."]
    return PatientCourse(np.asarray(wide.index, dtype=float), MappingProxyType(series),
                         MappingProxyType(units), text, doses, lines, out.summary,
                         tuple(notes))
