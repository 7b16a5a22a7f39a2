"""Laws and closed forms of the clinical patient model (xposim.patient).

Kind: laws. Each test states the law and checks the composed model against it; none
compares the model with a figure it was fitted to.
"""

from __future__ import annotations

import math
from functools import cache
from itertools import pairwise

import numpy as np
import pytest

from xposim.engine import Bolus, Simulator
from xposim.model.module import compose
from xposim.patient.arm import default_arm, typical_patient
from xposim.patient.coupling import coupling_module, detailed_tumour_cell
from xposim.patient.reduction import untreated_state
from xposim.patient.runner import ClinicalPatientSimulator

DAY = 24.0


@pytest.fixture(scope="module")
def sim() -> ClinicalPatientSimulator:
    return ClinicalPatientSimulator()


def test_untreated_myeloma_follows_its_growth_law_exactly():
    """Untreated, the burden grows as the Simeoni law says (exponential while kg0·W/kg1
    << 1, psi = 20), and the serum M-protein follows dMP/dt = q·W - kdeg·MP in closed form:
    MP(t) = q·W0·[(e^(kg0 t) - e^(-kdeg t))/(kg0 + kdeg) + e^(-kdeg t)/kdeg]."""
    sim = ClinicalPatientSimulator(rtol=1e-9, atol=1e-10)
    pm, _ = sim.model_for(("selinexor",))
    d = pm.defaults
    days = np.array([0.0, 28.0, 84.0, 168.0])
    course = sim.untreated_course(typical_patient(), days,
                                  ["mm_burden", "mm_mprotein", "mm_death_hazard",
                                   "mm_growth_switch"])
    kg0, kdeg, q, w0 = (d["mm_kg0"], d["mm_mprotein_kdeg"], d["mm_mprotein_secretion"],
                        d["mm_burden0"])
    # exponential phase: G = (1 + r^20)^(-1/20) differs from 1 by < 1e-7 while r < 0.5
    assert w0 * kg0 * math.exp(kg0 * days[-1] * DAY) / d["mm_kg1"] < 0.5
    t = days * DAY
    burden = w0 * np.exp(kg0 * t)
    mp = q * w0 * ((np.exp(kg0 * t) - np.exp(-kdeg * t)) / (kg0 + kdeg)
                   + np.exp(-kdeg * t) / kdeg)
    assert np.all(course["mm_death_hazard"] == 0.0)  # no drug: no drug-induced death
    assert np.allclose(course["mm_growth_switch"], 1.0, rtol=1e-12)
    assert np.allclose(course["mm_burden"], burden, rtol=1e-6)
    assert np.allclose(course["mm_mprotein"], mp, rtol=1e-6)


@pytest.mark.parametrize("xpo1_nM", [300.0, 2700.0])
def test_untreated_patient_has_no_drug_induced_hazard_whatever_its_xpo1(sim, xpo1_nM):
    """The coupling kills only with the drug-induced excess of the death signal: a patient
    whose tumour XPO1 differs from the preset's starts from its own untreated cell, whose
    signals are not zero, and still has zero hazard and zero growth inhibition untreated."""
    course = sim.untreated_course(typical_patient(parameters={"XPO1_total0": xpo1_nM}),
                                  [0.0, 7.0, 56.0],
                                  ["mm_death_hazard", "mm_growth_inhibition", "death_drive"])
    kill = sim.model_for(("selinexor",))[0].defaults["mm_kill_max"]
    assert np.all(course["mm_death_hazard"] < 1e-15 * kill)  # rounding only
    # the growth inhibition reads the signals' excess over the untreated state linearly:
    # CVODE holds that state to ~1e-10 relative (the drive's own bound below), so its
    # residue is of that order, not rounding (3e-11 seen at 300 nM)
    assert np.all(course["mm_growth_inhibition"] < 1e-9)
    # the reduced cell starts at its own untreated quasi-steady state: nothing drifts
    assert np.ptp(course["death_drive"]) < 1e-9 * max(1.0, course["death_drive"].abs().max())


def _four_weeks_then_stop(sim):
    arm = default_arm("selinexor 80 mg PO days 1,3 weekly x 4 weeks", "myeloma", 10)
    run = sim.run(typical_patient(), arm, seed=1, record_step_h=6.0)
    tc = run.timecourse
    plt = tc[tc["variable"] == "plt_1e9_per_l"].set_index("day")["value"]
    occ = tc[tc["variable"] == "mk_occupancy"].set_index("day")["value"]
    return plt, occ, float(run.outcome.doses["day"].max())


def test_platelets_return_to_baseline_after_the_drug_stops(sim):
    """Reversibility (Machlus et al., Blood 2017: thrombocytopenia by blocked TPO
    signalling and megakaryopoiesis, reversible off drug): after 4 weeks of 80 mg twice
    weekly the platelets fell to grade 3 and come back above 90% of baseline (35.5 days
    after the last dose with the calibrated 292 h transit time; no patient recovery time
    was found, gap), and the marrow XPO1 occupancy returns to 0."""
    plt, occ, last_dose = _four_weeks_then_stop(sim)
    assert last_dose == pytest.approx(23.0)
    base = float(plt.iloc[0])
    assert plt.min() < 0.3 * base  # the drug did take platelets down (grade 3)
    after = plt[plt.index > last_dose]
    assert (after >= 0.9 * base).any()
    assert occ[occ.index > last_dose + 14].max() < 1e-3


@pytest.mark.xfail(strict=True, reason="with plt_mtt calibrated to the label's 22-day onset "
                   "(trial-storm, 292 h) platelets are back above 90% of baseline 35.5 days "
                   "after the last dose, not within 28 (an assumed bound; 21 days with the "
                   "borrowed 173 h). docs/known-gaps.md")
def test_platelets_recover_within_four_weeks_of_the_last_dose(sim):
    """A drug holiday of 4 weeks brings the platelets back above 90% of baseline (an
    assumed reading of Machlus 2017's reversibility)."""
    plt, _, last_dose = _four_weeks_then_stop(sim)
    after = plt[plt.index > last_dose]
    back = float(after[after >= 0.9 * float(plt.iloc[0])].index[0]) - last_dose
    assert back < 28.0


def test_cells_are_conserved_without_growth_under_treatment(sim):
    """Mass balance of the composed patient: with growth off (mm_kg0 = 0), the drug only
    moves cells from sensitive and resistant to damaged to cleared, so their sum is
    constant; the AE grade probabilities of each chain sum to 1 at every time."""
    pm, _ = sim.model_for(("selinexor", "dexamethasone"))
    s = Simulator(pm.model, rtol=1e-8, atol=1e-10)
    cells = ["mm_sensitive", "mm_resistant", "mm_damaged1", "mm_damaged2", "mm_damaged3",
             "mm_cleared"]
    probs = [f"nausea_p{g}" for g in range(4)]
    ev = [Bolus(DAY * d, "sel_depot", 80.0) for d in (0, 2, 7, 9)]
    ev += [Bolus(DAY * d, "dex_gut", 20.0) for d in (0, 2, 7, 9)]
    res = s.run(np.linspace(0, 21 * DAY, 22), parameters={"mm_kg0": 0.0}, events=ev,
                outputs=[*cells, *probs, "mm_death_hazard"])
    total = sum(res[c] for c in cells)
    assert res["mm_death_hazard"].max() > 1e-4  # the drug kills
    assert res["mm_cleared"][-1] > 1e-3 * total[0]
    assert np.max(np.abs(total / total[0] - 1)) < 1e-7
    assert np.allclose(sum(res[p] for p in probs), 1.0, rtol=1e-8)


#: Presets whose 72 h dish IC50s differ clearly (ratio > 1.5 between neighbours), so
#: their order is a property of the cell biology, not of fitting noise.
RANKED = ("myeloma", "RPMI-8226", "RPMI-8226-B25", "myeloma-eIF4E-high", "myeloma-c528s")


@cache
def _hazards_and_ic50s() -> tuple[list[float], list[float]]:
    """Mean in-vivo death hazard over 72 h at a constant 50 nM unbound selinexor, and the
    72 h dish IC50 (inf when never reached), per preset of RANKED."""
    from xposim.experiments.dose_response import ic50

    hazards, ic50s = [], []
    for preset in RANKED:
        model = compose(detailed_tumour_cell(preset), coupling_module("myeloma"),
                        name=f"rank_{preset.replace('-', '_').replace('.', '_')}")
        s = Simulator(model)
        state = untreated_state(s)
        d0 = s.run([0.0], initial=state, outputs=["death_drive"]).values[0][0]
        res = s.run(np.linspace(0, 72, 73), initial=state,
                    parameters={"Cu_selinexor_nM": 50.0, "death_drive_untreated": d0},
                    outputs=["mm_death_hazard"])
        hazards.append(float(res["mm_death_hazard"].mean()))
        value = ic50(preset)
        ic50s.append(math.inf if value is None else value)
    return hazards, ic50s


def test_patient_hazard_ranks_tumours_as_their_dish_ic50s():
    """At a constant unbound concentration (50 nM for 72 h), the in-vivo death hazard of
    the coupling ranks the cell presets in the order of their 72 h dish IC50s (lower IC50,
    higher hazard; C528S, which never reaches 50% in the dish, lowest). The patient reads
    the cell's death signal through its own kill constants, so the order must carry over.
    One pair misses (next test, known gaps)."""
    hazards, ic50s = _hazards_and_ic50s()
    assert ic50s == sorted(ic50s)  # the presets above are listed by dish IC50
    pairs = [(hazards[i], hazards[j]) for i, j in pairwise(range(len(RANKED)))
             if RANKED[i] != "RPMI-8226-B25"]
    assert all(a > b for a, b in pairs), (ic50s, hazards)
    assert hazards[RANKED.index("RPMI-8226-B25")] > hazards[RANKED.index("myeloma-c528s")]


@pytest.mark.xfail(strict=True, reason="known gap: on the common-reference cell layer the "
                   "8226-B25 and eIF4E-high death drives at 50 nM tie (0.553 vs 0.561; "
                   "hazards 4.178e-3 vs 4.267e-3 /h with the trial-storm mm_kill_max) "
                   "although their dish IC50s differ 1.8-fold (275 vs 488 nM): at 50 nM the "
                   "dish separates them by division (B25's loss of eIF4E-translated "
                   "oncoproteins slows it, growth_factor 0.75; eIF4E-high keeps 1.0), which "
                   "the in-vivo growth reads (the burden is ordered) but the hazard does not")
def test_8226_b25_has_a_higher_hazard_than_eif4e_high():
    """The one pair of RANKED whose in-vivo hazards do not follow the dish IC50s."""
    hazards, _ = _hazards_and_ic50s()
    assert hazards[RANKED.index("RPMI-8226-B25")] > hazards[RANKED.index("myeloma-eIF4E-high")]


#: Days over which the whole tumour response is read (the first response assessment).
RESPONSE_DAYS = 28


@cache
def _burden_ratios() -> list[float]:
    """Tumour burden after RESPONSE_DAYS at a constant 50 nM unbound selinexor relative
    to the same tumour untreated, per preset of RANKED: the whole in-vivo response (death
    hazard, damage transit, acquired resistance and the growth inhibition of drug-induced
    arrest, on the Simeoni growth of the myeloma module) at the STORM population's median
    growth rate (trial-storm estimate). Each preset's detailed cell starts at its own
    untreated state, with the coupling's untreated references set as the runner does."""
    from xposim.disease import myeloma_module
    from xposim.presets.loader import stored_estimates

    kg0 = float(stored_estimates("trial-storm")["estimates"]["storm_mm_kg0_median"]["value"])
    times = np.array([0.0, RESPONSE_DAYS * DAY])
    ratios = []
    for preset in RANKED:
        tag = preset.replace("-", "_").replace(".", "_")
        cell = Simulator(compose(detailed_tumour_cell(preset), coupling_module("myeloma"),
                                 name=f"rank_{tag}"))
        state = untreated_state(cell)
        drive, arrest, division = cell.run(
            [0.0], initial=state,
            outputs=["death_drive", "arrest_fraction", "growth_factor"]).values[0]
        tumour = Simulator(compose(detailed_tumour_cell(preset), coupling_module("myeloma"),
                                   myeloma_module(), name=f"rank_burden_{tag}"))
        params = {"death_drive_untreated": float(drive),
                  "arrest_fraction_untreated": float(arrest),
                  "growth_factor_untreated": float(division), "mm_kg0": kg0}
        burden = [float(tumour.run(times, initial=state, outputs=["mm_burden"],
                                   parameters={**params, "Cu_selinexor_nM": c})
                        ["mm_burden"][-1]) for c in (50.0, 0.0)]
        ratios.append(burden[0] / burden[1])
    return ratios


def test_patient_model_ranks_tumours_as_their_dish_ic50s():
    """The issue's law on the whole tumour response: at a constant 50 nM unbound
    selinexor, the patient model shrinks the tumours of the cell presets (burden after 28
    days relative to untreated, STORM median growth) in the order of their 72 h dish
    IC50s: the lower the IC50, the smaller the burden left; C528S (never 50% in the dish)
    is not touched. The hazards of 8226-B25 and eIF4E-high tie (gap above); their burdens
    follow the dish because the in-vivo growth reads the cell's drug-induced division loss,
    which separates them in the dish (next test)."""
    ratios = _burden_ratios()
    _, ic50s = _hazards_and_ic50s()
    assert ic50s == sorted(ic50s)
    pairs = [(ratios[i], ratios[j]) for i, j in pairwise(range(len(RANKED)))
             if RANKED[i] != "RPMI-8226-B25"]
    assert all(a < b for a, b in pairs), (ic50s, ratios)
    assert ratios[RANKED.index("RPMI-8226-B25")] < ratios[RANKED.index("myeloma-c528s")]
    assert ratios[RANKED.index("myeloma")] < 0.5  # the drug does shrink the tumour
    assert ratios[RANKED.index("myeloma-c528s")] > 0.999


def test_8226_b25_tumour_shrinks_more_than_eif4e_high_tumour():
    """The pair the hazard ties: at 50 nM the dish separates 8226-B25 (IC50 275 nM) from
    eIF4E-high (488 nM) by division (B25 loses eIF4E-translated oncoproteins and divides
    more slowly, growth_factor 0.75; eIF4E-high keeps 1.0). The in-vivo growth is slowed
    by the same drug-induced division loss, so B25's tumour keeps less of its burden."""
    ratios = _burden_ratios()
    assert ratios[RANKED.index("RPMI-8226-B25")] < ratios[RANKED.index("myeloma-eIF4E-high")]


def test_results_do_not_change_with_tighter_tolerances():
    """The clinical tolerances (rtol 1e-4, atol 1e-6 in each species' unit) give the same
    outcome as rtol 1e-8 / atol 1e-10 to 0.1%."""
    arm = default_arm("label:selinexor-dex", "myeloma", 12)
    pt = typical_patient()
    loose = ClinicalPatientSimulator().run(pt, arm, seed=3).outcome.summary
    tight = ClinicalPatientSimulator(rtol=1e-8, atol=1e-10).run(pt, arm, seed=3).outcome.summary
    for name in ("best_change", "platelet_nadir_1e9_per_l"):
        assert getattr(loose, name) == pytest.approx(getattr(tight, name), rel=1e-3)
    for key, value in tight.exposure.items():
        assert loose.exposure[key] == pytest.approx(value, rel=1e-3)
    assert loose.dose_reductions == tight.dose_reductions
    assert dict(loose.relative_dose_intensity) == dict(tight.relative_dose_intensity)
