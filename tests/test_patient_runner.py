"""The patient runner against the trial contract (xposim.patient.outcome).

Kind: interface laws — the simulator is the PatientSimulator the trial layer calls; a
patient is a pure function of (patient, arm, seed); failures are returned, not raised;
the tables have the contract's columns and units; bad arms fail at once, naming the field.
"""

from __future__ import annotations

import pickle

import pandas as pd
import pytest

from xposim.errors import InputError
from xposim.patient.arm import default_arm, packaged_rule_book
from xposim.patient.outcome import (
    DECISION_COLUMNS,
    DOSE_COLUMNS,
    STANDARD_VARIABLES,
    TIME_COURSE_COLUMNS,
    TOXICITIES,
    ArmPlan,
    PatientSimulator,
    VirtualPatient,
)
from xposim.patient.runner import ClinicalPatientSimulator


@pytest.fixture(scope="module")
def sim() -> ClinicalPatientSimulator:
    return ClinicalPatientSimulator()


@pytest.fixture(scope="module")
def arm() -> ArmPlan:
    return default_arm("label:selinexor-dex", "myeloma", 12)


def _patient(subject: int = 7, **params: float) -> VirtualPatient:
    return VirtualPatient(subject_id=subject, arm="Xd", disease="myeloma",
                          covariates={"weight_kg": 72.0, "height_cm": 168.0, "sex": "F",
                                      "platelets_1e9_per_l": 180.0, "m_protein_g_dl": 2.0},
                          parameters=params)


def test_it_is_the_contracts_patient_simulator_and_rebuilds_from_its_recipe(sim, arm):
    assert isinstance(sim, PatientSimulator)
    recipe = pickle.loads(pickle.dumps(sim.recipe))
    other = recipe.build()
    assert isinstance(other, ClinicalPatientSimulator)
    a = sim.simulate(_patient(), arm, seed=5)
    b = other.simulate(_patient(), arm, seed=5)
    assert a.summary == b.summary
    pd.testing.assert_frame_equal(a.time_course, b.time_course)
    assert len(sim.model_hash()) == 64
    values = sim.parameter_values()
    for name in ("XPO1_total0", "p53_function", "GR_level", "pi_resistance", "mm_kg0",
                 "plt_base", "sel_eta_CL", "btz_eta_CL", "mm_kill_max"):
        assert name in values, name
    assert not any(n.startswith("qss_") for n in values)
    assert sim.parameter_units()["XPO1_total0"] == "nM"


def test_a_patient_is_a_pure_function_of_patient_arm_and_seed(sim, arm):
    first = sim.simulate(_patient(), arm, seed=11)
    sim.simulate(_patient(subject=8, XPO1_total0=2000.0), arm, seed=3)  # something else
    again = sim.simulate(_patient(), arm, seed=11)
    assert first.summary == again.summary
    pd.testing.assert_frame_equal(first.decisions, again.decisions)
    # another seed or subject draws other adverse-event grades, nothing else changes
    # (to the solver's tolerance: a reset chain changes the integrator's steps)
    other = sim.simulate(_patient(), arm, seed=12)
    assert other.summary.platelet_nadir_1e9_per_l == pytest.approx(
        first.summary.platelet_nadir_1e9_per_l, rel=1e-4)


def test_the_outcome_follows_the_contract(sim, arm):
    out = sim.simulate(_patient(), arm, seed=1)
    s = out.summary
    assert out.failure is None and s is not None
    assert tuple(out.time_course.columns) == TIME_COURSE_COLUMNS
    assert tuple(out.decisions.columns) == DECISION_COLUMNS
    assert tuple(out.doses.columns) == DOSE_COLUMNS
    tc = out.time_course
    assert set(tc["day"]) <= set(arm.lab_days) | set(arm.assessment_days)
    for name, unit in STANDARD_VARIABLES.items():
        sub = tc[tc["variable"] == name]
        if len(sub):
            assert set(sub["unit"]) == {unit}, name
    assert {"m_protein_g_dl", "platelets_1e9_per_l", "Cp_selinexor_ng_ml",
            "xpo1_occupancy"} <= set(tc["variable"])
    # the baseline M-protein is the covariate's (burden from burden_for_m_protein)
    assert s.baseline["m_protein_g_dl"] == pytest.approx(2.0, rel=1e-9)
    assert s.baseline["platelets_1e9_per_l"] == pytest.approx(180.0)
    assert set(s.first_grade34_day) == set(TOXICITIES) == set(s.max_grade)
    assert set(s.relative_dose_intensity) == {"selinexor", "dexamethasone"}
    assert 0 < s.relative_dose_intensity["selinexor"] <= 1.0
    assert {"selinexor_cmax_day1_ng_ml", "selinexor_auc_week1_ng_h_per_ml",
            "selinexor_auc_cycle1_ng_h_per_ml", "selinexor_cavg_ng_ml"} <= set(s.exposure)
    # 80 mg single dose: label Cmax 680 +- 124 ng/mL for a typical patient (PK fitted to
    # it: a fit regression, not a validation)
    assert 500 < s.exposure["selinexor_cmax_day1_ng_ml"] < 850
    assert s.pfs_event == (s.progression_day is not None)
    assert s.end_of_treatment_reason in ("completed", "progression", "toxicity")
    row = s.to_row()
    assert "rdi_selinexor" in row


def test_doses_given_follow_the_decisions(sim, arm):
    """Every selinexor dose given is the dose level in force that day (the new dose of the
    last reduction or resumption before it), given on that level's schedule."""
    from xposim.pharmacology.regimen.text import parse_regimen

    out = sim.simulate(_patient(), arm, seed=1)
    sel = out.decisions[(out.decisions["drug"] == "selinexor")
                        & out.decisions["action"].isin(["reduce", "resume"])]
    changes = sel.drop_duplicates("day")[["day", "new_dose"]].to_numpy()
    assert len(changes) >= 2
    doses = out.doses[out.doses["drug"] == "selinexor"].sort_values("day")
    for day, amount in doses[["day", "amount"]].to_numpy():
        in_force = [text for d, text in changes if d <= day]
        text = in_force[-1] if in_force else "selinexor 80 mg PO days 1,3 weekly"
        regimen = parse_regimen(text)
        assert amount == regimen.records[0].amount
        assert any(abs(t / 24.0 - day) < 1e-9 for t in
                   (x.time_h for x in regimen.doses(24.0 * (day + 1)))), (day, text)
    # the relative dose intensity is what was given over what was planned
    planned = 2 * 80.0 * 12  # 12 weeks of 80 mg twice weekly
    assert out.summary.relative_dose_intensity["selinexor"] == pytest.approx(
        doses["amount"].sum() / planned)


def test_a_solver_failure_is_returned_naming_subject_and_time(sim, arm):
    # 0**500 / (0.05**500 + 0**500) = 0/0 underflows to NaN in the untreated cell
    out = sim.simulate(_patient(subject=42, mm_kill_hill=500.0, mm_kill_ec50=0.05), arm,
                       seed=1)
    assert out.summary is None
    assert "subject 42" in out.failure and "day" in out.failure


def test_unknown_parameters_are_refused_and_pk_of_absent_drugs_ignored(sim, arm):
    with pytest.raises(InputError, match="not a parameter of the patient model"):
        sim.simulate(_patient(no_such_thing=1.0), arm, seed=1)
    # bortezomib PK parameters change nothing when no bortezomib is given
    a = sim.simulate(_patient(btz_eta_CL=0.5), arm, seed=1)
    b = sim.simulate(_patient(), arm, seed=1)
    assert a.summary == b.summary


def test_a_value_in_the_wrong_unit_is_refused(sim, arm):
    """Patient parameters are canonical (XPO1_total0 in nM): 0.9 meant as uM is 300-fold
    below the bounds and refused, naming the parameter and its unit."""
    with pytest.raises(InputError, match=r"XPO1_total0.*canonical model units \(nM\)"):
        sim.simulate(_patient(XPO1_total0=0.9), arm, seed=1)
    with pytest.raises(InputError, match="plt_base"):
        sim.simulate(_patient(plt_base=190.0), arm, seed=1)  # 10^9/L, not cells/L


def test_arms_the_model_cannot_run_fail_at_once(sim):
    arm = default_arm("label:selinexor-dex", "myeloma", 4)
    book = packaged_rule_book()
    book["labs"]["ldh_u_per_l"] = {"unit": "U/L", "description": "not simulated"}  # type: ignore[index]
    book["selinexor-mm"]["rules"][0]["when"] = "ldh_u_per_l > 250"  # type: ignore[index]
    bad = ArmPlan(**{**arm.__dict__, "rule_book": book})
    with pytest.raises(InputError, match=r"sel-plt-25-75.*ldh_u_per_l.*does not simulate"):
        sim.check_arm(bad)
    with pytest.raises(InputError, match="weeks"):
        default_arm("label:selinexor-dex", "myeloma", -1)
    with pytest.raises(InputError):
        default_arm("carfilzomib 20 mg/m2 IV weekly", "myeloma", 4)
    book = packaged_rule_book()
    book["selinexor-mm"]["rules"][0]["when"] = "ldh_u_per_l > 250"  # type: ignore[index]
    with pytest.raises(InputError, match="unknown lab 'ldh_u_per_l'"):
        default_arm("label:selinexor-dex", "myeloma", 4, rule_book=book)


def test_labs_the_model_does_not_simulate_read_as_absent_or_normal(sim):
    """Haemoglobin, bleeding, febrile neutropenia, neuropathy and other grade 3-4 events
    are not simulated: a protocol that leaves their rules on runs, and they never fire."""
    arm = default_arm("label:selinexor-dex", "myeloma", 8)
    on = ArmPlan(**{**arm.__dict__, "disabled_rules": ()})
    out = sim.simulate(_patient(), on, seed=1)
    assert not out.decisions["rule"].isin(["sel-hb-lt8", "sel-other-g34"]).any()
    off = sim.simulate(_patient(), arm, seed=1)
    assert out.summary == off.summary


def test_treatment_stops_at_confirmed_progression():
    """IMWG: progression is confirmed by two consecutive PD assessments and dated at the
    first; treatment stops at the confirmation (arm.stop_on_progression) and the
    patient's observation ends there."""
    sim = ClinicalPatientSimulator(preset="myeloma-c528s")
    arm = default_arm("label:selinexor-dex", "myeloma", 40)
    out = sim.simulate(_patient(mm_kg0=1.5e-3), arm, seed=1)
    s = out.summary
    assert s.progression_day is not None and s.pfs_event
    assert s.end_of_treatment_reason == "progression"
    assert s.end_of_treatment_day == s.progression_day + 28.0
    assert out.time_course["day"].max() == s.end_of_treatment_day
    assert out.doses["day"].max() < s.end_of_treatment_day
