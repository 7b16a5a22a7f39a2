"""Behaviour of the clinical patient model, each with its source or stated as a law.

Kind: validation of directions (qualitative), on the trial-calibrated model (issue 14:
`xposim calibrate trial-storm`, `trial-boston-vd`); no test here compares with a number
the model was fitted to.
"""

from __future__ import annotations

import numpy as np
import pytest

from xposim.patient.arm import default_arm, typical_patient
from xposim.patient.runner import ClinicalPatientSimulator

XD = "label:selinexor-dex"


@pytest.fixture(scope="module")
def sim() -> ClinicalPatientSimulator:
    return ClinicalPatientSimulator()


def _marker(outcome, day: float) -> float:
    tc = outcome.time_course
    return float(tc[(tc["variable"] == "m_protein_g_dl") & (tc["day"] == day)]["value"].iloc[0])


def test_m_protein_falls_faster_at_80_than_at_40_mg_twice_weekly(sim):
    """Exposure-response: response rises with selinexor exposure (Xu et al., Cancer
    Chemother Pharmacol 2021: ORR rose with day-1 Cmax). With dexamethasone and no dose
    modification, the typical patient's M-protein is lower at days 28 and 56 on 80 mg
    than on 40 mg twice weekly."""
    pt = typical_patient()
    runs = {}
    for mg in (40, 80):
        arm = default_arm(f"selinexor {mg} mg PO days 1,3 weekly + dexamethasone 20 mg PO "
                          "days 1,3 weekly", "myeloma", 8)
        runs[mg] = sim.run(pt, arm, seed=1).outcome
    for day in (28.0, 56.0):
        assert _marker(runs[80], day) < _marker(runs[40], day)
    assert runs[80].summary.best_change < runs[40].summary.best_change - 0.05


def test_a_c528s_tumour_does_not_respond():
    """XPO1 C528S knock-in cells are essentially resistant to SINE compounds (Neggers et
    al., Chem Biol 2015). On selinexor alone the C528S tumour reaches no response (SD or
    PD, best change above -25%) while the wild-type tumour of the same patient responds;
    on Xd selinexor adds nothing to what dexamethasone alone does to the wild-type tumour
    (dexamethasone acts through GR, not XPO1), at the same dexamethasone doses."""
    pt = typical_patient()
    mutant_sim = ClinicalPatientSimulator(preset="myeloma-c528s")
    wild_sim = ClinicalPatientSimulator()
    sel = default_arm("selinexor 80 mg PO days 1,3 weekly", "myeloma", 12)
    mutant = mutant_sim.run(pt, sel, seed=1).outcome
    wild = wild_sim.run(pt, sel, seed=1).outcome
    assert mutant.summary.best_response in ("SD", "PD")
    assert mutant.summary.best_change > -0.25
    assert wild.summary.best_change < mutant.summary.best_change - 0.2
    # Xd as written, without the label's rules: under them selinexor's marrow effect (the
    # marrow's XPO1 is wild type) holds selinexor and dexamethasone with it, and the
    # comparison would measure the lost dexamethasone doses, not the tumour
    xd = mutant_sim.run(pt, default_arm("selinexor 80 mg PO days 1,3 weekly + dexamethasone "
                                        "20 mg PO days 1,3 weekly", "myeloma", 12),
                        seed=1).outcome
    dex = wild_sim.run(pt, default_arm("dexamethasone 20 mg PO days 1,3 weekly", "myeloma",
                                       12), seed=1).outcome
    assert xd.summary.best_response in ("SD", "PD", "MR")
    assert xd.summary.best_change == pytest.approx(dex.summary.best_change, abs=0.05)


def test_a_patient_with_high_xpo1_expression_responds_less(sim):
    """More XPO1 protein, less sensitivity (Crochiere et al., Oncotarget 2017: occupancy
    saturates whatever the sensitivity; higher XPO1 correlated with lower sensitivity).
    The patient reads its tumour's nuclear suppressors as a function of the *absolute*
    drug-free XPO1 left (xposim.patient.reduction), so a tumour with 2.7 uM XPO1 shrinks
    less than one with 0.9 uM (the preset), and one with 0.3 uM more, at the same
    occupancy."""
    arm = default_arm(XD, "myeloma", 12)
    change = {}
    occupancy = {}
    for x in (300.0, 900.0, 2700.0):
        run = sim.run(typical_patient(parameters={"XPO1_total0": x}), arm, seed=1,
                      record_step_h=1.0)
        change[x] = run.outcome.summary.best_change
        tc = run.timecourse
        occupancy[x] = tc[tc["variable"] == "occupancy"]["value"].max()
    assert change[300.0] < change[900.0] < change[2700.0]
    assert change[2700.0] - change[300.0] > 0.1  # a clear difference, not a tie
    # the occupied fraction is (nearly) the same whatever the XPO1 level: it saturates
    assert min(occupancy.values()) > 0.9
    assert np.ptp(list(occupancy.values())) < 0.02


def test_dose_holds_when_platelets_cross_the_rule_threshold_and_the_log_says_so(sim):
    """Label rule (XPOVIO PI Table 2): platelets < 25 x10^9/L: interrupt, restart one dose
    level lower once platelets are back to >= 50. A patient with low baseline platelets
    on Xd: the log holds selinexor (and dexamethasone with it) on the first visit below 25,
    with the count it read, gives no selinexor while held, and resumes one level lower at
    the first visit >= 50."""
    arm = default_arm(XD, "myeloma", 10)
    out = sim.run(typical_patient(covariates={"platelets_1e9_per_l": 90.0}), arm,
                  seed=2).outcome
    dec = out.decisions
    sel = dec[(dec["drug"] == "selinexor") & (dec["lab"] == "platelets_1e9_per_l")]
    hold = sel[sel["action"] == "hold"].iloc[0]
    assert hold["rule"] == "sel-plt-lt25" and hold["lab_value"] < 25.0
    tc = out.time_course
    plt = tc[tc["variable"] == "platelets_1e9_per_l"].set_index("day")["value"]
    assert plt[hold["day"]] == pytest.approx(hold["lab_value"])
    earlier = plt[plt.index < hold["day"]]
    assert (earlier >= 25.0).all()  # the first crossing
    assert ((dec["drug"] == "dexamethasone") & (dec["action"] == "hold")
            & (dec["day"] == hold["day"])).any()
    resume = sel[(sel["action"] == "resume") & (sel["day"] > hold["day"])].iloc[0]
    assert resume["lab_value"] >= 50.0
    between = plt[(plt.index > hold["day"]) & (plt.index < resume["day"])]
    assert (between < 50.0).all()
    doses = out.doses[out.doses["drug"] == "selinexor"]
    assert not ((doses["day"] >= hold["day"]) & (doses["day"] < resume["day"])).any()
    from xposim.pharmacology.label_regimens import label_regimen

    before = sel[sel["day"] < hold["day"]]
    level_before = len(before[before["action"] == "reduce"].drop_duplicates("day"))
    steps = label_regimen("selinexor-dex").reductions["selinexor"].texts
    assert resume["new_dose"] == steps[level_before + 1]
    assert out.summary.dose_holds >= 1 and out.summary.dose_modified


def test_60_mg_gives_fewer_grade_3_4_thrombocytopenia_than_80_mg_twice_weekly(sim):
    """Label §5.1: grade 3-4 thrombocytopenia in 61% at 80 mg twice weekly (myeloma) vs
    49% at 60 mg twice weekly (DLBCL). Without dose modification, the typical patient
    spends less time at grade 3-4 on 60 mg (hourly record), with a higher nadir; across
    baseline counts of 200-440 x10^9/L (normal range), no baseline has grade 3-4 on 60 mg
    but not on 80 mg."""
    def course(mg: float, base: float):
        arm = default_arm(f"selinexor {mg:g} mg PO days 1,3 weekly", "myeloma", 12)
        run = sim.run(typical_patient(covariates={"platelets_1e9_per_l": base}), arm,
                      seed=1, record_step_h=1.0)
        tc = run.timecourse
        plt = tc[tc["variable"] == "plt_1e9_per_l"]["value"].to_numpy()
        assert plt.size > 24 * 7 * 12  # hourly over 12 weeks
        return run.outcome.summary, int((plt < 50.0).sum())

    s80, hours80 = course(80, 240.0)
    s60, hours60 = course(60, 240.0)
    assert hours60 < hours80
    assert s60.platelet_nadir_1e9_per_l > s80.platelet_nadir_1e9_per_l
    bases = (200.0, 300.0, 400.0, 440.0)
    g80 = [course(80, b)[0].first_grade34_day["thrombocytopenia"] is not None for b in bases]
    g60 = [course(60, b)[0].first_grade34_day["thrombocytopenia"] is not None for b in bases]
    assert all(a or not b for a, b in zip(g80, g60, strict=True))


# The readings below are stricter than the laws above; the trial calibration moved the
# model past them. Kept as strict xfails with the measured values (docs/known-gaps.md).

@pytest.mark.xfail(strict=True, reason="-25.3% at 12 weeks, just past -25%: selinexor no "
                   "longer acts on the mutant, but the dexamethasone route and the kill "
                   "maximum refitted with the resistance spread (0.0182 /h) still shrink it "
                   "(docs/known-gaps.md)")
def test_a_c528s_tumour_on_xd_stays_above_minus_25_percent():
    """Reading of Neggers et al. 2015 on the combination: no response on Xd."""
    out = ClinicalPatientSimulator(preset="myeloma-c528s").run(
        typical_patient(), default_arm(XD, "myeloma", 12), seed=1).outcome
    assert out.summary.best_change > -0.25


@pytest.mark.xfail(strict=True, reason="with the calibrated kill maximum (trial-storm) a "
                   "tumour with 2.7 uM XPO1 still falls 43.5% on Xd at 12 weeks (MR), not "
                   "less than 25%; the order 0.3 < 0.9 < 2.7 uM holds (-63%, -57%, -43.5%). "
                   "docs/known-gaps.md")
def test_a_tumour_with_high_xpo1_expression_responds_little(sim):
    """Reading of Crochiere 2017: little response (above -25%) at 2.7 uM XPO1."""
    run = sim.run(typical_patient(parameters={"XPO1_total0": 2700.0}),
                  default_arm(XD, "myeloma", 12), seed=1)
    assert run.outcome.summary.best_change > -0.25


@pytest.mark.xfail(strict=True, reason="a tie, 4 of 4 at both doses, with the marrow "
                   "effect refitted with the resistance spread (plt_sel_emax 0.815): the "
                   "440 baseline's nadir is 47.7 at 60 mg (40.9 at 80 mg); every nadir is "
                   "higher at 60 mg (docs/known-gaps.md)")
def test_fewer_baselines_reach_grade_3_4_on_60_than_on_80_mg(sim):
    """Label §5.1 (49% at 60 mg vs 61% at 80 mg) read on 4 typical patients: fewer reach
    grade 3-4 at 60 mg. 3 of 4 with the marrow effect fitted on 400 STORM patients
    (plt_sel_emax 0.785); a tie, 4 and 4, with the 200-patient fit's 0.853 and with the
    refit with the resistance spread (0.815)."""
    def reaches(mg: float, base: float) -> bool:
        arm = default_arm(f"selinexor {mg:g} mg PO days 1,3 weekly", "myeloma", 12)
        out = sim.run(typical_patient(covariates={"platelets_1e9_per_l": base}), arm,
                      seed=1).outcome
        return out.summary.first_grade34_day["thrombocytopenia"] is not None

    bases = (200.0, 300.0, 400.0, 440.0)
    assert sum(reaches(60, b) for b in bases) < sum(reaches(80, b) for b in bases)
