"""Patients' and investigators' own decisions to stop after an adverse event (the arm
setting ``toxicity_discontinuation``, xposim/patient/rules.py :func:`stops_for_toxicity`):

- the setting is validated like ``rule_adherence`` (protocol field, run setting, arm plan);
- at 0 (the default) nothing changes: no draw, the rules alone stop a drug;
- the trait is one draw per patient from its own stream: turning it on changes no other
  draw (the course up to the stop is the one without it, the adherence draw is the same);
- at 1 every patient stops at the first visit on treatment with a grade >= 3 event, each
  drug logged as a ``patient-choice-toxicity`` discontinuation;
- serial and 2-process runs are identical with the trait drawn;
- the calibration mixes the strata with the product of the two mixtures' probabilities.
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from test_rule_adherence import MINI

from xposim.calibration.functions.trial import mixture_weights
from xposim.errors import InputError
from xposim.patient.outcome import TOXICITIES
from xposim.patient.rules import (
    PATIENT_CHOICE_RULE,
    adherence_draw,
    stops_for_toxicity,
    toxicity_stop_draw,
)
from xposim.trials.protocol import load_protocol, parse_protocol

# -- the setting --------------------------------------------------------------------------


def test_the_setting_reaches_the_arm_plan_and_defaults_to_zero():
    p = parse_protocol(MINI, where="mini.toml")
    assert p.arm_plan("Xd").toxicity_discontinuation == 0.0
    q = parse_protocol(MINI + "toxicity_discontinuation = 0.3\n", where="mini.toml")
    assert q.arm_plan("Xd").toxicity_discontinuation == 0.3
    assert q.arm_plan("Xd").rule_adherence == 0.4  # the other setting untouched
    s = load_protocol("storm").with_settings({"arms.Xd.toxicity_discontinuation": 0.6})
    assert s.arm_plan("Xd").toxicity_discontinuation == 0.6
    assert s.arm_plan("Xd").rule_adherence == load_protocol("storm").arm_plan(
        "Xd").rule_adherence


@pytest.mark.parametrize("value, expected", [
    ("1.5", r"mini.toml, line 19: arms\[0\].toxicity_discontinuation: .*probability in"),
    ("-0.1", r"line 19: arms\[0\].toxicity_discontinuation: must be a probability"),
    ("true", r"line 19: arms\[0\].toxicity_discontinuation: must be a probability"),
    ('{ calibration = "trial-storm" }', r"line 19: arms\[0\].toxicity_discontinuation: "
     r"must be a probability in \[0, 1\] or \{ calibration"),
])
def test_a_bad_protocol_value_names_file_line_and_field(value, expected):
    with pytest.raises(InputError) as err:
        parse_protocol(MINI + f"toxicity_discontinuation = {value}\n", where="mini.toml")
    assert re.search(expected, str(err.value)), str(err.value)


def test_a_missing_estimate_bad_settings_and_bad_plans_name_the_field():
    p = parse_protocol(MINI + 'toxicity_discontinuation = { calibration = "trial-storm", '
                       'estimate = "no_such" }\n', where="mini.toml")
    with pytest.raises(InputError, match=r"line 19: arms\[0\].toxicity_discontinuation: "
                       r".*no estimate 'no_such'"):
        p.arm_plan("Xd")
    storm = load_protocol("storm")
    for bad, value, message in (
            ("arms.Xd.toxicity_discontinuation", 1.2,
             r"set arms.Xd.toxicity_discontinuation: must be a probability"),
            ("arms.Xd.toxicity_discontinuation", float("nan"), "must be a probability"),
            ("arms.Xx.toxicity_discontinuation", 0.5, "no arm 'Xx'"),
            ("arms.Xd.toxicity_stop", 0.5, "arms.ARM.toxicity_discontinuation=VALUE")):
        with pytest.raises(InputError, match=message):
            storm.with_settings({bad: value})
    plan = storm.arm_plan("Xd")
    with pytest.raises(InputError, match="toxicity_discontinuation"):
        replace(plan, toxicity_discontinuation=-0.5)
    with pytest.raises(InputError, match="toxicity_discontinuation"):
        stops_for_toxicity(2.0, 1, (1, 2))


def test_the_trait_is_its_own_stream_and_one_draw_per_patient():
    keys = [(7, k) for k in range(200)]
    u = np.array([toxicity_stop_draw(3, k) for k in keys])
    assert np.array_equal(u, [toxicity_stop_draw(3, k) for k in keys])  # (seed, patient)
    assert not np.array_equal(u, [adherence_draw(3, k) for k in keys])
    assert abs(np.corrcoef(u, [adherence_draw(3, k) for k in keys])[0, 1]) < 0.2
    assert [stops_for_toxicity(0.3, 3, k) for k in keys] == list(u < 0.3)
    assert not any(stops_for_toxicity(0.0, 3, k) for k in keys)
    assert all(stops_for_toxicity(1.0, 3, k) for k in keys)
    assert 0.2 < float(np.mean(u < 0.3)) < 0.4


# -- in virtual patients -------------------------------------------------------------------

N_PATIENTS = 12


@pytest.fixture(scope="module")
def runs():
    """The same storm patients at toxicity_discontinuation 0 and 1 (their outcomes)."""
    from xposim.patient.runner import clinical_simulator
    from xposim.trials.run import for_model, make_patient

    sim = clinical_simulator(disease="myeloma")
    proto = for_model(load_protocol("storm"), sim)
    plan = proto.arm_plan("Xd")
    people = [make_patient(proto, "Xd", k, 3)[0] for k in range(N_PATIENTS)]
    out = {}
    for q in (0.0, 1.0):
        arm = replace(plan, toxicity_discontinuation=q)
        out[q] = [sim.simulate(p, arm, seed=3) for p in people]
    return plan, out


def _first_grade3(summary) -> float:
    days = [summary.first_grade34_day[t] for t in TOXICITIES]
    days = [d for d in days if d is not None]
    return min(days) if days else np.inf


def test_probability_one_stops_each_patient_at_the_first_grade3_visit(runs):
    _plan, out = runs
    stopped = kept = 0
    for off, on in zip(out[0.0], out[1.0], strict=True):
        s0, s1 = off.summary, on.summary
        assert s1.stops_for_toxicity and not s0.stops_for_toxicity
        first = _first_grade3(s0)
        # the trait acts at a lab visit while on treatment (the rules act first there)
        if first <= s0.end_of_treatment_day and not (
                s0.end_of_treatment_reason == "completed"
                and first >= s0.end_of_treatment_day):
            assert s1.end_of_treatment_day == first
            assert s1.end_of_treatment_reason == "toxicity"
            d = on.decisions
            if s0.end_of_treatment_reason == "toxicity" and \
                    s0.end_of_treatment_day == first:
                continue  # the rules stopped every drug at that visit already
            stopped += 1
            mine = d[d["rule"] == PATIENT_CHOICE_RULE]
            assert set(mine["day"]) == {first}
            assert set(mine["action"]) == {"discontinue"}
            assert set(mine["drug"]) >= {"selinexor"}
            assert (d["day"] <= first).all()  # nothing after the stop
        else:  # no qualifying event on treatment: the course is the one without the trait
            kept += 1
            assert s1.end_of_treatment_day == s0.end_of_treatment_day
            pd.testing.assert_frame_equal(off.time_course, on.time_course,
                                          check_exact=True)
    assert stopped > 0  # the test can fail both ways
    assert kept + stopped > 0


def test_turning_the_trait_on_changes_no_other_draw(runs):
    """Up to the stop the course is the one without the trait (same AE draws, same
    adherence draw): the trait's stream is its own."""
    _plan, out = runs
    for off, on in zip(out[0.0], out[1.0], strict=True):
        end = on.summary.end_of_treatment_day
        assert on.summary.investigator_adherent == off.summary.investigator_adherent
        a = off.time_course[off.time_course["day"] <= end].reset_index(drop=True)
        b = on.time_course[on.time_course["day"] <= end].reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b, check_exact=True)
        for t in TOXICITIES:  # grades at and before the stop are the same draws
            d0 = off.summary.first_grade34_day[t]
            if d0 is not None and d0 <= end:
                assert on.summary.first_grade34_day[t] == d0


def test_setting_zero_is_the_arm_without_the_setting(runs):
    from xposim.patient.runner import clinical_simulator
    from xposim.trials.run import for_model, make_patient

    plan, out = runs
    sim = clinical_simulator(disease="myeloma")
    proto = for_model(load_protocol("storm"), sim)
    people = [make_patient(proto, "Xd", k, 3)[0] for k in range(3)]
    for p, ref in zip(people, out[0.0], strict=False):
        o = sim.simulate(p, plan, seed=3)  # the protocol's own plan: the default 0
        assert o.summary == ref.summary
        for name in ("time_course", "decisions", "doses"):
            pd.testing.assert_frame_equal(getattr(o, name), getattr(ref, name),
                                          check_exact=True)
        assert PATIENT_CHOICE_RULE not in set(ref.decisions["rule"])


# -- the calibration's mixture ----------------------------------------------------------


def _cell_mass(w, a, s):
    n = w.size
    return {(x, y): float(w[(a == x) & (s == y)].sum() / n)
            for x in (True, False) for y in (True, False)}


def test_the_mixture_weights_are_the_product_of_the_two_strata_probabilities():
    rng = np.random.default_rng(0)
    a = rng.random(40) < 0.5
    s = rng.random(40) < 0.5
    for p, q in ((0.3, 0.6), (1.0, 0.2), (0.0, 1.0), (0.5, 0.5)):
        w = mixture_weights([(a, p), (s, q)])
        mass = _cell_mass(w, a, s)
        for (x, y), m in mass.items():
            assert m == pytest.approx((p if x else 1 - p) * (q if y else 1 - q), abs=1e-12)
        # the patients of one cell share its probability equally
        for x in (True, False):
            for y in (True, False):
                cell = w[(a == x) & (s == y)]
                assert np.allclose(cell, cell[0])
    # linear in each estimate: a figure's weighted mean at q is the q-mixture of 0 and 1
    f = rng.random(40)

    def fig(p, q):
        return float(np.average(f, weights=mixture_weights([(a, p), (s, q)])))

    for p in (0.2, 0.7):
        assert fig(p, 0.3) == pytest.approx(0.3 * fig(p, 1.0) + 0.7 * fig(p, 0.0))
        assert fig(p, 0.3) == pytest.approx(p * fig(1.0, 0.3) + (1 - p) * fig(0.0, 0.3))


def test_the_mixture_without_adherence_a_missing_cell_and_a_missing_stratum():
    s = np.array([True, True, False, False, False])
    w = mixture_weights([(s, 0.25)])
    assert w[s] == pytest.approx(np.full(2, 0.25 / 2 * 5))
    assert w[~s] == pytest.approx(np.full(3, 0.75 / 3 * 5))
    # an empty cell: the product of the two marginal weights
    a = np.array([True, True, True, False, False])
    s = np.array([True, False, True, False, False])  # no (not adherent, stops) patient
    w = mixture_weights([(a, 0.5), (s, 0.5)])
    marg = np.where(a, 0.5 / 3, 0.5 / 2) * np.where(s, 0.5 / 2, 0.5 / 3)
    assert w == pytest.approx(marg * 5 / marg.sum())
    assert mixture_weights([(a, 0.5), (np.ones(5, bool), 0.5)]) is None
    assert mixture_weights([(np.ones(5, bool), 0.5), (s, 0.5)]) is None


def test_the_fit_mixes_the_discontinuation_strata_of_a_design_run(tmp_path):
    """A run at the design values (adherence and discontinuation 0.5): the subjects table
    records each patient's trait; ``discontinued_toxicity_smooth`` at q = 1 / 0 is the
    share of the stopping / other patients (adherence-mixed), linear in between; with no
    mixture it is the run's hard count."""
    from xposim.calibration.functions.trial import smooth_figures
    from xposim.patient.runner import clinical_simulator
    from xposim.trials.run import run_trial, subject_key
    from xposim.trials.store import TrialFolder

    settings = {"arms.Xd.rule_adherence": 0.5, "arms.Xd.toxicity_discontinuation": 0.5}
    proto = load_protocol("storm").with_settings(settings)
    run = run_trial("storm", n=16, seed=5, out=tmp_path / "r",
                    simulator=clinical_simulator(disease="myeloma"), settings=settings)
    f = TrialFolder.existing(run.path)
    subjects = f.read("subjects")
    tc = f.read("time_course", columns=["day", "variable", "value"])
    decisions = f.read("decisions")
    ids = subjects["subject_id"].astype(int)
    stopper = {int(s): stops_for_toxicity(0.5, 5, subject_key(proto, "Xd", int(s)))
               for s in ids}
    assert dict(zip(ids, subjects["stops_for_toxicity"].astype(bool), strict=True)) == \
        stopper
    assert 0 < sum(stopper.values()) < len(stopper)
    adherent = dict(zip(ids, subjects["investigator_adherent"].astype(bool), strict=True))
    plan = proto.arm_plan("Xd")

    def figs(sub, p=None, q=None):
        return smooth_figures(sub, tc[tc["subject_id"].isin(sub["subject_id"])], decisions,
                              assessment_days=plan.assessment_days, lab_days=plan.lab_days,
                              adherent=adherent, adherence=p,
                              stopper=None if q is None else stopper, discontinuation=q)

    name = "discontinued_toxicity_smooth"
    assert figs(subjects)[name] == pytest.approx(
        run.endpoints["arms"]["Xd"]["discontinued_toxicity"])
    tox = (subjects["end_of_treatment_reason"] == "toxicity").to_numpy()
    s_ = subjects["subject_id"].map(stopper).to_numpy(bool)
    a_ = subjects["subject_id"].map(adherent).to_numpy(bool)

    def cell(x, y):
        m = (a_ == x) & (s_ == y)
        return float(tox[m].mean())

    if all(((a_ == x) & (s_ == y)).any() for x in (True, False) for y in (True, False)):
        for p, q in ((0.3, 1.0), (0.3, 0.0), (0.8, 0.4)):
            expect = sum((p if x else 1 - p) * (q if y else 1 - q) * cell(x, y)
                         for x in (True, False) for y in (True, False))
            assert figs(subjects, p, q)[name] == pytest.approx(expect, rel=1e-9)
    lo, mid, hi = (figs(subjects, 0.5, q)[name] for q in (0.0, 0.3, 1.0))
    assert mid == pytest.approx(0.7 * lo + 0.3 * hi, rel=1e-9)
    assert hi > lo  # the stopping patients stop for toxicity more often


def test_the_target_function_runs_the_design_value_and_mixes_the_estimate():
    """``trial_endpoints(..., discontinuation=NAME)``: the arm is run at the design value
    whatever the estimate (same hard figures), the smooth share moves with it."""
    from xposim.calibration.context import Context, Session
    from xposim.calibration.functions import trial

    def ctx(q, s):
        return Context({"q": q, "a": 0.5}, {"q": "1", "a": "1"}, session=s)

    with Session() as s:
        lo, hi = (trial.trial_endpoints(ctx(q, s), protocol="storm", n=12, seed=5,
                                        adherence="a", discontinuation="q")
                  for q in (0.0, 1.0))
    assert lo["discontinued_toxicity"] == hi["discontinued_toxicity"]
    assert lo["orr"] == hi["orr"]
    assert 0.0 <= lo["discontinued_toxicity_smooth"] < hi["discontinued_toxicity_smooth"]
    assert hi["discontinued_toxicity_smooth"] <= 1.0
    with pytest.raises(InputError, match="discontinuation_design"):
        trial.trial_endpoints(ctx(0.3, None), protocol="storm", n=2, seed=1,
                              discontinuation="q", discontinuation_design=1.0)
    with pytest.raises(InputError, match="q: toxicity discontinuation must be in"):
        trial.trial_endpoints(Context({"q": 1.3}, {"q": "1"}), protocol="storm", n=2,
                              seed=1, discontinuation="q")
