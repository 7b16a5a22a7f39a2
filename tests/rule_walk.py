"""Walking a rule book through hand-worked lab sequences (shared by the rule tests)."""

from __future__ import annotations

#: Labs of a well patient: every rule reads these unless a visit changes them.
BASE = dict(platelets_1e9_per_l=200.0, neutrophils_1e9_per_l=3.0, sodium_mmol_per_l=139.0,
            weight_loss_fraction=0.0, nausea_grade=0, fatigue_grade=0, anorexia_grade=0,
            fatigue_grade2_days=0, bleeding=0, febrile=0)


def run(rules, visits, state=None):
    """Evaluate a sequence of (day, lab changes); return all decisions and the state."""
    state = state or rules.initial_state()
    out = []
    for day, changes in visits:
        decisions, state = rules.evaluate({**BASE, **changes}, state, day=day)
        out += decisions
    return out, state


def actions(decisions, drug="selinexor"):
    """(day, rule, action, new level) of ``drug``'s decisions."""
    return [(d.day, d.rule, d.action, d.new_level) for d in decisions if d.drug == drug]
