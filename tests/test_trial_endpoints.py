"""Endpoint arithmetic against hand-worked numbers and closed forms (laws, not fits)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from xposim.patient.outcome import TOXICITIES
from xposim.trials.endpoints import (
    DAYS_PER_MONTH,
    arm_endpoints,
    clopper_pearson,
    cox_hazard_ratio,
    json_summary,
    km_median,
)


def test_clopper_pearson_closed_forms_and_known_values():
    # x = 0 and x = n have closed forms: 1 - (a/2)^(1/n) and (a/2)^(1/n)
    lo, hi = clopper_pearson(0, 10)
    assert lo == 0.0 and math.isclose(hi, 1 - 0.025 ** 0.1, rel_tol=1e-9)
    lo, hi = clopper_pearson(10, 10)
    assert hi == 1.0 and math.isclose(lo, 0.025 ** 0.1, rel_tol=1e-9)
    # textbook value: 5/20 -> 0.0866 to 0.4910
    lo, hi = clopper_pearson(5, 20)
    assert abs(lo - 0.0866) < 1e-4 and abs(hi - 0.4910) < 1e-4
    # STORM reports ORR 26% (95% CI 19-35) for 32/122 - an exact interval
    lo, hi = clopper_pearson(32, 122)
    assert round(lo, 2) == 0.19 and round(hi, 2) == 0.35


def test_km_median_hand_worked():
    # all events: S = .8 .6 .4 .2 0 -> median is the first time S <= 0.5: 3
    assert km_median([1, 2, 3, 4, 5], [1] * 5)["median"] == 3.0
    # one censored at 2: S(1) = 5/6, S(2) = 5/6 * 4/5 = 2/3, S(3) = 2/3 * 2/3 = 4/9 -> 3
    r = km_median([1, 2, 2, 3, 4, 5], [1, 1, 0, 1, 1, 0])
    assert r["median"] == 3.0 and r["events"] == 4
    # never below one half: not reached
    assert km_median([1, 2, 3, 4], [1, 0, 0, 0])["median"] is None


def test_km_median_of_exponential_data_is_ln2_over_rate():
    rng = np.random.default_rng(20261201)
    rate = math.log(2) / 90.0  # median 90 days
    t = rng.exponential(1 / rate, 4000)
    r = km_median(t, np.ones_like(t, dtype=bool))
    # SE of a sample median: 1 / (2 f(m) sqrt(n)), f(m) = rate/2 -> 1/(rate sqrt(n)) = 2.05 d
    se = 1 / (rate * math.sqrt(4000))
    assert abs(r["median"] - 90.0) < 4 * se
    # the CI half-width matches the asymptotic 1.96 SE = 4.0 days
    half = (r["ci"][1] - r["ci"][0]) / 2
    assert abs(half - 1.96 * se) < 0.2 * 1.96 * se
    # administrative censoring at 120 days leaves the median estimable and unbiased
    cens = np.minimum(t, 120.0)
    r2 = km_median(cens, t <= 120.0)
    assert abs(r2["median"] - 90.0) < 4 * se * 1.2


def test_cox_hazard_ratio_of_two_exponential_arms():
    rng = np.random.default_rng(7)
    n = 2000
    control = rng.exponential(100.0, n)
    treated = rng.exponential(200.0, n)  # half the hazard
    hr = cox_hazard_ratio(np.r_[control, treated], np.ones(2 * n, bool),
                          np.r_[np.zeros(n), np.ones(n)])
    assert abs(hr["value"] - 0.5) < 0.05 and hr["ci"][0] < 0.5 < hr["ci"][1]
    assert cox_hazard_ratio([1, 2], [0, 0], [0, 1])["value"] is None


def _arm_frame() -> pd.DataFrame:
    best = ["VGPR", "PR", "PR", "MR", "MR", "SD", "SD", "SD", "PD", "NE"]
    n = len(best)
    df = pd.DataFrame({
        "arm": "A", "subject_id": range(n), "failure": "", "best_response": best,
        "response_criteria": "IMWG",
        "days_to_response": [28, 28, 56, None, None, None, None, None, None, None],
        "duration_of_response_days": [100, 50, 30] + [None] * 7,
        "response_censored": [False, False, True] + [False] * 7,
        "pfs_days": [128, 78, 86, 60, 40, 30, 30, 20, 10, 5],
        "pfs_event": [True, True, False, True, True, True, True, True, True, False],
        "os_days": np.nan, "os_event": np.nan,
        "end_of_treatment_day": [128, 78, 86, 60, 40, 30, 30, 20, 10, 5],
        "end_of_treatment_reason": ["progression"] * 8 + ["toxicity", "dropout"],
        "dose_holds": [1, 0, 0, 2, 0, 0, 0, 0, 0, 0],
        "dose_reductions": [1, 1, 0, 0, 0, 0, 0, 0, 0, 0],
        "dose_modified": [True, True, False, True] + [False] * 6,
        "platelet_nadir_1e9_per_l": 60.0, "rdi_selinexor": 0.8})
    for t in TOXICITIES:
        df[f"first_grade34_day_{t}"] = np.nan
        df[f"first_any_grade_day_{t}"] = np.nan
    df.loc[:3, "first_grade34_day_thrombocytopenia"] = [21.0, 28.0, 35.0, 14.0]
    df.loc[:5, "first_any_grade_day_thrombocytopenia"] = [7.0, 14.0, 14.0, 7.0, 21.0, 28.0]
    return df


def test_arm_endpoints_hand_worked():
    a = arm_endpoints(_arm_frame())
    assert a["n"] == 10
    assert a["orr"] == 0.3 and a["orr_ci"] == pytest.approx(clopper_pearson(3, 10))
    assert a["vgpr_or_better"] == 0.1 and a["mr_or_better"] == 0.5 and a["cbr"] == 0.5
    assert a["median_time_to_response_weeks"] == 4.0  # median of 4, 4, 8 weeks
    assert a["time_to_response_range_weeks"] == [4.0, 8.0]
    assert a["grade34_thrombocytopenia"] == 0.4
    assert a["median_onset_thrombocytopenia_days"] == 14.0  # any grade: 7,7,14,14,21,28
    assert a["median_onset_grade34_thrombocytopenia_days"] == 24.5
    assert a["dose_held"] == 0.2 and a["dose_reduced"] == 0.2 and a["dose_modified"] == 0.3
    assert a["discontinued_toxicity"] == 0.1
    assert a["relative_dose_intensity"] == {"selinexor": 0.8}
    # PFS by hand (censored at 5 and 86): S(10) = 8/9, S(20) = 8/9 * 7/8 = 7/9,
    # S(30) = 7/9 * 5/7 = 5/9 = 0.556, S(40) = 5/9 * 4/5 = 4/9 = 0.444 -> median 40 days
    assert a["median_pfs_months"] == pytest.approx(40 / DAYS_PER_MONTH, rel=1e-12)
    assert a["median_os_months"] is None


def test_any_grade_thrombocytopenia_counts_new_or_worsening_and_grade_4_below_25():
    """CTCAE v5 lines (150, 75, 50, 25 x 10^9/L): a patient at grade 1 at baseline counts
    for any grade only from grade 2 (new or worsening, as the label counts)."""
    df = _arm_frame()
    df["baseline_platelets_1e9_per_l"] = [200, 200, 120, 120, 120, 60, 200, 200, 200, 200]
    df["max_grade_thrombocytopenia"] = [1, 4, 1, 2, 4, 2, 0, 3, 0, 0]
    a = arm_endpoints(df)
    # new or worsening: rows 0 (0->1), 1 (0->4), 3 (1->2), 4 (1->4), 7 (0->3); row 2 stays
    # at grade 1, row 5 at grade 2
    assert a["any_grade_thrombocytopenia"] == 0.5
    assert a["any_grade_thrombocytopenia_ci"] == pytest.approx(clopper_pearson(5, 10))
    assert a["grade4_thrombocytopenia"] == 0.2


def test_json_summary_has_the_documented_keys():
    ep = {"protocol": "p", "arms": {"A": arm_endpoints(_arm_frame())},
          "hazard_ratio_pfs": 0.7, "hazard_ratio_pfs_ci": [0.5, 0.9],
          "hazard_ratio_pfs_arms": ["A", "B"]}
    out = json_summary(ep)
    for key in ("n", "orr", "mr_or_better", "median_pfs_months",
                "median_time_to_response_weeks", "grade34_thrombocytopenia",
                "median_onset_thrombocytopenia_days", "dose_modified"):
        assert key in out["arms"]["A"]
    assert out["hazard_ratio_pfs"] == 0.7
