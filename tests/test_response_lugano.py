"""Lugano-style response (Cheson et al., J Clin Oncol 2014) from SPD, hand-worked."""

from __future__ import annotations

import numpy as np
import pytest

from xposim.errors import InputError
from xposim.patient import assess_lugano, lugano_response

T = [0, 28, 56, 84]


def test_cr_approximated_by_residual_spd():
    r = lugano_response(T[:3], [40, 10, 2.0])  # PR (25%), then <= 2.25 cm2
    assert r.visit_categories == ("NE", "PR", "CR")
    assert r.best_response == "CR" and r.days_to_response == 28


def test_pr_at_exactly_half():
    r = lugano_response(T[:3], [40, 20, 22])  # 50% (boundary), then 55%: SD
    assert r.best_response == "PR" and r.response_censored


def test_stable_disease():
    assert lugano_response(T[:3], [40, 30, 35]).best_response == "SD"


def test_progression_at_fifty_percent_above_baseline_nadir():
    r = lugano_response(T[:3], [40, 45, 60])  # nadir 40; 60 = 1.5 x 40 (boundary)
    assert r.progression_day == 56 and r.best_response == "SD"


def test_progression_from_the_nadir_after_response():
    r = lugano_response(T, [40, 10, 14, 15])  # nadir 10; 15 = 1.5 x 10
    assert r.best_response == "PR" and r.progression_day == 84
    assert r.duration_of_response_days == 84 - 28 and not r.response_censored
    assert r.best_change == pytest.approx(10 / 40 - 1)


def test_progression_at_the_first_assessment():
    r = lugano_response(T[:3], [40, 61, 20])
    assert r.best_response == "PD" and r.progression_day == 28
    assert r.best_change == pytest.approx(61 / 40 - 1)  # the progression assessment counts


def test_non_measurable_baseline_is_not_evaluable():
    assert lugano_response(T[:3], [2.0, 1.0, 0.5]).best_response == "NE"


def test_batch_equals_single():
    cases = np.array([[40, 10, 2.0, 2.0], [40, 20, 22, 23], [40, 45, 60, 70],
                      [40, 10, 14, 15]])
    table = assess_lugano(T, cases)
    for i, c in enumerate(cases):
        assert table.subject(i) == lugano_response(T, c)
    assert list(table.best_response_names()) == ["CR", "PR", "SD", "PR"]


def test_bad_input_names_the_field():
    with pytest.raises(InputError, match="spd_cm2"):
        assess_lugano(T, [40, 10])
    with pytest.raises(InputError, match="spd_cm2"):
        lugano_response(T, [[40, 10, 5, 5]])
