"""Behaviour of the disease modules against sources (qualitative laws, stated as such).

Each test names its source. Parameters of the selinexor marrow effects are priors (not
fitted), so only directions and mechanisms are tested here; magnitudes that the priors
miss are recorded as strict xfails with the measured value.
"""

from __future__ import annotations

import numpy as np
import pytest

from xposim.biology.target import target_module
from xposim.disease import (
    GRADED_AES,
    myeloma_module,
    neutrophil_module,
    platelet_module,
    toxicity_module,
)
from xposim.engine import Bolus, Simulator
from xposim.model import compose
from xposim.pharmacology.pk.bortezomib import bortezomib_pk
from xposim.pharmacology.pk.selinexor import selinexor_pk

DAY = 24.0
BSA = 1.9  # m², a typical adult


@pytest.fixture(scope="module")
def selinexor_patient():
    """Selinexor PK -> XPO1 target in marrow progenitors -> platelets and neutrophils,
    plus the exposure-driven toxicities (the wiring the patient layer will do)."""
    pk = selinexor_pk()
    marrow = target_module(name="marrow_target").rename(
        {"drug_ext": "Cu_selinexor_nM", "XPO1_inhibition": "mk_XPO1_inhibition"})
    neu = neutrophil_module().rename({"myeloid_XPO1_inhibition": "mk_XPO1_inhibition"})
    model = compose(pk.module, marrow, platelet_module(), neu, toxicity_module(),
                    name="selinexor_patient")
    return pk, Simulator(model)


def _selinexor(pk, mg, days=(0, 2), weeks=12):
    return [Bolus(DAY * (7 * w + d), pk.dose_target("PO"), mg) for w in range(weeks)
            for d in days]


def _bortezomib_vd_cycles(pk, cycles=1):
    """VELCADE 1.3 mg/m² SC days 1, 4, 8, 11 of 21-day cycles."""
    return [Bolus(DAY * (21 * c + d), pk.dose_target("SC"), 1.3 * BSA) for c in range(cycles)
            for d in (0, 3, 7, 10)]


@pytest.fixture(scope="module")
def bortezomib_cycle():
    pk = bortezomib_pk()
    sim = Simulator(compose(pk.module, platelet_module(), name="btz_platelets"))
    t = np.arange(0, 21 * DAY + 1, 3.0)
    res = sim.run(t, events=_bortezomib_vd_cycles(pk),
                  outputs=["plt_1e9_per_l", "plt_prol", "plt_transit1", "plt_transit2",
                           "proteasome_inhibition"])
    return t, res


@pytest.mark.xfail(strict=True, reason="with plt_mtt calibrated to the label's 22-day "
                   "selinexor onset (trial-storm, 292 h) the bortezomib nadir comes on day "
                   "14.25, after the dosing days 1-11, and 15% of the fall is undone by day 21 "
                   "(not half); with the borrowed 173 h: day 11.75 and 55%. docs/known-gaps.md")
def test_bortezomib_platelet_fall_is_transient(bortezomib_cycle):
    """Lonial et al., Blood 2005: platelets fall during treatment and recover rapidly
    between treatments."""
    t, res = bortezomib_cycle
    plt = res["plt_1e9_per_l"]
    nadir_i = int(np.argmin(plt))
    assert 4 * DAY <= t[nadir_i] <= 13 * DAY  # during the dosing days 1-11
    recovered = (plt[-1] - plt[nadir_i]) / (240.0 - plt[nadir_i])
    assert recovered >= 0.5  # at least half the fall undone by day 21


def test_bortezomib_platelet_fall_spares_megakaryocyte_precursors(bortezomib_cycle):
    """Lonial et al., Blood 2005: megakaryocyte number is not reduced (a release, not a
    production, effect)."""
    _, res = bortezomib_cycle
    for name in ("plt_prol", "plt_transit1", "plt_transit2"):
        assert res[name].min() >= res[name][0] * (1 - 1e-9)  # precursors never depleted


def test_bortezomib_cycle_one_fall_is_about_sixty_percent(bortezomib_cycle):
    """Lonial et al., Blood 2005: the mean platelet count fell ~60% during bortezomib 1.3
    mg/m² cycles (read as 50-70%). Not fitted: plt_btz_ic50 is calibrated on BOSTON Vd's
    grade 3-4 thrombocytopenia (trial-boston-vd); the prior gave a 44% fall, the calibrated
    value 63%."""
    _, res = bortezomib_cycle
    fall = 1 - res["plt_1e9_per_l"].min() / 240.0
    assert 0.50 <= fall <= 0.70


@pytest.mark.xfail(strict=True, reason="with plt_mtt calibrated to the label's 22-day onset "
                   "(trial-storm, 292 h; 173 h borrowed before) platelets are back above 90% "
                   "of baseline 30.5 days after stopping, not within 4 weeks (an assumed "
                   "bound: no patient recovery time was found). docs/known-gaps.md")
def test_selinexor_thrombocytopenia_reverses_off_drug(selinexor_patient):
    """Machlus et al., Blood 2017: selinexor-induced thrombocytopenia is reversible when
    the drug is stopped (drug holiday)."""
    pk, sim = selinexor_patient
    t = np.arange(0, 12 * 7 * DAY + 1, 12.0)
    res = sim.run(t, events=_selinexor(pk, 80, weeks=4), outputs=["plt_1e9_per_l"])
    plt = res["plt_1e9_per_l"]
    stop = 4 * 7 * DAY
    after = t >= stop
    assert plt[after].min() < 100  # the drug acted
    back = t[after & (plt >= 0.9 * 240)]
    assert back.size and (back[0] - stop) / DAY < 28  # recovered within 4 weeks of stopping


def test_platelet_nadir_and_grade34_days_follow_the_dose(selinexor_patient):
    """Qualitative law: more exposure, more XPO1 blockade in progenitors, deeper nadir; and
    the issue's behaviour: 60 mg twice weekly gives fewer grade 3-4 days than 80 mg."""
    pk, sim = selinexor_patient
    t = np.arange(0, 12 * 7 * DAY + 1, 12.0)
    nadir, g34_days = {}, {}
    for mg in (40, 60, 80):
        plt = sim.run(t, events=_selinexor(pk, mg), outputs=["plt_1e9_per_l"])["plt_1e9_per_l"]
        nadir[mg] = plt.min()
        g34_days[mg] = float(np.sum(plt < 50) * 0.5)
    assert nadir[80] < nadir[60] < nadir[40] < 240
    assert g34_days[60] < g34_days[80]


def test_higher_exposure_raises_every_toxicity(selinexor_patient):
    """Xu et al., Cancer Chemother Pharmacol 2021: significant exposure-safety relations
    (fatigue >= 2, decreased appetite >= 3, vomiting >= 2); 40 mg twice weekly had lower AE
    probabilities than 60 mg. Directions only: magnitudes are assumed."""
    pk, sim = selinexor_patient
    t = np.arange(0, 8 * 7 * DAY + 1, 12.0)
    outs = [f"{ae}_p_ge2" for ae in GRADED_AES] + ["sodium_mmol_per_l", "weight_loss_fraction"]
    low = sim.run(t, events=_selinexor(pk, 40, weeks=8), outputs=outs)
    high = sim.run(t, events=_selinexor(pk, 60, weeks=8), outputs=outs)
    for ae in GRADED_AES:
        assert high[f"{ae}_p_ge2"].max() > low[f"{ae}_p_ge2"].max()
    assert high["sodium_mmol_per_l"].min() < low["sodium_mmol_per_l"].min()
    assert high["weight_loss_fraction"].max() > low["weight_loss_fraction"].max()


def test_resistance_emerges_under_treatment_only():
    """Crochiere et al., BMC Cancer 2015: resistance is acquired under drug exposure
    (qualitative); without drug nothing converts."""
    sim = Simulator(compose(myeloma_module(), name="mm"))
    t = np.array([0, 28, 56, 84]) * DAY
    treated = sim.run(t, parameters={"mm_death_hazard": 0.005}, outputs=["mm_resistant_share"])
    untreated = sim.run(t, outputs=["mm_resistant_share"])
    share = treated["mm_resistant_share"]
    assert np.all(np.diff(share) > 0) and share[-1] > 0.5
    assert np.all(untreated["mm_resistant_share"] == 0.0)


def test_m_protein_lags_the_cell_kill():
    """A law of the structure with a sourced half-life (M-protein t½ ~14 d, elranatamab QSP):
    after two weeks of killing, serum M-protein has fallen less than the burden."""
    sim = Simulator(compose(myeloma_module(), name="mm"))
    res = sim.run([0, 14 * DAY], parameters={"mm_death_hazard": 0.01},
                  outputs=["mm_burden", "m_protein_g_per_dl"])
    burden_fall = 1 - res["mm_burden"][1] / res["mm_burden"][0]
    mp_fall = 1 - res["m_protein_g_per_dl"][1] / res["m_protein_g_per_dl"][0]
    assert 0 < mp_fall < burden_fall
