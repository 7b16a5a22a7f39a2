"""Dose-modification rules on hand-worked lab sequences, and their validation on load.

Xd dose levels (label_regimens.toml, XPOVIO PI Table 1): 0 = 80 mg days 1, 3; 1 = 100 mg
weekly; 2 = 80 mg weekly; 3 = 60 mg weekly; then permanently discontinue.
"""

from __future__ import annotations

import math

import pytest
from rule_walk import BASE, actions, run

from xposim.disease import (
    dlbcl_module,
    myeloma_module,
    neutrophil_module,
    platelet_module,
    toxicity_module,
)
from xposim.errors import InputError
from xposim.patient import dose_rules, load_rule_book, parse_rule_book

NOT_MODELLED = ("sel-hb-lt8", "sel-other-g34")


@pytest.fixture
def xd():
    return dose_rules("selinexor-dex", ["selinexor-mm", "dexamethasone-xd", "supportive"],
                      disabled=NOT_MODELLED)


def test_hold_below_25_and_resume_one_level_lower_only_at_50(xd):
    decisions, state = run(xd, [(7, {"platelets_1e9_per_l": 24}),
                                (14, {"platelets_1e9_per_l": 49}),
                                (21, {"platelets_1e9_per_l": 50})])
    assert actions(decisions) == [(7, "sel-plt-lt25", "hold", 0),
                                  (21, "sel-plt-lt25", "resume", 1)]
    resume = next(d for d in decisions if d.action == "resume" and d.drug == "selinexor")
    assert resume.labs == {"platelets_1e9_per_l": 50.0}
    assert resume.new_dose == "selinexor 100 mg PO weekly"
    assert state.drugs["selinexor"].level == 1 and not state.drugs["selinexor"].held


def test_a_count_of_25_is_reduced_not_held(xd):
    decisions, _ = run(xd, [(7, {"platelets_1e9_per_l": 25})])
    assert actions(decisions) == [(7, "sel-plt-25-75", "reduce", 1)]


def test_reduce_once_per_occurrence_and_again_on_a_new_occurrence(xd):
    decisions, state = run(xd, [(7, {"platelets_1e9_per_l": 60}),
                                (14, {"platelets_1e9_per_l": 55}),  # same occurrence
                                (21, {"platelets_1e9_per_l": 90}),  # recovered
                                (28, {"platelets_1e9_per_l": 70})])  # new occurrence
    assert actions(decisions) == [(7, "sel-plt-25-75", "reduce", 1),
                                  (28, "sel-plt-25-75", "reduce", 2)]
    assert state.drugs["selinexor"].level == 2


def test_bleeding_with_moderate_thrombocytopenia_holds_until_it_stops(xd):
    decisions, _ = run(xd, [(7, {"platelets_1e9_per_l": 60, "bleeding": 1}),
                            (14, {"platelets_1e9_per_l": 60, "bleeding": 1}),
                            (21, {"platelets_1e9_per_l": 65, "bleeding": 0})])
    assert actions(decisions) == [(7, "sel-plt-25-75-bleeding", "hold", 0),
                                  (21, "sel-plt-25-75-bleeding", "resume", 1)]


def test_neutropenia_reduce_then_hold_and_resume_at_one(xd):
    decisions, _ = run(xd, [(7, {"neutrophils_1e9_per_l": 0.8}),
                            (14, {"neutrophils_1e9_per_l": 0.4}),
                            (21, {"neutrophils_1e9_per_l": 0.9}),
                            (28, {"neutrophils_1e9_per_l": 1.0})])
    assert actions(decisions) == [(7, "sel-anc-0.5-1", "reduce", 1),
                                  (14, "sel-anc-lt0.5-or-fn", "hold", 1),
                                  (28, "sel-anc-lt0.5-or-fn", "resume", 2)]


def test_hyponatremia_holds_at_130_and_resumes_above_it(xd):
    decisions, _ = run(xd, [(7, {"sodium_mmol_per_l": 130}),
                            (14, {"sodium_mmol_per_l": 130}),
                            (21, {"sodium_mmol_per_l": 131})])
    assert actions(decisions) == [(7, "sel-na-le130", "hold", 0),
                                  (21, "sel-na-le130", "resume", 1)]


def test_nausea_grade_3_holds_and_grade_1_2_adds_antiemetics(xd):
    decisions, _ = run(xd, [(3, {"nausea_grade": 1}), (7, {"nausea_grade": 3}),
                            (10, {"nausea_grade": 2})])
    assert actions(decisions) == [(7, "sel-nv-g3", "hold", 0), (10, "sel-nv-g3", "resume", 1)]
    support = [d for d in decisions if d.action == "supportive"]
    assert [(d.day, d.rule, dict(d.set)) for d in support] == [
        (3, "sup-antiemetics-g1-2", {"antiemetic_effect": 0.6}),
        (10, "sup-antiemetics-g1-2", {"antiemetic_effect": 0.6})]


def test_fatigue_grade_2_for_more_than_a_week_holds(xd):
    decisions, _ = run(xd, [(7, {"fatigue_grade": 2, "fatigue_grade2_days": 7}),
                            (14, {"fatigue_grade": 2, "fatigue_grade2_days": 14}),
                            (21, {"fatigue_grade": 2}), (28, {"fatigue_grade": 1})])
    assert actions(decisions) == [(14, "sel-fatigue", "hold", 0),
                                  (28, "sel-fatigue", "resume", 1)]


def test_weight_loss_of_ten_percent_holds_until_back_above_ninety(xd):
    decisions, _ = run(xd, [(28, {"weight_loss_fraction": 0.09}),
                            (35, {"weight_loss_fraction": 0.12}),
                            (42, {"weight_loss_fraction": 0.10}),
                            (49, {"weight_loss_fraction": 0.08})])
    assert actions(decisions) == [(35, "sel-weight", "hold", 0),
                                  (49, "sel-weight", "resume", 1)]


def test_two_holds_resume_only_when_both_resolve(xd):
    decisions, state = run(xd, [(7, {"platelets_1e9_per_l": 20, "sodium_mmol_per_l": 128}),
                                (14, {"platelets_1e9_per_l": 60, "sodium_mmol_per_l": 129}),
                                (21, {"platelets_1e9_per_l": 70, "sodium_mmol_per_l": 134})])
    assert actions(decisions) == [(7, "sel-plt-lt25", "hold", 0),
                                  (7, "sel-na-le130", "hold", 0),
                                  (21, "sel-plt-lt25+sel-na-le130", "resume", 1)]
    assert state.drugs["selinexor"].level == 1


def test_simultaneous_reductions_take_one_level(xd):
    decisions, _ = run(xd, [(7, {"platelets_1e9_per_l": 60, "neutrophils_1e9_per_l": 0.8})])
    assert actions(decisions) == [(7, "sel-plt-25-75", "reduce", 1)]


def test_past_the_last_level_selinexor_and_its_dexamethasone_stop(xd):
    visits = []
    for k in range(4):  # four separate occurrences of moderate thrombocytopenia
        visits += [(14 * k + 7, {"platelets_1e9_per_l": 60}), (14 * k + 14, {})]
    decisions, state = run(xd, visits)
    assert [a[2:] for a in actions(decisions)] == [("reduce", 1), ("reduce", 2),
                                                   ("reduce", 3), ("discontinue", None)]
    assert state.drugs["selinexor"].discontinued
    assert state.drugs["dexamethasone"].discontinued
    dex = [d for d in decisions if d.drug == "dexamethasone"]
    assert [d.action for d in dex] == ["discontinue"]
    # nothing more happens to a discontinued drug
    later, _ = run(xd, [(70, {"platelets_1e9_per_l": 9})], state)
    assert [d.action for d in later] == ["supportive"]


def test_dexamethasone_pauses_and_resumes_with_selinexor_in_xd(xd):
    decisions, _ = run(xd, [(7, {"platelets_1e9_per_l": 20}),
                            (21, {"platelets_1e9_per_l": 55})])
    dex = [(d.day, d.action, d.new_dose) for d in decisions if d.drug == "dexamethasone"]
    assert dex == [(7, "hold", None), (21, "resume", "unchanged (with selinexor)")]


def test_platelet_transfusion_below_10_at_every_visit(xd):
    decisions, _ = run(xd, [(7, {"platelets_1e9_per_l": 8}), (10, {"platelets_1e9_per_l": 9})])
    tx = [(d.day, dict(d.add)) for d in decisions if d.rule == "sup-platelet-transfusion"]
    assert tx == [(7, {"platelets_1e9_per_l": 25.0}), (10, {"platelets_1e9_per_l": 25.0})]


def test_bortezomib_neuropathy_rules_in_xvd():
    rules = dose_rules("selinexor-bortezomib-dex", ["bortezomib"],
                       disabled=["btz-nonheme-g3"])
    labs = {"platelets_1e9_per_l": 200, "neutrophils_1e9_per_l": 3, "neuropathy_grade": 0}
    state = rules.initial_state()
    out = []
    for day, grade in ((7, 2), (14, 3), (21, 2), (28, 1), (35, 4)):
        d, state = rules.evaluate({**labs, "neuropathy_grade": grade}, state, day=day)
        out += [(x.day, x.rule, x.action, x.new_level, x.new_dose) for x in d]
    assert out == [
        (7, "btz-neuropathy-g2", "reduce", 1,
         "bortezomib 1 mg/m2 SC weekly 4 weeks on 1 week off"),
        (14, "btz-neuropathy-g3", "hold", 1, None),
        (28, "btz-neuropathy-g3", "resume", 2,
         "bortezomib 0.7 mg/m2 SC weekly 4 weeks on 1 week off"),
        (35, "btz-neuropathy-g4", "discontinue", None, None)]


# -- validation ---------------------------------------------------------------------

def test_every_packaged_rule_cites_its_source_and_model_labs_exist():
    book = load_rule_book()
    for rs in book.rule_sets.values():
        for r in rs.rules:
            assert r.source
    outputs = set()
    for m in (platelet_module(), neutrophil_module(), myeloma_module(), dlbcl_module(),
              toxicity_module()):
        outputs |= {a.name for a in m.assignments} | {s.name for s in m.species}
    for lab in book.labs.values():
        if lab.model_output and "(sampled)" not in lab.model_output:
            assert lab.model_output in outputs, lab.name


def _book(rule: dict, **set_keys) -> dict:
    return {"labs": {"platelets_1e9_per_l": {"unit": "10^9/L"}},
            "s": {"drug": "selinexor", **set_keys, "rules": [rule]}}


GOOD = {"id": "r1", "when": "platelets_1e9_per_l < 25", "action": "hold",
        "resume_when": "platelets_1e9_per_l >= 50", "resume_levels_lower": 1, "source": "x"}


@pytest.mark.parametrize("change,message", [
    ({"when": "platelet < 25"}, "rule r1.when: unknown lab 'platelet'"),
    ({"resume_when": "sodium_mmol_per_l > 130"}, "rule r1.resume_when: unknown lab"),
    ({"action": "pause"}, "rule r1.action: must be one of"),
    ({"source": ""}, "rule r1.source"),
    ({"resume_when": None}, "rule r1.resume_when"),
    ({"when": "platelets_1e9_per_l < 25 +"}, "rule r1.when: is not a valid condition"),
    ({"when": "platelets_1e9_per_l < limit"}, "unknown lab 'limit'"),
    ({"when": "abs(platelets_1e9_per_l) < 25"}, "rule r1.when: compare a lab with a number"),
    ({"when": "platelets_1e9_per_l"}, "rule r1.when: must be comparisons"),
    ({"levels": 0}, "rule r1.levels"),
    ({"typo": 1}, "rule r1: unknown keys"),
    ({"recurrence_resume_levels_lower": -1}, "rule r1.recurrence_resume_levels_lower"),
    ({"recurrence_resume_levels_lower": 1, "resume_levels_lower": None, "resume_level": 2},
     "rule r1: give recurrence_resume_levels_lower with resume_levels_lower"),
    ({"action": "reduce", "resume_when": None, "resume_levels_lower": None,
      "recurrence_resume_levels_lower": 1},
     "rule r1.recurrence_resume_levels_lower: only hold rules resume"),
])
def test_bad_rules_are_errors_at_load_naming_file_rule_and_field(change, message):
    rule = {**GOOD, **change}
    rule = {k: v for k, v in rule.items() if v is not None}
    with pytest.raises(InputError, match=message) as err:
        parse_rule_book(_book(rule), "my_rules.toml")
    assert "my_rules.toml [s]" in str(err.value)


def test_a_rules_file_on_disk_is_validated_with_its_path(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text('[labs]\nplatelets_1e9_per_l = { unit = "10^9/L" }\n[s]\ndrug = "selinexor"'
                    '\n[[s.rules]]\nid = "r"\nwhen = "sodium < 130"\naction = "reduce"\n'
                    'source = "x"\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"rules\.toml \[s\] rule r\.when: unknown lab 'sodium'"):
        load_rule_book(path)
    with pytest.raises(InputError, match="file not found"):
        load_rule_book(tmp_path / "missing.toml")


def test_binding_errors():
    with pytest.raises(InputError, match="unknown rule set"):
        dose_rules("selinexor-dex", ["selinexor-xx"])
    with pytest.raises(InputError, match="has dose levels only for selinexor"):
        dose_rules("selinexor-dex", ["bortezomib"])
    with pytest.raises(InputError, match="unknown rule id"):
        dose_rules("selinexor-dex", ["selinexor-mm"], disabled=["sel-typo"])
    with pytest.raises(InputError, match="follows selinexor"):
        dose_rules("selinexor-dex", ["dexamethasone-xd"])


def test_visit_labs_are_checked(xd):
    state = xd.initial_state()
    missing = {k: v for k, v in BASE.items() if k != "sodium_mmol_per_l"}
    with pytest.raises(InputError, match=r"missing \['sodium_mmol_per_l'\]"):
        xd.evaluate(missing, state, day=1)
    with pytest.raises(InputError, match="unknown lab"):
        xd.evaluate({**BASE, "platelets": 100}, state, day=1)
    with pytest.raises(InputError, match=r"labs\.sodium_mmol_per_l"):
        xd.evaluate({**BASE, "sodium_mmol_per_l": math.nan}, state, day=1)
    assert "hemoglobin_g_per_dl" not in xd.required_labs  # its rule is disabled


def test_visit_conditions_in_one_call_equal_each_rule_alone(xd):
    """A visit evaluates all conditions in one compiled call: the same rules hold as when
    each condition is evaluated alone, at and around every threshold."""
    import numpy as np

    rng = np.random.default_rng(0)
    labs = sorted(xd.required_labs)
    for _ in range(300):
        values = {k: float(rng.choice([0.0, 1.0, 2.0, 3.0, 4.0, 8.0, 24.0, 25.0, 49.0,
                                       50.0, 75.0, 130.0, 1e3])) for k in labs}
        assert xd._true_now(values) == frozenset(r.id for r in xd.rules if r.when(values))
    with pytest.raises(InputError, match="labs"):  # a missing lab is still refused
        xd.evaluate({}, xd.initial_state(), day=7.0)
