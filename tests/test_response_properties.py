"""Laws of the response functions over random trajectories (Hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings, strategies as st

from xposim.patient import assess_imwg, assess_lugano, imwg_response, lugano_response
from xposim.patient.response import PR

values = st.lists(st.floats(0.0, 8.0, allow_nan=False), min_size=1, max_size=9)
cohorts = st.integers(1, 9).flatmap(
    lambda v: st.lists(st.lists(st.floats(0.0, 8.0, allow_nan=False), min_size=v,
                                max_size=v), min_size=1, max_size=6))


@settings(max_examples=200, deadline=None)
@given(cohorts)
def test_a_cohort_is_assessed_as_its_subjects_one_by_one(rows):
    m = np.array(rows)
    t = np.arange(m.shape[1]) * 28.0
    imwg, lug = assess_imwg(t, m), assess_lugano(t, m * 10)
    for i, row in enumerate(rows):
        assert imwg.subject(i) == imwg_response(t, row)
        assert lug.subject(i) == lugano_response(t, np.array(row) * 10)


@settings(max_examples=300, deadline=None)
@given(values)
def test_response_outputs_are_consistent(row):
    t = np.arange(len(row)) * 28.0
    for table in (assess_imwg(t, [row]), assess_lugano(t, [np.array(row) * 10])):
        r = table.subject(0)
        responded = table.best_response[0] >= PR
        assert responded == (r.days_to_response is not None)
        assert responded == (r.duration_of_response_days is not None)
        if r.progression_day is not None and r.days_to_response is not None:
            assert r.days_to_response < r.progression_day
            assert r.duration_of_response_days == r.progression_day - r.days_to_response
        if r.duration_of_response_days is not None:
            assert r.duration_of_response_days >= 0
        assert r.response_censored == (responded and r.progression_day is None)
