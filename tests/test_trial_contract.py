"""The patient contract (xposim.patient.outcome): what a simulated patient must return.

The test double used here (tests/trial_double.py) is a toy stand-in for the patient model,
never a model; these tests check the contract's own validation and that the double obeys
it, so the trial layer's tests exercise the real interface.
"""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from trial_double import make_double

from xposim.errors import InputError
from xposim.patient.outcome import (
    TOXICITIES,
    OutcomeSummary,
    PatientOutcome,
    PatientSimulator,
    SimulatorRecipe,
    VirtualPatient,
)
from xposim.trials.protocol import load_protocol
from xposim.trials.run import make_patient


def _summary(**kw):
    base = dict(best_response="PR", response_criteria="IMWG", days_to_response=28.0,
                duration_of_response_days=56.0, response_censored=False,
                progression_day=84.0, best_change=-0.6, tumour_marker="m_protein_g_dl",
                pfs_days=84.0, pfs_event=True, os_days=None, os_event=None,
                end_of_treatment_day=84.0, end_of_treatment_reason="progression",
                follow_up_days=112.0, platelet_nadir_1e9_per_l=40.0, platelet_nadir_day=21.0,
                first_grade34_day={t: None for t in TOXICITIES} | {"thrombocytopenia": 21.0},
                first_any_grade_day=dict.fromkeys(TOXICITIES, 7.0),
                max_grade=dict.fromkeys(TOXICITIES, 1) | {"thrombocytopenia": 3},
                dose_holds=1, dose_reductions=2, dose_modified=True,
                relative_dose_intensity={"selinexor": 0.7, "dexamethasone": 0.9})
    return OutcomeSummary(**(base | kw))


def test_summary_flattens_to_one_row():
    row = _summary().to_row()
    assert row["best_response"] == "PR" and row["rdi_selinexor"] == 0.7
    assert row["first_grade34_day_thrombocytopenia"] == 21.0
    assert np.isnan(row["first_grade34_day_nausea"]) and np.isnan(row["os_days"])


@pytest.mark.parametrize("bad, field", [
    ({"best_response": "GOOD"}, "best_response"),
    ({"end_of_treatment_reason": "bored"}, "end_of_treatment_reason"),
    ({"first_grade34_day": {"thrombocytopenia": 3.0}}, "first_grade34_day"),
    ({"os_days": 100.0}, "os_event"),
    ({"progression_day": -1.0}, "progression_day"),
    ({"pfs_days": float("nan")}, "pfs_days"),
])
def test_summary_refuses_bad_values_naming_the_field(bad, field):
    with pytest.raises(InputError, match=field):
        _summary(**bad)


def test_outcome_is_a_summary_or_a_failure_with_standard_tables():
    ok = PatientOutcome(3, _summary())
    assert list(ok.time_course.columns) == ["subject_id", "day", "variable", "value", "unit"]
    bad = PatientOutcome.failed(3, "subject 3: CVODE failed at t = 12 h")
    assert bad.summary is None and "t = 12 h" in bad.failure
    with pytest.raises(InputError, match="summary"):
        PatientOutcome(3, None)
    with pytest.raises(InputError, match="time_course"):
        PatientOutcome(3, _summary(), time_course=pd.DataFrame({"day": [0.0]}))


def test_recipe_pickles_as_data_and_builds_a_simulator():
    double = make_double(fail_subjects=(2,))
    assert isinstance(double, PatientSimulator)
    recipe = pickle.loads(pickle.dumps(double.recipe))
    assert recipe == double.recipe
    rebuilt = recipe.build()
    assert rebuilt.fail_subjects == (2,)
    with pytest.raises(InputError, match="factory"):
        SimulatorRecipe("no_colon")
    with pytest.raises(InputError, match="cannot import"):
        SimulatorRecipe("no.such.module:f").build()


def test_patient_stream_is_a_function_of_seed_and_patient_only():
    p = VirtualPatient(7, "Xd", "myeloma", {"age_years": 60}, {"XPO1_total0": 0.9})
    q = VirtualPatient(7, "Xd", "myeloma", {"age_years": 61}, {})
    assert p.rng(1).random() == q.rng(1).random() != p.rng(2).random()
    with pytest.raises(InputError, match="subject_id"):
        VirtualPatient(-1, "Xd", "myeloma", {}, {})


def test_double_obeys_the_contract_on_every_builtin_protocol():
    double = make_double()
    for name in ("storm", "boston", "sadal"):
        proto = load_protocol(name)
        for arm in proto.arm_names:
            patient, _ = make_patient(proto, arm, 0, seed=3)
            out = double.simulate(patient, proto.arm_plan(arm), seed=3)
            assert out.failure is None and out.summary is not None
            assert set(out.time_course["variable"]) >= {"platelets_1e9_per_l"}
            again = double.simulate(patient, proto.arm_plan(arm), seed=3)
            pd.testing.assert_frame_equal(out.time_course, again.time_course)


def _public(columns, arrays):
    """What pandas' public constructor makes of the arrays (object arrays kept object)."""
    return pd.DataFrame({c: (pd.Series(a, dtype=object) if isinstance(a, np.ndarray)
                             and a.dtype == object else a)
                         for c, a in zip(columns, arrays, strict=True)})


@pytest.mark.parametrize("n", [0, 3])
def test_outcome_from_arrays_equals_the_constructor_and_checks_the_arrays(n):
    """The runner's path (tables from column arrays, checked as arrays) gives the frames
    the constructor would hold: values, dtypes, column index; and refuses what the
    constructor refuses."""
    from xposim.patient.outcome import (
        DECISION_COLUMNS,
        DOSE_COLUMNS,
        TIME_COURSE_COLUMNS,
        decision_table,
    )

    def text(*words):
        a = np.empty(n, dtype=object)
        a[:] = [words[i % len(words)] for i in range(n)]
        return a

    strings = pd.Series(["m_protein_g_dl", "plt"] * n).array[:n]  # pandas' own text array
    tc = [np.full(n, 3, dtype=np.int64), np.arange(n, dtype=float), strings,
          np.linspace(0, 1, n), pd.Series(["g/dL"] * n, dtype=strings.dtype).array]
    dec = [np.full(n, 3, dtype=np.int64), np.arange(n, dtype=float), text("selinexor"),
           text("plt<25"), text("plt", ""), np.full(n, 20.0), text("hold"), text("", "60 mg")]
    dose = [np.full(n, 3, dtype=np.int64), np.arange(n, dtype=float), text("selinexor"),
            np.full(n, 80.0), text("mg")]
    fast = PatientOutcome.from_arrays(3, _summary(), time_course=tc, decisions=dec,
                                      doses=dose)
    slow = PatientOutcome(3, _summary(), time_course=_public(TIME_COURSE_COLUMNS, tc),
                          decisions=_public(DECISION_COLUMNS, dec),
                          doses=_public(DOSE_COLUMNS, dose))
    assert fast.summary == slow.summary and fast.subject_id == slow.subject_id == 3
    for name in ("time_course", "decisions", "doses"):
        a, b = getattr(fast, name), getattr(slow, name)
        pd.testing.assert_frame_equal(a, b, check_exact=True, check_column_type=True)
        assert a.columns.dtype == b.columns.dtype
    assert decision_table(3, []).dtypes.equals(PatientOutcome(3, _summary()).decisions.dtypes)
    failed = PatientOutcome.from_arrays(3, None, failure="subject 3: CVODE failed",
                                        time_course=tc, decisions=dec, doses=dose)
    assert failed.failure == "subject 3: CVODE failed" and failed.summary is None
    with pytest.raises(InputError, match="summary"):
        PatientOutcome.from_arrays(3, None, time_course=tc, decisions=dec, doses=dose)
    with pytest.raises(InputError, match="doses"):
        PatientOutcome.from_arrays(3, _summary(), time_course=tc, decisions=dec,
                                   doses=dose[:4])
    if n:
        with pytest.raises(InputError, match="time_course"):  # unequal lengths
            PatientOutcome.from_arrays(3, _summary(), time_course=[tc[0][:1], *tc[1:]],
                                       decisions=dec, doses=dose)
        with pytest.raises(InputError, match="time_course"):  # another subject's rows
            PatientOutcome.from_arrays(4, _summary(), time_course=tc, decisions=dec,
                                       doses=dose)
