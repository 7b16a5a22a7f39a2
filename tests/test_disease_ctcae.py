"""CTCAE grading on hand-worked values at and around every threshold (CTCAE v5.0; v4.03
for hyponatraemia), and clear errors on bad input."""

from __future__ import annotations

import numpy as np
import pytest

from xposim.disease import (
    anemia_grade,
    grading_rules,
    hyponatremia_grade,
    neutrophil_grade,
    platelet_grade,
    weight_loss_grade,
)
from xposim.errors import InputError


def test_platelet_grades_at_every_boundary():
    # 10^9/L: <LLN(150)-75 -> 1, <75-50 -> 2, <50-25 -> 3, <25 -> 4
    values = [300, 150, 149.9, 75, 74.9, 50, 49.9, 25, 24.9, 0]
    assert platelet_grade(values).tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]


def test_neutrophil_grades_at_every_boundary():
    values = [5.0, 2.0, 1.99, 1.5, 1.49, 1.0, 0.99, 0.5, 0.49]
    assert neutrophil_grade(values).tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4]


def test_hyponatremia_v5_and_v403():
    values = [140, 135, 134, 130, 129.9, 125, 124.9, 120, 119.9]
    assert hyponatremia_grade(values).tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4]
    # v5: 125-129 is grade 3 only when symptomatic
    assert hyponatremia_grade([127, 127, 122], symptomatic=[True, False, True]).tolist() \
        == [3, 2, 3]
    # v4.03 (STORM, label frequencies): no grade 2, 120-129 is grade 3
    assert hyponatremia_grade(values, version="4.03").tolist() == [0, 0, 1, 1, 3, 3, 3, 3, 4]


def test_weight_loss_and_anemia_grades():
    assert weight_loss_grade([0.0, 0.049, 0.05, 0.099, 0.10, 0.199, 0.20, 0.5]).tolist() \
        == [0, 0, 1, 1, 2, 2, 3, 3]
    assert anemia_grade([13, 12, 11.9, 10, 9.9, 8, 7.9]).tolist() == [0, 0, 1, 1, 2, 2, 3]


def test_grading_is_vectorised_and_keeps_shape():
    x = np.array([[200.0, 60.0], [30.0, 10.0]])
    assert platelet_grade(x).tolist() == [[0, 2], [3, 4]]


def test_every_rule_cites_ctcae():
    for rule in grading_rules().values():
        assert "CTCAE" in rule.source


@pytest.mark.parametrize("bad", [np.nan, np.inf, [1.0, np.nan]])
def test_non_finite_values_are_refused_not_graded(bad):
    with pytest.raises(InputError, match="platelets_1e9_per_l"):
        platelet_grade(bad)


def test_unknown_version_is_an_error():
    with pytest.raises(InputError, match="version"):
        hyponatremia_grade(130, version="6")
