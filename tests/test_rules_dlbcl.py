"""The DLBCL dose-modification rules (rule set ``selinexor-dlbcl``) on hand-worked lab
sequences: each row of the label's DLBCL table fires as written in its ``source``.

DLBCL dose levels (label_regimens.toml [dlbcl], XPOVIO PI §2.4; Medscape monograph):
0 = 60 mg days 1, 3; 1 = 40 mg days 1, 3; 2 = 60 mg weekly; 3 = 40 mg weekly; then
permanently discontinue. Read in a stored source: the steps and "Platelet count 50,000 to
<75,000/mcL: Inter[rupt]" (where myeloma reduces); the other rows are recalled (see
dose_rules.toml), so these tests check the rules as encoded, not the label itself.
"""

from __future__ import annotations

import pytest
from rule_walk import actions, run

from xposim.patient import dose_rules, load_rule_book
from xposim.patient.arm import LABEL_RULE_SETS

NOT_MODELLED = ("sel-dlbcl-hb-lt8", "sel-dlbcl-other-g34")
LEVELS = ("selinexor 60 mg PO days 1,3 weekly", "selinexor 40 mg PO days 1,3 weekly",
          "selinexor 60 mg PO weekly", "selinexor 40 mg PO weekly")


@pytest.fixture
def dl():
    return dose_rules("dlbcl", ["selinexor-dlbcl", "supportive"], disabled=NOT_MODELLED)


def test_platelets_50_to_75_interrupt_and_restart_at_the_same_dose_at_75(dl):
    decisions, state = run(dl, [(7, {"platelets_1e9_per_l": 60}),
                                (14, {"platelets_1e9_per_l": 74}),
                                (21, {"platelets_1e9_per_l": 75})])
    assert actions(decisions) == [(7, "sel-dlbcl-plt-50-75", "hold", 0),
                                  (21, "sel-dlbcl-plt-50-75", "resume", 0)]
    assert decisions[-1].new_dose == LEVELS[0]
    assert state.drugs["selinexor"].level == 0 and not state.drugs["selinexor"].held


def test_the_same_moderate_fall_reduces_under_the_myeloma_rules_instead():
    mm = dose_rules("dlbcl", ["selinexor-mm"], disabled=["sel-hb-lt8", "sel-other-g34"])
    decisions, _ = run(mm, [(7, {"platelets_1e9_per_l": 60}),
                            (14, {"platelets_1e9_per_l": 80})])
    assert actions(decisions) == [(7, "sel-plt-25-75", "reduce", 1)]
    assert decisions[0].new_dose == LEVELS[1]


@pytest.mark.parametrize("plt, rule", [(75, None), (74.9, "sel-dlbcl-plt-50-75"),
                                       (50, "sel-dlbcl-plt-50-75"),
                                       (49.9, "sel-dlbcl-plt-25-50"),
                                       (25, "sel-dlbcl-plt-25-50"),
                                       (24.9, "sel-dlbcl-plt-lt25")])
def test_the_platelet_bands_meet_at_75_50_and_25(dl, plt, rule):
    decisions, _ = run(dl, [(7, {"platelets_1e9_per_l": plt})])
    assert [d.rule for d in decisions if d.drug == "selinexor"] == ([rule] if rule else [])


def test_platelets_25_to_50_interrupt_until_50_and_restart_one_level_lower(dl):
    decisions, _ = run(dl, [(7, {"platelets_1e9_per_l": 40}),
                            (14, {"platelets_1e9_per_l": 49}),
                            (21, {"platelets_1e9_per_l": 50})])
    assert actions(decisions) == [(7, "sel-dlbcl-plt-25-50", "hold", 0),
                                  (21, "sel-dlbcl-plt-25-50", "resume", 1)]
    assert decisions[-1].new_dose == LEVELS[1]


def test_platelets_25_to_50_with_bleeding_wait_for_the_bleeding_to_stop(dl):
    decisions, _ = run(dl, [(7, {"platelets_1e9_per_l": 40, "bleeding": 1}),
                            (14, {"platelets_1e9_per_l": 60, "bleeding": 1}),
                            (21, {"platelets_1e9_per_l": 60, "bleeding": 0})])
    assert actions(decisions) == [(7, "sel-dlbcl-plt-25-50-bleeding", "hold", 0),
                                  (21, "sel-dlbcl-plt-25-50-bleeding", "resume", 1)]


def test_platelets_below_25_interrupt_until_50_and_restart_one_level_lower(dl):
    decisions, _ = run(dl, [(7, {"platelets_1e9_per_l": 20}),
                            (14, {"platelets_1e9_per_l": 45}),
                            (21, {"platelets_1e9_per_l": 52})])
    assert actions(decisions) == [(7, "sel-dlbcl-plt-lt25", "hold", 0),
                                  (21, "sel-dlbcl-plt-lt25", "resume", 1)]


def test_four_severe_falls_walk_down_the_dlbcl_levels_to_discontinuation(dl):
    visits = []
    for k in range(4):  # four separate occurrences below 25, each recovering to 80
        visits += [(14 * k + 7, {"platelets_1e9_per_l": 20}),
                   (14 * k + 14, {"platelets_1e9_per_l": 80})]
    decisions, state = run(dl, visits)
    moves = [(d.action, d.new_dose) for d in decisions
             if d.drug == "selinexor" and d.action != "hold"]
    assert moves == [("resume", LEVELS[1]), ("resume", LEVELS[2]), ("resume", LEVELS[3]),
                     ("discontinue", None)]
    assert state.drugs["selinexor"].discontinued


def test_neutropenia_interrupts_restart_same_level_above_0_5_one_lower_below(dl):
    decisions, _ = run(dl, [(7, {"neutrophils_1e9_per_l": 0.8}),
                            (14, {"neutrophils_1e9_per_l": 1.0}),
                            (21, {"neutrophils_1e9_per_l": 0.4}),
                            (28, {"neutrophils_1e9_per_l": 0.9}),
                            (35, {"neutrophils_1e9_per_l": 1.2})])
    assert actions(decisions) == [(7, "sel-dlbcl-anc-0.5-1", "hold", 0),
                                  (14, "sel-dlbcl-anc-0.5-1", "resume", 0),
                                  (21, "sel-dlbcl-anc-lt0.5-or-fn", "hold", 0),
                                  (35, "sel-dlbcl-anc-lt0.5-or-fn", "resume", 1)]


def test_a_recurrence_of_moderate_neutropenia_restarts_one_level_lower(dl):
    visits = [(7, {"neutrophils_1e9_per_l": 0.8}), (14, {"neutrophils_1e9_per_l": 1.2}),
              (21, {"neutrophils_1e9_per_l": 0.7}), (28, {"neutrophils_1e9_per_l": 1.1}),
              (35, {"neutrophils_1e9_per_l": 0.9}), (42, {"neutrophils_1e9_per_l": 1.5})]
    decisions, state = run(dl, visits)
    assert [(a[0], a[2], a[3]) for a in actions(decisions)] == [
        (7, "hold", 0), (14, "resume", 0),    # 1st occurrence: same level
        (21, "hold", 0), (28, "resume", 1),   # recurrence: one level lower
        (35, "hold", 1), (42, "resume", 2)]
    assert state.occurrences["sel-dlbcl-anc-0.5-1"] == 3


def test_febrile_neutropenia_interrupts_whatever_the_count(dl):
    decisions, _ = run(dl, [(7, {"neutrophils_1e9_per_l": 1.5, "febrile": 1}),
                            (14, {"neutrophils_1e9_per_l": 1.5, "febrile": 0})])
    assert actions(decisions) == [(7, "sel-dlbcl-anc-lt0.5-or-fn", "hold", 0),
                                  (14, "sel-dlbcl-anc-lt0.5-or-fn", "resume", 1)]


@pytest.mark.parametrize("bad, good, rule", [
    ({"sodium_mmol_per_l": 130}, {"sodium_mmol_per_l": 131}, "sel-dlbcl-na-le130"),
    ({"nausea_grade": 3}, {"nausea_grade": 2}, "sel-dlbcl-nv-g3"),
    ({"fatigue_grade": 3}, {"fatigue_grade": 1}, "sel-dlbcl-fatigue"),
    ({"weight_loss_fraction": 0.12}, {"weight_loss_fraction": 0.08}, "sel-dlbcl-weight"),
])
def test_non_haematological_rows_interrupt_and_restart_one_level_lower(dl, bad, good, rule):
    decisions, _ = run(dl, [(7, bad), (14, good)])
    assert actions(decisions) == [(7, rule, "hold", 0), (14, rule, "resume", 1)]
    assert [d.new_dose for d in decisions if d.action == "resume"] == [LEVELS[1]]


def test_the_dlbcl_rows_not_read_in_a_stored_source_say_so():
    rules = load_rule_book().rule_sets["selinexor-dlbcl"].rules
    read = {"sel-dlbcl-plt-50-75"}
    assert {r.id for r in rules} >= read
    for r in rules:
        assert ("Medscape" in r.source) if r.id in read else r.source.startswith("recalled")


def test_sadal_and_the_dlbcl_label_regimen_use_the_dlbcl_rules():
    from xposim.trials.protocol import load_protocol

    assert LABEL_RULE_SETS["dlbcl"] == ("selinexor-dlbcl", "supportive")
    assert load_protocol("sadal").arm_plan("X60").rule_sets == ("selinexor-dlbcl",
                                                                "supportive")
