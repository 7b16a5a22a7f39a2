"""IMWG response (Kumar et al., Lancet Oncol 2016) on hand-worked M-protein trajectories.

Assessments every 28 days; column 0 is baseline. Each case says what IMWG calls it and
why, worked by hand.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from xposim.errors import InputError
from xposim.patient import assess_imwg, imwg_response

T = [0, 28, 56, 84, 112, 140]


def _r(values):
    return imwg_response(T[:len(values)], values)


def test_cr_is_approximated_by_undetectable_m_protein_and_needs_two_assessments():
    r = _r([2.0, 0.5, 0.005, 0.004, 0.003])  # PR (25%), then < 0.01 g/dL three times
    assert r.best_response == "CR"
    assert r.days_to_response == 28  # first assessment of the first >= PR pair
    assert r.progression_day is None and r.response_censored
    assert r.duration_of_response_days == 112 - 28


def test_vgpr_at_exactly_ninety_percent():
    r = _r([2.0, 1.5, 0.18, 0.15, 0.2])  # MR (75%), VGPR 9%, 7.5%, 10% (boundary)
    assert r.visit_categories == ("NE", "MR", "VGPR", "VGPR", "VGPR")
    assert r.best_response == "VGPR"
    assert r.days_to_response == 56


def test_pr_at_exactly_fifty_percent():
    r = _r([2.0, 0.9, 1.0, 1.0])  # 45%, 50% (boundary), 50%
    assert r.best_response == "PR" and r.days_to_response == 28


def test_mr_at_exactly_seventy_five_percent_is_not_a_response():
    r = _r([2.0, 1.5, 1.4, 1.45])  # 25% fall (boundary), 30%, 27.5%
    assert r.best_response == "MR"
    assert r.days_to_response is None and r.duration_of_response_days is None


def test_stable_disease():
    assert _r([2.0, 1.8, 2.1, 1.9]).best_response == "SD"


def test_progression_confirmed_on_two_consecutive_assessments():
    r = _r([2.0, 2.6, 2.7])  # +30% and +0.6 g/dL, twice
    assert r.best_response == "PD" and r.progression_day == 28
    assert r.best_change == pytest.approx(0.3)


def test_rise_below_half_a_gram_is_not_progression():
    r = _r([1.0, 1.3, 1.4, 1.45])  # +45% but only +0.45 g/dL
    assert r.best_response == "SD" and r.progression_day is None


def test_rise_below_twenty_five_percent_is_not_progression():
    r = _r([4.0, 4.6, 4.8, 4.9])  # +0.9 g/dL but only +22.5%
    assert r.best_response == "SD" and r.progression_day is None


def test_one_gram_rise_from_a_nadir_of_five_or_more_is_progression():
    r = _r([6.0, 6.2, 7.1, 7.2])  # +1.1 and +1.2 g/dL from 6.0 (only +18-20%)
    assert r.progression_day == 56 and r.best_response == "PD"


def test_a_single_deep_reading_is_not_a_confirmed_category():
    r = _r([2.0, 0.9, 0.15, 0.9, 0.9])  # VGPR seen once, PR around it
    assert r.visit_categories[2] == "VGPR"
    assert r.best_response == "PR"


def test_a_single_low_reading_does_not_set_the_nadir():
    # 0.2 once, then 1.0: from a nadir of 0.2 this would be PD twice (+0.8, x5); the
    # lowest *confirmed* value is 1.0 (the higher of the consecutive pair 0.2, 1.0), so no PD
    r = _r([2.0, 0.2, 1.0, 1.0, 1.0])
    assert r.progression_day is None and r.best_response == "PR"


def test_pd_seen_only_at_the_last_assessment_is_censored_not_progression():
    r = _r([2.0, 1.0, 0.8, 1.5])  # nadir 1.0 (pair 1.0/0.8), then +0.5 and +50% once
    assert r.visit_categories[-1] == "PD"
    assert r.progression_day is None and r.best_response == "PR"
    assert r.response_censored and r.duration_of_response_days == 84 - 28


def test_response_then_confirmed_progression():
    r = _r([2.0, 0.9, 0.8, 0.8, 1.4, 1.6])  # nadir 0.8; +0.6 (+75%), +0.8
    assert r.best_response == "PR" and r.days_to_response == 28
    assert r.progression_day == 112
    assert r.duration_of_response_days == 112 - 28 and not r.response_censored
    assert r.best_change == pytest.approx(0.8 / 2.0 - 1)


def test_not_measurable_or_too_few_assessments_is_not_evaluable():
    low = _r([0.3, 0.1, 0.05, 0.05])
    assert low.best_response == "NE" and low.best_change is None
    assert _r([2.0, 0.5]).best_response == "NE"  # one post-baseline assessment: no pair
    assert _r([2.0]).best_response == "NE"


def test_many_subjects_at_once_equal_one_at_a_time():
    cases = [[2.0, 0.5, 0.005, 0.004, 0.003, 0.003], [2.0, 1.5, 0.18, 0.15, 0.2, 0.2],
             [2.0, 0.9, 0.8, 0.8, 1.4, 1.6], [2.0, 2.6, 2.7, 2.8, 2.9, 3.0],
             [0.3, 0.1, 0.05, 0.05, 0.05, 0.05], [1.0, 1.3, 1.4, 1.45, 1.4, 1.3]]
    table = assess_imwg(T, np.array(cases))
    assert len(table) == len(cases)
    for i, c in enumerate(cases):
        one = imwg_response(T, c)
        assert table.subject(i) == one
    frame = table.to_frame()
    assert list(frame.best_response) == ["CR", "VGPR", "PR", "PD", "NE", "SD"]
    assert math.isnan(frame.progression_day[0]) and frame.progression_day[2] == 112


@pytest.mark.parametrize("times,values,field", [
    ([0, 28, 28], [2.0, 1.0, 1.0], "times_days"),
    ([0, 28], [2.0, 1.0, 1.0], "m_protein_g_dl"),
    ([0, 28, 56], [2.0, np.nan, 1.0], "m_protein_g_dl"),
    ([0, 28, 56], [2.0, -1.0, 1.0], "m_protein_g_dl"),
    ([], [], "times_days"),
])
def test_bad_input_names_the_field(times, values, field):
    with pytest.raises(InputError, match=field):
        assess_imwg(times, values)
