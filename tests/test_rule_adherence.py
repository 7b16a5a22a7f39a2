"""The execution model of the dose rules (xposim/patient/rules.py, "Execution"): which rules
are discretionary, what an adherent and a non-adherent investigator do, the per-patient
draw, the protocol field and its errors.

- adherence 1 (every investigator adherent) is the rule table as written: the same
  decisions as a book with no discretionary rule, at a visit and in a virtual patient;
- adherence 0 skips every discretionary rule, never a mandatory one;
- the draw depends on (seed, patient) only: serial and 2-process runs are identical;
- bad values are one error naming the field (and file and line in a protocol).
"""

from __future__ import annotations

import copy
import re
import tomllib
from dataclasses import replace
from importlib import resources

import numpy as np
import pandas as pd
import pytest
from rule_walk import actions, run
from test_trial_protocol import GOOD

from xposim.errors import InputError
from xposim.patient import dose_rules, parse_rule_book
from xposim.patient.rules import adherence_draw, follows_discretionary
from xposim.trials.protocol import load_protocol, parse_protocol

NOT_MODELLED = ("sel-hb-lt8", "sel-other-g34")
MANDATORY_MM = {"sel-plt-25-75-bleeding", "sel-plt-lt25", "sel-anc-lt0.5-or-fn", "sel-nv-g3",
                "sel-other-g34"}
DISCRETIONARY_MM = {"sel-plt-25-75", "sel-anc-0.5-1", "sel-hb-lt8", "sel-na-le130",
                    "sel-fatigue", "sel-weight"}


def _packaged() -> dict:
    text = resources.files("xposim.patient").joinpath("dose_rules.toml").read_text("utf-8")
    return tomllib.loads(text)


def _xd(book=None):
    return dose_rules("selinexor-dex", ["selinexor-mm", "dexamethasone-xd", "supportive"],
                      disabled=NOT_MODELLED, book=book)


def _all_mandatory(data: dict) -> dict:
    """The rule book with every rule mandatory (no execution model)."""
    data = copy.deepcopy(dict(data))
    for name, table in data.items():
        if name == "labs":
            continue
        for r in table.get("rules", []):
            r.pop("discretionary", None)
            r.pop("mandatory_when", None)
    return data


def test_every_packaged_drug_rule_says_whether_it_is_discretionary():
    data = _packaged()
    seen = {}
    for name, table in data.items():
        if name == "labs":
            continue
        for r in table.get("rules", []):
            if r["action"] == "supportive":
                assert "discretionary" not in r
            else:
                assert isinstance(r.get("discretionary"), bool), r["id"]
                seen[r["id"]] = r["discretionary"]
    assert {k for k, v in seen.items() if k.startswith("sel-") and "dlbcl" not in k
            and v} == DISCRETIONARY_MM
    assert {k for k, v in seen.items() if k.startswith("sel-") and "dlbcl" not in k
            and not v} == MANDATORY_MM
    # every discontinuation and every hold at platelets < 25 / ANC < 0.5 is mandatory
    for name, table in data.items():
        for r in table.get("rules", []) if name != "labs" else []:
            if r["action"] == "discontinue" or "< 25" in r["when"] or "< 0.5" in r["when"]:
                assert r["discretionary"] is False, r["id"]


# -- at a visit ------------------------------------------------------------------------

WALK = [(7, {"neutrophils_1e9_per_l": 0.9}), (14, {"platelets_1e9_per_l": 60}),
        (21, {"platelets_1e9_per_l": 80, "sodium_mmol_per_l": 129}),
        (28, {"platelets_1e9_per_l": 20}), (35, {"platelets_1e9_per_l": 45}),
        (42, {"platelets_1e9_per_l": 55, "fatigue_grade": 2, "fatigue_grade2_days": 8}),
        (49, {"fatigue_grade": 3, "fatigue_grade2_days": 15}), (56, {"fatigue_grade": 1}),
        (63, {"neutrophils_1e9_per_l": 0.4}), (70, {"neutrophils_1e9_per_l": 1.2}),
        (77, {"nausea_grade": 3}), (84, {})]


def test_an_adherent_investigator_follows_the_table_as_written():
    xd = _xd()
    plain = _xd(parse_rule_book(_all_mandatory(_packaged()), "plain"))
    a, sa = run(xd, WALK)
    b, sb = run(plain, WALK)
    assert a == b and sa.drugs == sb.drugs
    assert {d.rule for d in a} & {"sel-plt-25-75", "sel-anc-0.5-1", "sel-na-le130"}


def test_a_non_adherent_investigator_skips_discretionary_rules_never_mandatory_ones():
    xd = _xd()
    decisions, state = run(xd, WALK, xd.initial_state(adherent=False))
    fired = [(day, rule, act) for day, rule, act, _ in actions(decisions)]
    # no reduction at ANC 0.9 or platelets 60, no hold at sodium 129 or fatigue grade 2
    # for 8 days; the hold below 25, the grade-3 part of the fatigue rule, ANC < 0.5 and
    # grade 3 nausea are acted on
    assert fired == [(28, "sel-plt-lt25", "hold"), (42, "sel-plt-lt25", "resume"),
                     (49, "sel-fatigue", "hold"), (56, "sel-fatigue", "resume"),
                     (63, "sel-anc-lt0.5-or-fn", "hold"),
                     (70, "sel-anc-lt0.5-or-fn", "resume"), (77, "sel-nv-g3", "hold"),
                     (84, "sel-nv-g3", "discontinue")]  # past the last of 4 levels
    assert state.adherent is False and state.drugs["selinexor"].discontinued
    # dexamethasone still pauses with selinexor
    assert [d.action for d in decisions if d.drug == "dexamethasone"][:2] == ["hold",
                                                                           "resume"]


def test_fatigue_grade_2_kept_past_a_week_then_grade_3_holds_without_adherence():
    xd = _xd()
    walk = [(7, {"fatigue_grade": 2, "fatigue_grade2_days": 0}),
            (14, {"fatigue_grade": 2, "fatigue_grade2_days": 7}),
            (21, {"fatigue_grade": 2, "fatigue_grade2_days": 14}),
            (28, {"fatigue_grade": 3, "fatigue_grade2_days": 21}),
            (35, {"fatigue_grade": 1})]
    adherent, _ = run(xd, walk)
    assert actions(adherent)[0][:3] == (21, "sel-fatigue", "hold")
    not_adherent, _ = run(xd, walk, xd.initial_state(adherent=False))
    assert [a[:3] for a in actions(not_adherent)] == [(28, "sel-fatigue", "hold"),
                                                       (35, "sel-fatigue", "resume")]


@pytest.mark.parametrize("change, message", [
    ({"discretionary": "yes"}, r"rule r1.discretionary: must be true or false"),
    ({"mandatory_when": "platelets_1e9_per_l < 10"},
     r"rule r1.mandatory_when: only a discretionary rule"),
    ({"discretionary": True, "mandatory_when": "platelet < 10"},
     r"rule r1.mandatory_when: unknown lab 'platelet'"),
])
def test_bad_execution_fields_are_errors_naming_rule_and_field(change, message):
    rule = {"id": "r1", "when": "platelets_1e9_per_l < 25", "action": "hold",
            "resume_when": "platelets_1e9_per_l >= 50", "source": "x", **change}
    book = {"labs": {"platelets_1e9_per_l": {"unit": "10^9/L"}},
            "s": {"drug": "selinexor", "rules": [rule]}}
    with pytest.raises(InputError, match=message) as err:
        parse_rule_book(book, "my_rules.toml")
    assert "my_rules.toml [s]" in str(err.value)


def test_supportive_rules_cannot_be_discretionary_and_state_checks_its_flag():
    book = {"labs": {"platelets_1e9_per_l": {"unit": "10^9/L"}},
            "supportive": {"drug": "supportive", "rules": [
                {"id": "t", "when": "platelets_1e9_per_l < 10", "action": "supportive",
                 "add": {"platelets_1e9_per_l": 25.0}, "source": "x",
                 "discretionary": True}]}}
    with pytest.raises(InputError, match="only drug rules are discretionary"):
        parse_rule_book(book, "b.toml")
    with pytest.raises(InputError, match="adherent"):
        _xd().initial_state(adherent=0.5)  # type: ignore[arg-type]


# -- the per-patient draw ----------------------------------------------------------------


def test_the_draw_depends_on_seed_and_patient_only():
    assert follows_discretionary(1.0, 1, (5,)) is True
    assert follows_discretionary(0.0, 1, (5,)) is False
    u = [adherence_draw(7, (k,)) for k in range(400)]
    assert u == [adherence_draw(7, (k,)) for k in range(400)]  # no hidden state
    assert u != [adherence_draw(8, (k,)) for k in range(400)]
    assert all(0 <= x < 1 for x in u) and abs(np.mean(u) - 0.5) < 0.05
    share = np.mean([follows_discretionary(0.3, 7, (k,)) for k in range(400)])
    assert share == pytest.approx(np.mean(np.array(u) < 0.3))
    for bad in (-0.1, 1.5, float("nan"), True):
        with pytest.raises(InputError, match="rule_adherence"):
            follows_discretionary(bad, 1, (1,))  # type: ignore[arg-type]


# -- the protocol field ------------------------------------------------------------------

#: test_trial_protocol's small protocol (its header, 12 weeks) with an Xd arm of its own
MINI = GOOD.split("[eligibility]")[0].replace("follow_up_days = 168",
                                               "follow_up_days = 84") + """\
[[arms]]
name = "Xd"
regimen = "label:selinexor-dex"
cycle_days = 28
cycles = 3
dose_rules = ["selinexor-mm", "dexamethasone-xd", "supportive"]
rule_adherence = 0.4
"""


def test_the_protocol_field_reaches_the_arm_plan_and_a_setting_overrides_it():
    p = parse_protocol(MINI, where="mini.toml")
    assert p.arm_plan("Xd").rule_adherence == 0.4
    assert p.with_rule_adherence("Xd", 0.9).arm_plan("Xd").rule_adherence == 0.9
    assert parse_protocol(MINI.replace("rule_adherence = 0.4\n", "")).arm_plan(
        "Xd").rule_adherence == 1.0
    with pytest.raises(InputError, match=r"set arms.Xx.rule_adherence: no arm 'Xx'"):
        p.with_rule_adherence("Xx", 0.5)
    with pytest.raises(InputError, match=r"set arms.Xd.rule_adherence: must be a probab"):
        p.with_rule_adherence("Xd", 1.2)


def test_run_settings_reach_the_arm_or_name_what_is_wrong():
    storm = load_protocol("storm")
    set_ = storm.with_settings({"arms.Xd.rule_adherence": 0.2,
                                "parameters.mm_kg0.median": 1e-3})
    assert set_.arm_plan("Xd").rule_adherence == 0.2
    for bad, message in (("arms.Xd.adherence", "an arm setting is arms.ARM.rule_adherence"),
                         ("arms.rule_adherence", "an arm setting is"),
                         ("arms.Xx.rule_adherence", "no arm 'Xx'")):
        with pytest.raises(InputError, match=message):
            storm.with_settings({bad: 0.5})


@pytest.mark.parametrize("value, expected", [
    ("1.5", r"mini.toml, line 18: arms\[0\].rule_adherence: .*probability in \[0, 1\]"),
    ("-0.1", r"line 18: arms\[0\].rule_adherence: must be a probability"),
    ('"high"', r"line 18: arms\[0\].rule_adherence: must be a probability"),
    ('{ calibration = "trial-storm" }', r"line 18: arms\[0\].rule_adherence: must be a "
     r"probability in \[0, 1\] or \{ calibration"),
    ('{ calibration = "trial-storm", estimate = "x", extra = 1 }',
     r"line 18: arms\[0\].rule_adherence"),
])
def test_bad_rule_adherence_names_file_line_and_field(value, expected):
    with pytest.raises(InputError) as err:
        parse_protocol(MINI.replace("rule_adherence = 0.4", f"rule_adherence = {value}"),
                       where="mini.toml")
    assert re.search(expected, str(err.value)), str(err.value)


def test_adherence_without_rules_and_a_missing_estimate_are_errors():
    text = MINI.replace('dose_rules = ["selinexor-mm", "dexamethasone-xd", "supportive"]\n',
                        "")
    with pytest.raises(InputError, match=r"line 17: arms\[0\].rule_adherence: given "
                       "without dose_rules"):
        parse_protocol(text, where="mini.toml")
    p = parse_protocol(MINI.replace("rule_adherence = 0.4", 'rule_adherence = { calibration '
                                    '= "trial-storm", estimate = "no_such" }'),
                       where="mini.toml")
    with pytest.raises(InputError, match=r"mini.toml, line 18: arms\[0\].rule_adherence: "
                       r".*no estimate 'no_such'"):
        p.arm_plan("Xd")


def test_storm_reads_its_calibrated_adherence():
    from xposim.presets.loader import stored_estimates

    storm = load_protocol("storm")
    value = storm.arm_plan("Xd").rule_adherence
    assert value == stored_estimates("trial-storm")["estimates"]["rule_adherence"]["value"]
    assert 0.0 < value < 1.0


# -- in virtual patients -----------------------------------------------------------------

N_PATIENTS = 10


@pytest.fixture(scope="module")
def patients():
    from xposim.patient.runner import clinical_simulator
    from xposim.trials.run import for_model, make_patient

    sim = clinical_simulator(disease="myeloma")
    proto = for_model(load_protocol("storm").with_rule_adherence("Xd", 1.0), sim)
    plan = proto.arm_plan("Xd")
    return sim, plan, [make_patient(proto, "Xd", k, 3)[0] for k in range(N_PATIENTS)]


def _decisions(sim, plan, people) -> pd.DataFrame:
    return pd.concat([sim.simulate(p, plan, seed=3).decisions for p in people],
                     ignore_index=True)


def test_adherence_one_is_the_table_as_written_in_virtual_patients(patients):
    sim, plan, people = patients
    plain = replace(plan, rule_book=_all_mandatory(plan.rule_book))
    a, b = _decisions(sim, plan, people), _decisions(sim, plain, people)
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert set(a["rule"]) & DISCRETIONARY_MM  # the comparison can fail


def test_adherence_zero_acts_only_on_mandatory_rules(patients):
    sim, plan, people = patients
    d = _decisions(sim, replace(plan, rule_adherence=0.0), people)
    sel = d[(d["drug"] == "selinexor") & d["action"].isin(["hold", "reduce"])]
    assert len(sel) and set(sel["rule"]) <= MANDATORY_MM | {"sel-fatigue", "sel-weight"}
    assert set(sel["rule"]) & MANDATORY_MM
    # the fatigue and weight rules act only on their mandatory part
    for r in sel[sel["rule"].isin(["sel-fatigue", "sel-weight"])].itertuples():
        assert "fatigue_grade" in str(r.lab) or "anorexia" in str(r.lab) or \
            "weight" in str(r.lab)


@pytest.mark.parametrize("setting", ["arms.Xd.rule_adherence",
                                     "arms.Xd.toxicity_discontinuation"])
def test_serial_and_two_processes_give_identical_tables_with_a_trait_at_one_half(tmp_path,
                                                                                setting):
    """A per-patient trait drawn at probability 0.5 (the investigator's adherence, the
    patient's stopping for toxicity): identical tables serial and on 2 processes."""
    from xposim.patient.runner import clinical_simulator
    from xposim.trials.run import run_trial
    from xposim.trials.store import TrialFolder

    def tables(path):
        f = TrialFolder.existing(path)
        return {t: f.read(t) for t in ("subjects", "decisions", "doses")}

    sim = clinical_simulator(disease="myeloma")
    settings = {setting: 0.5}
    run_trial("storm", n=6, seed=11, out=tmp_path / "s", simulator=sim, settings=settings,
              chunk_size=6)
    run_trial("storm", n=6, seed=11, out=tmp_path / "p", simulator=sim, settings=settings,
              chunk_size=2, backend="processes", workers=2)
    a, b = tables(tmp_path / "s"), tables(tmp_path / "p")
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True, obj=name)
    assert {"investigator_adherent", "stops_for_toxicity"} <= set(a["subjects"])


# -- the calibration's mixture of the two strata ------------------------------------------


def test_the_fit_mixes_the_adherent_and_non_adherent_strata_linearly(tmp_path):
    """xposim/calibration/functions/trial.py: a run at the design adherence, each figure
    the p-weighted mixture of the two strata — at p = 1 the adherent patients' figure, at
    p = 0 the others', linear in between for the proportions."""
    from xposim.calibration.functions.trial import smooth_figures
    from xposim.patient.runner import clinical_simulator
    from xposim.trials.run import run_trial, subject_key
    from xposim.trials.store import TrialFolder

    proto = load_protocol("storm").with_rule_adherence("Xd", 0.5)
    run = run_trial("storm", n=16, seed=5, out=tmp_path / "r",
                    simulator=clinical_simulator(disease="myeloma"),
                    settings={"arms.Xd.rule_adherence": 0.5})
    f = TrialFolder.existing(run.path)
    subjects = f.read("subjects")
    tc = f.read("time_course", columns=["day", "variable", "value"])
    decisions = f.read("decisions")
    adherent = {int(s): follows_discretionary(0.5, 5, subject_key(proto, "Xd", int(s)))
                for s in subjects["subject_id"]}
    assert 0 < sum(adherent.values()) < len(adherent)
    # the subjects table records each patient's draw (what the calibration reads)
    assert dict(zip(subjects["subject_id"].astype(int),
                    subjects["investigator_adherent"].astype(bool), strict=True)) == adherent
    plan = proto.arm_plan("Xd")

    def figs(sub, p, adh=adherent):
        return smooth_figures(sub, tc[tc["subject_id"].isin(sub["subject_id"])], decisions,
                              assessment_days=plan.assessment_days, lab_days=plan.lab_days,
                              adherent=adh, adherence=p)

    mixed = {p: figs(subjects, p) for p in (0.0, 0.3, 1.0)}
    only_a = figs(subjects[subjects["subject_id"].map(adherent)], None)
    only_n = figs(subjects[~subjects["subject_id"].map(adherent)], None)
    for name in ("orr_smooth", "grade4_thrombocytopenia_smooth", "dose_modified_smooth",
                 "median_pfs_months_smooth"):
        assert mixed[1.0][name] == pytest.approx(only_a[name], rel=1e-9)
        assert mixed[0.0][name] == pytest.approx(only_n[name], rel=1e-9)
    for name in ("orr_smooth", "grade34_thrombocytopenia_smooth", "dose_modified_smooth"):
        assert mixed[0.3][name] == pytest.approx(0.3 * only_a[name] + 0.7 * only_n[name],
                                                 rel=1e-9)
    # the non-adherent stratum counts a modification at the mandatory lines only: counted
    # at the discretionary lines, the same patients would be modified more often
    sub_n = subjects[~subjects["subject_id"].map(adherent)]
    as_if = figs(sub_n, None, dict.fromkeys(adherent, True))
    assert as_if["dose_modified_smooth"] > only_n["dose_modified_smooth"]
