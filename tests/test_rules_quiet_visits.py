"""The dose rules' quiet-visit return (DoseRules._quiet) decides exactly what the full
evaluation decides: random lab courses walked with and without it give the same decisions
and the same state at every visit (the Xd, DLBCL and XVd bortezomib rule books,
adherent and not)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st
from rule_walk import BASE

from xposim.patient import dose_rules

#: name -> (regimen, rule sets, rules not modelled: their labs are not simulated)
BOOKS = {
    "Xd": ("selinexor-dex", ["selinexor-mm", "dexamethasone-xd", "supportive"],
           ["sel-hb-lt8", "sel-other-g34"]),
    "DLBCL": ("dlbcl", ["selinexor-dlbcl", "supportive"],
              ["sel-dlbcl-hb-lt8", "sel-dlbcl-other-g34"]),
    "XVd bortezomib": ("selinexor-bortezomib-dex", ["bortezomib"], ["btz-nonheme-g3"]),
}

visit = st.fixed_dictionaries({
    "platelets_1e9_per_l": st.sampled_from([5.0, 20.0, 30.0, 60.0, 80.0, 120.0, 200.0]),
    "neutrophils_1e9_per_l": st.sampled_from([0.3, 0.7, 1.2, 3.0]),
    "sodium_mmol_per_l": st.sampled_from([125.0, 131.0, 139.0]),
    "nausea_grade": st.sampled_from([0, 1, 3]),
    "fatigue_grade": st.sampled_from([0, 2, 3]),
    "fatigue_grade2_days": st.sampled_from([0, 8]),
    "neuropathy_grade": st.sampled_from([0, 1, 2, 3]),
})


def _walk(rules, course, adherent, quiet):
    state = rules.initial_state(adherent)
    steps = []
    for k, changes in enumerate(course):
        labs = {**BASE, **changes}
        labs = {name: v for name, v in labs.items() if name in rules._known_labs}
        decisions, state = rules.evaluate(labs, state, day=7.0 * (k + 1)) if quiet else \
            _full(rules, labs, state, 7.0 * (k + 1))
        steps.append((decisions, dict(state.drugs), state.true_at_last_visit,
                      dict(state.occurrences)))
    return steps


def _full(rules, labs, state, day):
    quiet = type(rules)._quiet
    try:
        type(rules)._quiet = lambda self, s, t: False
        return rules.evaluate(labs, state, day=day)
    finally:
        type(rules)._quiet = quiet


@pytest.mark.parametrize("book", sorted(BOOKS))
@settings(max_examples=40, deadline=None)
@given(course=st.lists(visit, min_size=1, max_size=12), adherent=st.booleans())
def test_quiet_visits_decide_what_the_full_evaluation_decides(book, course, adherent):
    regimen, sets, not_modelled = BOOKS[book]
    rules = dose_rules(regimen, sets, disabled=not_modelled)
    assert _walk(rules, course, adherent, True) == _walk(rules, course, adherent, False)
