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


days = st.lists(st.floats(0.5, 60.0, allow_nan=False), min_size=1, max_size=9).map(
    lambda steps: list(np.cumsum([0.0, *steps[1:]]) + steps[0]))


@settings(max_examples=400, deadline=None)
@given(values, days)
def test_the_plain_progression_day_is_the_assessment_s(row, t):
    """imwg/lugano_progression_day (the runner's per-assessment check) give exactly
    the progression day of the vectorised assessment (same float, or both None)."""
    from xposim.patient.response import imwg_progression_day, lugano_progression_day

    t = t[:len(row)]
    row = row[:len(t)]
    spd = [x * 10 for x in row]
    assert imwg_progression_day(t, row) == assess_imwg(t, row).subject(0).progression_day
    assert lugano_progression_day(t, spd) == \
        assess_lugano(t, spd).subject(0).progression_day


def test_the_plain_progression_day_refuses_what_the_assessment_refuses():
    import pytest

    from xposim.errors import InputError
    from xposim.patient.response import imwg_progression_day, lugano_progression_day

    for f in (imwg_progression_day, lugano_progression_day):
        with pytest.raises(InputError, match="finite and >= 0"):
            f([0.0, 28.0, 56.0], [3.0, -1.0, 2.0])
        with pytest.raises(InputError, match="strictly increasing"):
            f([0.0, 28.0, 28.0], [3.0, 1.0, 2.0])
