"""Protocol files: built-ins load, every field validated, errors name file, line and field."""

from __future__ import annotations

import pytest

from xposim.errors import InputError
from xposim.trials.protocol import load_protocol, parse_protocol, protocol_names

GOOD = """\
[protocol]
name = "mini"
title = "A small selinexor trial"
disease = "myeloma"
population = "storm"

[schedule]
follow_up_days = 168
lab_every_days = 7
assessment_every_days = 28

[eligibility]
platelets_1e9_per_l = { min = 75 }

[[arms]]
name = "X60"
regimen = "selinexor 60 mg PO days 1,3 weekly + dex 20 mg PO days 1,3 weekly"
cycle_days = 28
cycles = 6
dose_levels = "selinexor-dex"
dose_rules = ["selinexor-mm", "dexamethasone-xd"]
"""


def test_builtins_load_and_resolve_their_arms():
    assert set(protocol_names()) >= {"storm", "boston-vd", "boston"}
    storm = load_protocol("storm")
    plan = storm.arm_plan("Xd")
    assert plan.label == "selinexor-dex" and plan.treatment_days is None
    assert plan.lab_days[:3] == (0.0, 7.0, 14.0) and plan.assessment_days[1] == 28.0
    assert storm.population.name == "storm"
    boston = load_protocol("boston")
    assert boston.arm_names == ("XVd", "Vd") and boston.spec.protocol.control_arm == "Vd"
    assert {t.use for t in boston.spec.targets} == {"calibration", "prediction"}


def test_a_written_protocol_loads_with_its_own_schedule(tmp_path):
    f = tmp_path / "mini.toml"
    f.write_text(GOOD)
    p = load_protocol(f)
    plan = p.arm_plan("X60")
    assert plan.treatment_days == 168.0 and plan.rule_sets == ("selinexor-mm",
                                                               "dexamethasone-xd")


def _err(text: str) -> str:
    with pytest.raises(InputError) as info:
        parse_protocol(text, where="mini.toml")
    return str(info.value)


@pytest.mark.parametrize("old, new, expected", [
    ('cycle_days = 28\n', 'cycle_days = 28\ncycle_lenght = 28\n',
     r"mini.toml, line 19: arms\[0\].cycle_lenght: unknown field"),
    ('title = "A small selinexor trial"\n', '', r"line 1: protocol.title: is required"),
    ('cycle_days = 28', 'cycle_days = -28', r"line 18: arms\[0\].cycle_days: .*greater than 0"),
    ('selinexor 60 mg', 'selinexxor 60 mg', r"line 17: arms\[0\].regimen: .*selinexxor"),
    ('"selinexor-mm"', '"selinexor-xx"', r"arms\[0\].dose_rules: .*unknown rule set"),
    ('population = "storm"', 'population = "nowhere"', r"line 5: protocol.population: "
     "unknown population"),
    ('platelets_1e9_per_l', 'platelets', r"line 13: eligibility.platelets: not a covariate"),
    ('cycles = 6', 'cycles = 0', r"arms\[0\].cycles"),
    ('follow_up_days = 168', 'follow_up_days = 1e9', r"schedule.follow_up_days"),
    ('dose_levels = "selinexor-dex"\n', '', r"arms\[0\].dose_levels: is required when"),
])
def test_bad_protocols_name_file_line_and_field(old, new, expected):
    import re

    assert old in GOOD
    message = _err(GOOD.replace(old, new))
    assert re.search(expected, message), message


def test_two_arms_need_a_control_and_distinct_names():
    two = GOOD + GOOD[GOOD.index("[[arms]]"):].replace('"X60"', '"X80"')
    assert "control_arm: is required" in _err(two)
    same = GOOD + GOOD[GOOD.index("[[arms]]"):]
    assert "arm names must differ" in _err(same.replace('population = "storm"',
                                                        'population = "storm"\n'
                                                        'control_arm = "X60"'))


def test_unknown_builtin_or_unreadable_file():
    with pytest.raises(InputError, match=r"built-in: (\w+, )*boston"):
        load_protocol("stormy")
    with pytest.raises(InputError, match="cannot read"):
        load_protocol("/nonexistent/p.toml")
    assert "not valid TOML" in _err("[protocol\nname=1")


def test_a_protocol_may_define_its_own_population_and_rule_sets():
    own = GOOD.replace('population = "storm"', 'population = "tiny"') + """
[population.tiny]
title = "tiny"
disease = "myeloma"
source = "test"
[population.tiny.covariates]
""" + "\n".join(
        f'{n} = {{ dist = "fixed", value = {v}, source = "t", status = "assumed" }}'
        for n, v in [("age_years", 60), ("sex", '"F"'), ("weight_kg", 60),
                     ("height_cm", 160), ("platelets_1e9_per_l", 200),
                     ("neutrophils_1e9_per_l", 3), ("sodium_mmol_per_l", 140),
                     ("m_protein_g_dl", 2), ("isotype", '"IgA"'), ("prior_lines", 3)]) + """
[population.tiny.parameters]
XPO1_total0 = { dist = "fixed", value = 1.5, source = "t", status = "assumed" }
"""
    p = parse_protocol(own, where="own.toml")
    cov, params, _ = p.population.draw(1, (0,))
    assert cov["isotype"] == "IgA" and params == {"XPO1_total0": 1.5}


def test_written_out_rule_sets_are_validated_and_usable():
    own = GOOD.replace('dose_rules = ["selinexor-mm", "dexamethasone-xd"]',
                       'dose_rules = ["sel-strict", "dexamethasone-xd"]') + """
[rule_sets.sel-strict]
drug = "selinexor"
description = "hold below 50, resume one level lower at 100"

[[rule_sets.sel-strict.rules]]
id = "strict-plt-lt50"
when = "platelets_1e9_per_l < 50"
action = "hold"
resume_when = "platelets_1e9_per_l >= 100"
resume_levels_lower = 1
source = "example"
"""
    p = parse_protocol(own, where="own.toml")
    plan = p.arm_plan("X60")
    assert plan.rule_sets == ("sel-strict", "dexamethasone-xd")
    from xposim.patient.rules import dose_rules, parse_rule_book

    rules = dose_rules(plan.label, plan.rule_sets,
                       book=parse_rule_book(plan.rule_book, "own.toml"))
    assert rules.rules[0].id == "strict-plt-lt50"
    bad = own.replace('when = "platelets_1e9_per_l < 50"', 'when = "platelet < 50"')
    message = _err(bad)
    assert "unknown lab 'platelet'" in message
    assert message.startswith("mini.toml, line 29: rule_sets.sel-strict.rules[0].when: "
                              "unknown lab 'platelet'"), message
