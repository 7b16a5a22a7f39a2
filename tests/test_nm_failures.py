"""Subjects the engine cannot handle: named by row and ID; ``on_error="skip"`` runs the rest.

The other subjects' numbers are checked against the 1-compartment bolus closed form
C(t) = D/V·e^{-kt}, k = CL/V, so skipping one subject cannot disturb another.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from xposim.errors import InputError
from xposim.pharmacology.nonmem import MatrixModel, nm_simulate

CL, V = 2.0, 10.0
K = CL / V


def dataset(bad: dict) -> pd.DataFrame:
    """Subjects 1 and 3 fine (100 at t=0, observed at 2 h); subject 2 has ``bad``."""
    rows = []
    for sid in (1, 2, 3):
        d = {"ID": sid, "TIME": 0.0, "AMT": 100.0, "EVID": 1, "CMT": 1, "RATE": 0.0,
             "II": 0.0, "SS": 0}
        if sid == 2:
            d |= bad
        rows += [d, {"ID": sid, "TIME": 2.0, "AMT": 0.0, "EVID": 0, "CMT": 1, "RATE": 0.0,
                     "II": 0.0, "SS": 0}]
    return pd.DataFrame(rows)


CASES = [
    ({"RATE": -1.0}, "row 3 (ID 2): RATE=-1 needs the modelled rate R<CMT> > 0"),
    ({"CMT": 2}, "row 3 (ID 2): CMT of a dose must be 1..1 for this model"),
    ({"WT": 0.0}, "row 3 (ID 2): parameter V = 10*70/WT is not finite, got inf"),
]


@pytest.mark.parametrize(("bad", "message"), CASES)
def test_a_failing_subject_is_named_by_row_and_id(bad, message):
    data = dataset(bad)
    data["WT"] = data["WT"].fillna(70.0) if "WT" in data else 70.0
    with pytest.raises(InputError) as err:
        nm_simulate(data, "1cmt-iv", ["CL=2", "V=10*70/WT"], ["C=A1/V"])
    assert message in str(err.value)


@pytest.mark.parametrize(("bad", "message"), CASES)
def test_skip_runs_the_other_subjects(bad, message):
    data = dataset(bad)
    data["WT"] = data["WT"].fillna(70.0) if "WT" in data else 70.0
    out = nm_simulate(data, "1cmt-iv", ["CL=2", "V=10*70/WT"], ["C=A1/V"],
                      on_error="skip")
    c = out["C"].to_numpy()
    np.testing.assert_allclose(c[[0, 1, 4, 5]], [10.0, 10 * math.exp(-2 * K)] * 2,
                               rtol=1e-12)
    assert np.isnan(c[[2, 3]]).all()
    (skipped,) = out.attrs["skipped"]
    assert skipped["ID"] == 2 and skipped["row"] == 3 and message in skipped["reason"]


def test_non_finite_parameter_of_one_subject_is_skipped():
    data = dataset({})
    data["WT"] = [70.0, 70.0, -5.0, -5.0, 80.0, 80.0]
    out = nm_simulate(data, "1cmt-iv", ["CL=2*(WT/70)**0.75", "V=10"], ["C=A1/V"],
                      on_error="skip")
    assert np.isnan(out["C"].iloc[2:4]).all() and np.isfinite(out["C"].iloc[[0, 1, 4, 5]]).all()
    assert "row 3 (ID 2): parameter CL = 2*(WT/70)**0.75 is not finite, got nan" in \
        out.attrs["skipped"][0]["reason"]


def test_a_steady_state_that_does_not_exist_names_the_subject():
    # no elimination (K = 0): an SS=1 dose train has no steady state
    model = MatrixModel("no-elimination", ("CENTRAL",), np.zeros((1, 1)))
    data = pd.DataFrame({"ID": [1, 1, 2, 2], "TIME": [0.0, 1.0, 0.0, 1.0],
                         "AMT": [10.0, 0, 10.0, 0], "EVID": [1, 0, 1, 0], "CMT": 1,
                         "II": [0.0, 0, 12.0, 0], "SS": [0, 0, 1, 0]})
    with pytest.raises(InputError, match=r"row 3 \(ID 2\): steady state does not exist"):
        nm_simulate(data, model, {}, ["C=A1"])
    out = nm_simulate(data, model, {}, ["C=A1"], on_error="skip")
    assert out["C"].iloc[:2].tolist() == [10.0, 10.0] and out["C"].iloc[2:].isna().all()


@pytest.mark.parametrize("method", ["closed-form", "ode"])
def test_constant_infusion_with_modelled_rate_and_endogenous_zero_rate(method):
    # RATE=-1 on a constant infusion: the modelled rate R1; F does not apply (NONMEM help
    # PRCOMU: bioavailability applies to every dose but the steady-state constant
    # infusion). RATE=0: the steady state of the unforced system (zero here).
    data = pd.DataFrame({"ID": [1, 1, 2, 2], "TIME": [0.0, 3.0, 0.0, 3.0],
                         "AMT": 0.0, "EVID": [1, 0, 1, 0], "CMT": 1,
                         "RATE": [-1.0, 0, 0.0, 0], "SS": [1, 0, 1, 0]})
    out = nm_simulate(data, "1cmt-iv", {"CL": CL, "V": V, "R1": 5.0, "F1": 0.5},
                      ["C=A1/V"], method=method)["C"].to_numpy()
    np.testing.assert_allclose(out, [5 / CL, 5 / CL * math.exp(-3 * K), 0.0, 0.0],
                               rtol=1e-7, atol=1e-12)


@pytest.mark.parametrize(("change", "message"), [
    ({"ADDL": 2}, "row 1: a steady-state constant infusion (SS>0, AMT=0) cannot have ADDL"),
    ({"II": 12.0}, "row 1: a steady-state constant infusion (SS>0, AMT=0) needs II=0"),
    ({"RATE": -2.0}, "row 1: a steady-state constant infusion (SS>0, AMT=0) takes RATE"),
])
def test_constant_infusion_dataset_rules(change, message):
    data = pd.DataFrame([{"ID": 1, "TIME": 0.0, "AMT": 0.0, "EVID": 1, "CMT": 1,
                          "RATE": 5.0, "II": 0.0, "SS": 1, "ADDL": 0} | change])
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        nm_simulate(data, "1cmt-iv", {"CL": CL, "V": V}, ["C=A1/V"])
