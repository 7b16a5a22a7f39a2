"""A conformance check for patient models: does a simulator keep the trial contract?

``check_patient_simulator(sim)`` runs a few virtual patients of the built-in protocols
through ``sim`` and returns the problems it finds (an empty list = conformant), in the
spirit of scikit-learn's ``check_estimator``: the patient model (issue 13) runs it in its
tests, and so can anyone plugging in their own model. It checks:

- the interface (:class:`~xposim.patient.outcome.PatientSimulator`), the recipe round
  trip (pickle, rebuild, same outcome) and that every population parameter is a model
  parameter, in a unit convertible to the model's;
- each outcome: subject id, response criteria and tumour marker of the disease, days
  within follow-up, progression/PFS/end of treatment consistent, dropout respected,
  standard variables with their standard units, decision actions known, doses given only
  of the arm's drugs and before the end of treatment, selinexor exposure metrics present;
- purity: the same patients simulated in reverse order give identical outcomes (no state
  carried from one patient to the next).
"""

from __future__ import annotations

import math
import pickle
from collections.abc import Iterable
from typing import Any

import pandas as pd

from xposim.patient.outcome import (
    EXPOSURE_METRICS,
    STANDARD_VARIABLES,
    PatientOutcome,
    PatientSimulator,
)
from xposim.trials.protocol import load_protocol
from xposim.trials.run import for_model, make_patient

ACTIONS = ("hold", "resume", "reduce", "discontinue", "supportive")


def _same(a: PatientOutcome, b: PatientOutcome) -> bool:
    if (a.summary != b.summary) or (a.failure != b.failure):
        return False
    for name in ("time_course", "decisions", "doses"):
        x, y = getattr(a, name), getattr(b, name)
        try:
            pd.testing.assert_frame_equal(x.reset_index(drop=True), y.reset_index(drop=True),
                                          check_exact=True)
        except AssertionError:
            return False
    return True


def check_outcome(out: PatientOutcome, patient: Any, arm: Any) -> list[str]:
    """Problems of one outcome against its patient and arm plan."""
    where = f"{arm.name} subject {patient.subject_id}"
    problems: list[str] = []
    if out.subject_id != patient.subject_id:
        problems.append(f"{where}: outcome for subject {out.subject_id}")
    if out.failure is not None:
        if str(patient.subject_id) not in out.failure:
            problems.append(f"{where}: failure message does not name the subject")
        return problems
    s = out.summary
    assert s is not None
    myeloma = patient.disease == "myeloma"
    if s.response_criteria != ("IMWG" if myeloma else "Lugano"):
        problems.append(f"{where}: response_criteria {s.response_criteria} for {patient.disease}")
    if s.tumour_marker != ("m_protein_g_dl" if myeloma else "spd_cm2"):
        problems.append(f"{where}: tumour_marker {s.tumour_marker}")
    horizon = arm.follow_up_days + 1e-9
    for name in ("pfs_days", "end_of_treatment_day", "follow_up_days", "progression_day"):
        v = getattr(s, name)
        if v is not None and v > horizon:
            problems.append(f"{where}: {name} {v} beyond follow-up {arm.follow_up_days}")
    if s.pfs_event and s.progression_day is not None and \
            not math.isclose(s.pfs_days, s.progression_day):
        problems.append(f"{where}: pfs_days {s.pfs_days} != progression_day "
                        f"{s.progression_day}")
    if s.progression_day is not None and not s.pfs_event:
        problems.append(f"{where}: progression without a PFS event")
    if patient.dropout_day is not None and s.follow_up_days > patient.dropout_day + 1e-9:
        problems.append(f"{where}: followed to {s.follow_up_days} after dropout on day "
                        f"{patient.dropout_day}")
    if s.best_response in ("PR", "VGPR", "CR") and s.days_to_response is None:
        problems.append(f"{where}: a responder without days_to_response")
    tc = out.time_course
    if len(tc):
        if (tc["day"] < 0).any() or (tc["day"] > horizon).any():
            problems.append(f"{where}: time_course days outside 0..{arm.follow_up_days}")
        for var, unit in tc[["variable", "unit"]].drop_duplicates().itertuples(index=False):
            if var in STANDARD_VARIABLES and unit != STANDARD_VARIABLES[var]:
                problems.append(f"{where}: {var} in {unit}, expected "
                                f"{STANDARD_VARIABLES[var]}")
        if "platelets_1e9_per_l" not in set(tc["variable"]):
            problems.append(f"{where}: no platelets_1e9_per_l in the time course")
    else:
        problems.append(f"{where}: empty time course")
    bad = set(out.decisions["action"]) - set(ACTIONS)
    if bad:
        problems.append(f"{where}: unknown decision actions {sorted(bad)}")
    from xposim.pharmacology.label_regimens import read_regimen

    drugs = set(read_regimen(arm.regimen).drugs)
    given = set(out.doses["drug"])
    if given - drugs:
        problems.append(f"{where}: doses of {sorted(given - drugs)} not in the arm")
    if len(out.doses) and (out.doses["day"] > s.end_of_treatment_day + 1e-9).any():
        problems.append(f"{where}: doses after the end of treatment")
    if "selinexor" in drugs and len(out.doses):
        missing = [m for m in EXPOSURE_METRICS if f"selinexor_{m}" not in s.exposure]
        if missing:
            problems.append(f"{where}: exposure lacks selinexor_{', selinexor_'.join(missing)}")
    return problems


def check_patient_simulator(sim: PatientSimulator, *,
                            protocols: Iterable[str] = ("storm", "boston-vd", "boston",
                                                        "sadal"),
                            n: int = 3, seed: int = 0) -> list[str]:
    """Every problem found running ``n`` patients per arm of ``protocols`` (see module)."""
    problems: list[str] = []
    if not isinstance(sim, PatientSimulator):
        return ["not a PatientSimulator (needs name, recipe, model_hash, parameter_values, "
                "parameter_units, simulate)"]
    recipe = pickle.loads(pickle.dumps(sim.recipe))
    rebuilt = recipe.build()
    for name in protocols:
        try:
            proto = for_model(load_protocol(name), sim)
        except ValueError as exc:
            problems.append(f"{name}: {exc}")
            continue
        for arm_name in proto.arm_names:
            arm = proto.arm_plan(arm_name)
            patients = [make_patient(proto, arm_name, i, seed)[0] for i in range(n)]
            outs = [sim.simulate(p, arm, seed=seed) for p in patients]
            for p, o in zip(patients, outs, strict=True):
                problems += [f"{name}: {x}" for x in check_outcome(o, p, arm)]
            back = [sim.simulate(p, arm, seed=seed) for p in reversed(patients)][::-1]
            for p, a, b in zip(patients, outs, back, strict=True):
                if not _same(a, b):
                    problems.append(f"{name}: {arm_name} subject {p.subject_id}: outcome "
                                    "depends on the patients simulated before it")
            other = rebuilt.simulate(patients[0], arm, seed=seed)
            if not _same(outs[0], other):
                problems.append(f"{name}: {arm_name}: the simulator rebuilt from its recipe "
                                "gives another outcome")
    return problems
