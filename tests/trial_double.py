"""TEST DOUBLE of the patient model — for the trial-layer tests only, never a model.

``TrialTestDouble`` implements the :class:`~xposim.patient.outcome.PatientSimulator`
contract with a few lines of toy arithmetic (exponential tumour kinetics, a platelet fall
proportional to a made-up exposure, label-like dose holds) so the trial runner, the
endpoints and the report can be exercised before the real patient model (issue 13)
lands. Its numbers mean nothing clinically. It also injects faults on request: a solver
failure for chosen subjects, an exception, a per-subject delay (to kill a run midway),
and a worker death once (to test Dask/process retries).
"""

from __future__ import annotations

import functools
import hashlib
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from xposim.errors import SimulationError
from xposim.patient.outcome import (
    DECISION_COLUMNS,
    DOSE_COLUMNS,
    TIME_COURSE_COLUMNS,
    TOXICITIES,
    ArmPlan,
    OutcomeSummary,
    PatientOutcome,
    SimulatorRecipe,
    VirtualPatient,
)
from xposim.patient.response import assess_imwg, assess_lugano

FACTORY = "trial_double:make_double"


def make_double(**options: Any) -> TrialTestDouble:
    return TrialTestDouble(**options)


@functools.lru_cache(maxsize=32)
def _dose_plan(regimen: str, label: str | None, days: float
               ) -> dict[str, list[tuple[float, float]]]:
    """drug -> [(day, mg at level 0)] of the arm's regimen up to ``days``."""
    from xposim.pharmacology.label_regimens import read_regimen

    reg = read_regimen(regimen)
    out: dict[str, list[tuple[float, float]]] = {}
    for d in reg.doses(days * 24.0):
        out.setdefault(d.drug, []).append((d.time_h / 24.0, d.amount_mg(1.9)))
    return out


class TrialTestDouble:
    """TEST DOUBLE (see module docstring). Options: ``fail_subjects`` (solver failure
    outcome), ``raise_subjects`` (SimulationError raised), ``delay_s`` (sleep per
    subject), ``die_once`` (folder: the first process to reach ``die_subject`` exits
    hard, once), ``die_subject``."""

    name = "trial-test-double"

    def __init__(self, fail_subjects: tuple[int, ...] = (),
                 raise_subjects: tuple[int, ...] = (), delay_s: float = 0.0,
                 die_once: str | None = None, die_subject: int = 5) -> None:
        self.fail_subjects = tuple(fail_subjects)
        self.raise_subjects = tuple(raise_subjects)
        self.delay_s = float(delay_s)
        self.die_once = die_once
        self.die_subject = int(die_subject)
        self.recipe = SimulatorRecipe(FACTORY, {
            "fail_subjects": list(self.fail_subjects), "raise_subjects": list(self.raise_subjects),
            "delay_s": self.delay_s, "die_once": die_once, "die_subject": self.die_subject})
        from xposim.trials.parameters import model_parameter_defaults, model_parameter_units

        self._params = model_parameter_defaults()
        self._units = model_parameter_units()

    def model_hash(self) -> str:
        return hashlib.sha256(b"trial-test-double v1").hexdigest()

    def parameter_values(self) -> Mapping[str, float]:
        return self._params

    def parameter_units(self) -> Mapping[str, str]:
        return self._units

    def simulate(self, patient: VirtualPatient, arm: ArmPlan, *, seed: int) -> PatientOutcome:
        sid = patient.subject_id
        if self.delay_s:
            time.sleep(self.delay_s)
        if self.die_once and sid == self.die_subject:
            marker = Path(self.die_once) / "died"
            if not marker.exists():
                marker.write_text("x")
                os._exit(17)  # a worker lost mid-chunk
        if sid in self.raise_subjects:
            raise SimulationError(f"subject {sid}: CVODE failed at t = 12.5 h (test double)")
        if sid in self.fail_subjects:
            return PatientOutcome.failed(sid, f"subject {sid}: CVODE error at t = 100 h "
                                         "(test double)")
        return _simulate(patient, arm, seed)


def _simulate(patient: VirtualPatient, arm: ArmPlan, seed: int) -> PatientOutcome:
    rng = patient.rng(seed)
    cov, par = patient.covariates, patient.parameters
    sid = patient.subject_id
    horizon = arm.follow_up_days if patient.dropout_day is None else min(
        arm.follow_up_days, patient.dropout_day)
    plan = _dose_plan(arm.regimen, arm.label, arm.follow_up_days)
    sel = "selinexor" in plan
    btz = "bortezomib" in plan
    weekly_sel = sum(mg for d, mg in plan.get("selinexor", []) if d < 7.0)
    exposure = (weekly_sel / 160.0) * np.exp(-par.get("sel_eta_CL", 0.0)) if sel else 0.0
    myeloma = patient.disease == "myeloma"
    m0 = float(cov["m_protein_g_dl"] if myeloma else cov["spd_cm2"])
    kdeg = par.get("mm_mprotein_kdeg", 0.0021) * 24.0 if myeloma else 0.2
    grow = par.get("mm_kg0" if myeloma else "dlbcl_kg0", 3.3e-4) * 24.0 * 0.6
    kill_sel = (0.022 * (0.9 / par.get("XPO1_total0", 0.9))
                * (0.4 + 0.6 * par.get("p53_function", 1.0)))
    kill_sel *= float(np.exp(0.8 * rng.standard_normal()))
    kill_btz = 0.045 / par.get("pi_resistance", 1.0) * float(np.exp(0.5 * rng.standard_normal()))
    resistant = 0.05 + 0.3 * rng.random()
    plt_base, neu_base = float(cov["platelets_1e9_per_l"]), float(cov["neutrophils_1e9_per_l"])
    na_base = float(cov["sodium_mmol_per_l"])
    depth = min(0.97, 0.95 * exposure * float(np.exp(0.35 * rng.standard_normal())))
    ae_risk = {t: 0.006 * exposure * float(np.exp(0.5 * rng.standard_normal()))
               for t in ("nausea", "fatigue", "anorexia")}
    n_days = int(np.floor(horizon)) + 1
    level, held, hold_until_50 = 0, False, False
    burden_s, burden_r, marker = 1.0 - resistant, resistant, m0
    plt, neu, na = plt_base, neu_base, na_base
    labs = set(np.round(arm.lab_days, 6)) | set(np.round(arm.assessment_days, 6))
    tc_day, tc_var, tc_val, tc_unit = [], [], [], []
    dec_rows: list[tuple[Any, ...]] = []
    holds = reductions = 0
    on_treatment, eot_day, eot_reason = True, None, None
    max_grade = dict.fromkeys(TOXICITIES, 0)
    first34: dict[str, float | None] = dict.fromkeys(TOXICITIES, None)
    first_any: dict[str, float | None] = dict.fromkeys(TOXICITIES, None)
    given_days: dict[str, list[tuple[float, float]]] = {d: [] for d in plan}
    level_factor = (1.0, 0.625, 0.5, 0.375)
    ae_grade = dict.fromkeys(("nausea", "fatigue", "anorexia"), 0)
    progressed_day = None
    by_day: dict[int, list[tuple[str, float, float]]] = {}
    for drug, doses_ in plan.items():
        for d, mg in doses_:
            by_day.setdefault(int(d), []).append((drug, d, mg))
    for day in range(n_days):
        active = on_treatment and not held and (arm.treatment_days is None
                                                or day < arm.treatment_days)
        f = level_factor[min(level, 3)] if active else 0.0
        e = exposure * f
        k = (kill_sel * (f if sel else 0.0) + (kill_btz if btz and active else 0.0))
        burden_s = min(burden_s * np.exp(grow - k), 20.0)  # a plateau: it is a toy
        burden_r = min(burden_r * np.exp(grow * 2.0 - 0.1 * k), 20.0)
        target = m0 * (burden_s + burden_r)
        marker = target + (marker - target) * float(np.exp(-kdeg))  # exact daily step
        plt_target = plt_base * (1.0 - depth * f - (0.25 if btz and active else 0.0))
        plt += (max(plt_target, 5.0) - plt) / 12.0
        neu += (neu_base * (1.0 - 0.6 * depth * f) - neu) / 10.0
        na += (na_base - 8.0 * e - na) / 4.0
        for t in ae_grade:
            if rng.random() < ae_risk[t] * f:
                ae_grade[t] = min(3, ae_grade[t] + 1)
            elif ae_grade[t] and rng.random() < 0.08:
                ae_grade[t] -= 1
        if active:
            for drug, d, mg in by_day.get(day, ()):
                amount = mg * (level_factor[min(level, 3)] if drug == "selinexor"
                               else 1.0)
                given_days[drug].append((float(d), amount))
        if float(day) not in labs:
            continue
        grades = {"thrombocytopenia": 4 if plt < 25 else 3 if plt < 50 else 2 if plt < 75
                  else 1 if plt < plt_base * 0.9 else 0,
                  "neutropenia": 4 if neu < 0.5 else 3 if neu < 1.0 else 0,
                  "hyponatremia": 3 if na < 130 else 0, **ae_grade}
        for t, g in grades.items():
            max_grade[t] = max(max_grade[t], int(g))
            if g >= 3 and first34[t] is None:
                first34[t] = float(day)
            if g >= 1 and first_any[t] is None:
                first_any[t] = float(day)
        for var, val, unit in (("platelets_1e9_per_l", plt, "10^9/L"),
                               ("neutrophils_1e9_per_l", neu, "10^9/L"),
                               ("sodium_mmol_per_l", na, "mmol/L"),
                               ("m_protein_g_dl" if myeloma else "spd_cm2", marker,
                                "g/dL" if myeloma else "cm2")):
            tc_day.append(float(day))
            tc_var.append(var)
            tc_val.append(float(val))
            tc_unit.append(unit)
        if sel:
            tc_day += [float(day), float(day)]
            tc_var += ["Cp_selinexor_ng_ml", "xpo1_occupancy"]
            tc_val += [float(120.0 * e), float(min(1.0, 0.7 * e))]
            tc_unit += ["ng/mL", "1"]
        if not on_treatment or not arm.rule_sets:
            continue
        drug = "selinexor" if sel else "bortezomib"
        if held and plt >= (50 if hold_until_50 else 75):
            held = False
            level += 1
            dec_rows.append((sid, float(day), drug, "plt-resume", "platelets_1e9_per_l",
                             float(plt), "resume", f"level {level}"))
        elif not held and plt < 25:
            held, hold_until_50 = True, True
            holds += 1
            dec_rows.append((sid, float(day), drug, "plt-lt25", "platelets_1e9_per_l",
                             float(plt), "hold", ""))
        elif not held and plt < 75 and max_grade["thrombocytopenia"] < 3 and level == 0:
            level += 1
            reductions += 1
            dec_rows.append((sid, float(day), drug, "plt-25-75", "platelets_1e9_per_l",
                             float(plt), "reduce", f"level {level}"))
        if level > 3 and arm.stop_on_toxicity:
            on_treatment, eot_day, eot_reason = False, float(day), "toxicity"
            dec_rows.append((sid, float(day), drug, "past-last-level", "platelets_1e9_per_l",
                             float(plt), "discontinue", ""))
    # response on the assessment days within follow-up
    tc = pd.DataFrame({"subject_id": np.full(len(tc_day), sid, dtype=np.int64),
                       "day": tc_day, "variable": tc_var, "value": tc_val, "unit": tc_unit},
                      columns=list(TIME_COURSE_COLUMNS))
    marker_name = "m_protein_g_dl" if myeloma else "spd_cm2"
    a_days = [d for d in arm.assessment_days if d <= horizon]
    mk = tc[tc.variable == marker_name].set_index("day")["value"]
    values = mk.reindex(a_days).to_numpy()
    if len(a_days) >= 2:
        assess = assess_imwg if myeloma else assess_lugano
        resp = assess(a_days, values).subject(0)
    else:
        resp = None
    if resp is not None and resp.progression_day is not None:
        progressed_day = resp.progression_day
    follow = a_days[-1] if a_days else 0.0
    if progressed_day is not None and (eot_day is None or progressed_day < eot_day) \
            and arm.stop_on_progression:
        eot_day, eot_reason = progressed_day, "progression"
    if eot_day is None:
        if patient.dropout_day is not None and patient.dropout_day < arm.follow_up_days:
            eot_day, eot_reason = float(patient.dropout_day), "dropout"
        else:
            eot_day = float(arm.treatment_days if arm.treatment_days is not None
                            else arm.follow_up_days)
            eot_reason = "completed"
    doses = pd.DataFrame([(sid, d, drug, amt, "mg") for drug, v in given_days.items()
                          for d, amt in v if d < eot_day], columns=list(DOSE_COLUMNS))
    planned = {drug: sum(mg for d, mg in v if d < eot_day) for drug, v in plan.items()}
    rdi = {drug: (float(doses.loc[doses.drug == drug, "amount"].sum()) / planned[drug]
                  if planned[drug] > 0 else 1.0) for drug in plan}
    plt_tc = tc[tc.variable == "platelets_1e9_per_l"]
    i_min = int(np.argmin(plt_tc["value"].to_numpy()))
    exposure_metrics = {}
    if sel:
        base = weekly_sel / 160.0
        auc_w1 = 2 * 5386.0 * base * float(np.exp(-par.get("sel_eta_CL", 0.0)))
        exposure_metrics = {
            "selinexor_cmax_day1_ng_ml": 680.0 * (plan["selinexor"][0][1] / 80.0)
            * float(np.exp(-par.get("sel_eta_Vc", 0.0))),
            "selinexor_auc_week1_ng_h_per_ml": auc_w1,
            "selinexor_auc_cycle1_ng_h_per_ml": 4 * auc_w1,
            "selinexor_cavg_ng_ml": auc_w1 / 168.0 * rdi.get("selinexor", 1.0)}
    pfs_event = progressed_day is not None
    summary = OutcomeSummary(
        best_response=resp.best_response if resp else "NE",
        response_criteria="IMWG" if myeloma else "Lugano",
        days_to_response=resp.days_to_response if resp else None,
        duration_of_response_days=resp.duration_of_response_days if resp else None,
        response_censored=resp.response_censored if resp else False,
        progression_day=progressed_day, best_change=resp.best_change if resp else None,
        tumour_marker=marker_name,
        pfs_days=float(progressed_day if pfs_event else follow), pfs_event=pfs_event,
        os_days=None, os_event=None, end_of_treatment_day=float(eot_day),
        end_of_treatment_reason=eot_reason, follow_up_days=float(follow),
        platelet_nadir_1e9_per_l=float(plt_tc["value"].iloc[i_min]),
        platelet_nadir_day=float(plt_tc["day"].iloc[i_min]),
        first_grade34_day=first34, first_any_grade_day=first_any, max_grade=max_grade,
        dose_holds=holds,
        dose_reductions=reductions, dose_modified=bool(holds or reductions),
        relative_dose_intensity=rdi, exposure=exposure_metrics,
        baseline={marker_name: m0, "platelets_1e9_per_l": plt_base})
    decisions = pd.DataFrame(dec_rows, columns=list(DECISION_COLUMNS))
    return PatientOutcome(sid, summary, tc, decisions, doses)


def make_slow_double() -> TrialTestDouble:
    """The test double, 0.15 s per subject (to kill a run midway)."""
    return TrialTestDouble(delay_s=0.15)
