"""The conformance check that the patient model (issue 13) must pass, exercised on the test
double (tests/trial_double.py, never a model) and on deliberately broken doubles."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from trial_double import TrialTestDouble, make_double

from xposim.patient.outcome import decision_table, dose_table
from xposim.patient.rules import dose_rules
from xposim.pharmacology.label_regimens import label_regimen
from xposim.trials.conformance import check_patient_simulator


def test_the_test_double_conforms():
    assert check_patient_simulator(make_double(), protocols=("storm", "sadal"), n=2) == []


class Leaky(TrialTestDouble):
    """Carries state from one patient to the next (a persisting override)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def simulate(self, patient, arm, *, seed):
        self.calls += 1
        out = super().simulate(patient, arm, seed=seed)
        s = dataclasses.replace(out.summary, dose_holds=out.summary.dose_holds + self.calls)
        return dataclasses.replace(out, summary=s)


class WrongUnits(TrialTestDouble):
    def simulate(self, patient, arm, *, seed):
        out = super().simulate(patient, arm, seed=seed)
        tc = out.time_course.copy()
        tc.loc[tc["variable"] == "platelets_1e9_per_l", "unit"] = "cells/uL"
        return dataclasses.replace(out, time_course=tc)


def test_broken_simulators_are_caught():
    leaky = check_patient_simulator(Leaky(), protocols=("storm",), n=2)
    assert any("depends on the patients simulated before it" in p for p in leaky)
    units = check_patient_simulator(WrongUnits(), protocols=("storm",), n=1)
    assert any("platelets_1e9_per_l in cells/uL" in p for p in units)


def test_helpers_build_the_decision_and_dose_tables_from_rules_and_doses():
    rules = dose_rules("selinexor-dex", ["selinexor-mm", "dexamethasone-xd"])
    labs = dict.fromkeys(rules.required_labs, 0.0) | {
        "platelets_1e9_per_l": 20.0, "neutrophils_1e9_per_l": 3.0, "sodium_mmol_per_l": 140.0,
        "hemoglobin_g_per_dl": 12.0}
    decisions, _ = rules.evaluate(labs, rules.initial_state(), day=21.0)
    table = decision_table(4, decisions)
    first = table.iloc[0]
    assert (first["rule"], first["lab"], first["lab_value"], first["action"]) == (
        "sel-plt-lt25", "platelets_1e9_per_l", 20.0, "hold")
    assert np.isnan(table.iloc[-1]["lab_value"])  # dexamethasone follows: no lab read
    doses = dose_table(4, label_regimen("selinexor-dex").regimen.doses(7 * 24.0))
    assert list(doses["day"]) == [0.0, 0.0, 2.0, 2.0]
    assert set(doses["amount"]) == {80.0, 20.0}
    assert isinstance(doses, pd.DataFrame)


def test_the_clinical_patient_model_conforms_on_storm():
    """The built-in patient model keeps the trial contract (fast: one STORM patient)."""
    from xposim.trials.model import patient_model_recipe

    sim = patient_model_recipe().build()
    assert sim.name == "xposim-clinical"
    assert check_patient_simulator(sim, protocols=("storm",), n=1) == []


@pytest.mark.slow
def test_the_clinical_patient_model_conforms_on_every_builtin_protocol():
    """storm, boston-vd, boston and sadal (myeloma and DLBCL, with bortezomib), 2 patients
    per arm (measured: 0 problems, ~30 s)."""
    from xposim.patient.runner import clinical_simulator

    assert check_patient_simulator(clinical_simulator(), n=2) == []
