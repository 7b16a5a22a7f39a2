"""Laws and closed forms of the disease and toxicity modules (no fitted numbers here).

Each test states the law; tolerances are numerical (solver), not scientific.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad

from xposim.disease import (
    GRADED_AES,
    burden_for_m_protein,
    dlbcl_module,
    graded_ae_module,
    myeloma_module,
    neutrophil_module,
    platelet_module,
    sodium_module,
    toxicity_module,
    weight_module,
)
from xposim.engine import Set, Simulator
from xposim.model import compose
from xposim.model.components import KINDS
from xposim.model.units import to_canonical
from xposim.testing import check_module

DAY = 24.0


def _sim(*modules):
    return Simulator(compose(*modules, name="law"), rtol=1e-10, atol=1e-12)


def _p(module, name):
    p = module.parameter(name)
    return p.canonical_value


# -- conformance: units, SBML round trip, SciPy agreement, positivity, mass balance ------

@pytest.mark.parametrize("build", [platelet_module, neutrophil_module, myeloma_module,
                                   dlbcl_module, sodium_module, weight_module,
                                   lambda: graded_ae_module("nausea")],
                         ids=["platelets", "neutrophils", "myeloma", "dlbcl", "sodium",
                              "weight", "nausea"])
def test_every_disease_module_passes_the_conformance_suite(build):
    module = build()
    drive = {i.name: (0.5 if i.unit == "1" else 0.01 if i.unit == "1/h" else 300.0)
             for i in module.inputs}
    report = check_module(module, times=np.linspace(0, 21 * DAY, 22), parameters=drive)
    assert report.unit_problems == []
    assert report.sbml_roundtrip_max_rel < 1e-5
    assert report.scipy_max_rel < 1e-5


def test_every_parameter_has_provenance_and_varied_ones_have_bounds():
    conventions = {"blood_reference_volume", "clinical_count_unit", "g_per_dl", "cm2",
                   "mmol_per_l", "probability_unit", "dlbcl_spd_exponent"}
    modules = [platelet_module(), neutrophil_module(), myeloma_module(), dlbcl_module(),
               toxicity_module()]
    for m in modules:
        for p in m.parameters:
            assert p.source.strip() and p.kind in KINDS, p.name
            if p.name not in conventions and p.name != "body_weight":
                assert p.bounds is not None, f"{p.name} can be varied but has no bounds"


# -- Friberg lineages -----------------------------------------------------------------

@pytest.mark.parametrize("build,prefix", [(platelet_module, "plt"),
                                          (neutrophil_module, "neu")])
def test_friberg_untreated_is_at_steady_state_at_its_baseline(build, prefix):
    m = build()
    sim = _sim(m)
    base = m.parameter(f"{prefix}_base").value
    for b in (base, 0.5 * base):
        res = sim.run([0, 500, 3000], parameters={f"{prefix}_base": to_canonical(b, "Gcells/L")},
                      outputs=[f"{prefix}_1e9_per_l", f"{prefix}_prol"])
        np.testing.assert_allclose(res[f"{prefix}_1e9_per_l"], b, rtol=1e-9)
        np.testing.assert_allclose(res[f"{prefix}_prol"], res[f"{prefix}_prol"][0], rtol=1e-9)


def test_platelets_return_to_baseline_after_an_xpo1_blockade_pulse():
    sim = _sim(platelet_module())
    ev = [Set(0.0, "mk_XPO1_inhibition", 0.8), Set(21 * DAY, "mk_XPO1_inhibition", 0.0)]
    # the law is the limit: the return is a damped oscillation whose period scales with
    # plt_mtt (292 h, calibrated; at 200 days it is still 1.1% off), so look at 300 days
    t = np.array([0, 21, 120, 300]) * DAY
    res = sim.run(t, events=ev, outputs=["plt_1e9_per_l"])
    plt = res["plt_1e9_per_l"]
    assert plt[1] < 0.5 * 240  # the pulse acts
    assert abs(plt[-1] - 240) / 240 < 0.01  # and is fully reversible


def test_platelets_return_to_baseline_after_a_release_block_pulse():
    sim = _sim(platelet_module())
    ev = [Set(0.0, "proteasome_inhibition", 0.6), Set(10 * DAY, "proteasome_inhibition", 0.0)]
    res = sim.run(np.array([0, 10, 150, 250]) * DAY, events=ev, outputs=["plt_1e9_per_l"])
    assert res["plt_1e9_per_l"][1] < 0.8 * 240
    assert abs(res["plt_1e9_per_l"][-1] - 240) / 240 < 0.01


def test_complete_release_block_empties_circulation_at_the_platelet_lifespan():
    """Closed form: no inflow, first-order removal -> Circ0·exp(-kcirc·t)."""
    m = platelet_module()
    sim = _sim(m)
    kcirc = _p(m, "plt_kcirc")
    t = np.linspace(0, 10 * DAY, 11)
    res = sim.run(t, parameters={"plt_btz_imax": 1.0, "plt_btz_ic50": 1e-12,
                                 "proteasome_inhibition": 1.0}, outputs=["plt_1e9_per_l"])
    np.testing.assert_allclose(res["plt_1e9_per_l"], 240 * np.exp(-kcirc * t), rtol=1e-7)


def test_complete_production_block_drains_the_chain_as_an_erlang_sum():
    """Closed form for equal rates (neutrophils, kcirc = ktr), all compartments at C0:
    circ(t) = C0·exp(-k t)·Σ_{i=0..4} (k t)^i / i!."""
    m = neutrophil_module()
    sim = _sim(m)
    k = 4 / _p(m, "neu_mtt")
    t = np.linspace(0, 15 * DAY, 16)
    res = sim.run(t, parameters={"neu_sel_emax": 1.0, "neu_sel_ec50": 1e-9,
                                 "neu_sel_hill": 1.0, "myeloid_XPO1_inhibition": 1.0},
                  outputs=["neu_1e9_per_l"])
    kt = k * t
    expected = 4.0 * np.exp(-kt) * sum(kt ** i / math.factorial(i) for i in range(5))
    np.testing.assert_allclose(res["neu_1e9_per_l"], expected, rtol=1e-6)


# -- myeloma and DLBCL burden ---------------------------------------------------------

def _simeoni_time(n0: float, n: float, kg0: float, kg1: float, psi: float) -> float:
    """Exact inverse of the untreated Simeoni law: t(N) = ∫ (1+(kg0 x/kg1)^ψ)^(1/ψ)/(kg0 x) dx."""
    return quad(lambda x: (1 + (kg0 * x / kg1) ** psi) ** (1 / psi) / (kg0 * x), n0, n,
                limit=200, epsabs=0, epsrel=1e-11)[0]


def test_untreated_myeloma_follows_the_simeoni_law_exactly():
    m = myeloma_module()
    sim = _sim(m)
    kg0, kg1, psi = _p(m, "mm_kg0"), _p(m, "mm_kg1"), _p(m, "mm_psi")
    n0 = 2e12  # starts below the switch at kg1/kg0 = 7.9e12 cells and crosses it
    t = np.array([0, 100, 200, 400, 730]) * DAY
    res = sim.run(t, parameters={"mm_burden0": n0}, outputs=["mm_burden"])
    n = res["mm_burden"]
    assert n[-1] > kg1 / kg0  # the run covers both regimes
    for ti, ni in zip(t[1:], n[1:], strict=True):
        assert _simeoni_time(n0, ni, kg0, kg1, psi) == pytest.approx(ti, rel=1e-6)


def test_untreated_myeloma_far_below_the_switch_grows_exponentially():
    m = myeloma_module()
    kg0 = _p(m, "mm_kg0")
    t = np.array([0, 30, 90, 180]) * DAY
    res = _sim(m).run(t, parameters={"mm_kg1": 1e30}, outputs=["mm_burden"])
    np.testing.assert_allclose(res["mm_burden"], 5e11 * np.exp(kg0 * t), rtol=1e-7)


def test_baseline_m_protein_is_production_over_clearance_and_stays_there():
    m = myeloma_module()
    q, kdeg, vol = (_p(m, n) for n in ("mm_mprotein_secretion", "mm_mprotein_kdeg",
                                       "mm_mprotein_volume"))
    res = _sim(m).run([0, 1000, 5000], parameters={"mm_kg0": 0.0},
                      outputs=["m_protein_mg_l", "m_protein_g_per_dl"])
    expected_mg_l = q * 5e11 / (kdeg * vol)
    np.testing.assert_allclose(res["m_protein_mg_l"], expected_mg_l, rtol=1e-9)
    assert res["m_protein_g_per_dl"][0] == pytest.approx(expected_mg_l / 1e4, rel=1e-12)
    # the inverse: the burden whose steady state is that M-protein
    assert burden_for_m_protein(expected_mg_l / 1e4) == pytest.approx(5e11, rel=1e-12)


def test_m_protein_relaxes_to_its_new_steady_state_with_its_half_life():
    """Held burden, M-protein started off steady state: M(t) = Mss + (M0 - Mss)e^{-kdeg t}."""
    m = myeloma_module()
    kdeg = _p(m, "mm_mprotein_kdeg")
    sim = _sim(m)
    t = np.array([0, 7, 14, 28, 56]) * DAY
    mss = sim.run([0], parameters={"mm_kg0": 0.0}, outputs=["mm_mprotein"])["mm_mprotein"][0]
    res = sim.run(t, parameters={"mm_kg0": 0.0}, initial={"mm_mprotein": 2 * mss},
                  outputs=["mm_mprotein"])
    np.testing.assert_allclose(res["mm_mprotein"], mss + mss * np.exp(-kdeg * t), rtol=1e-8)


def test_m_protein_under_exponential_growth_matches_its_closed_form():
    """dM/dt = q N0 e^{kt} - kdeg M, M(0) = q N0/kdeg:
    M(t) = q N0 [e^{-kdeg t}/kdeg + (e^{kt} - e^{-kdeg t})/(k + kdeg)]."""
    m = myeloma_module()
    q, kdeg, k = (_p(m, n) for n in ("mm_mprotein_secretion", "mm_mprotein_kdeg", "mm_kg0"))
    t = np.array([0, 30, 90, 180]) * DAY
    res = _sim(m).run(t, parameters={"mm_kg1": 1e30}, outputs=["mm_mprotein"])
    expected = q * 5e11 * (np.exp(-kdeg * t) / kdeg
                           + (np.exp(k * t) - np.exp(-kdeg * t)) / (k + kdeg))
    np.testing.assert_allclose(res["mm_mprotein"], expected, rtol=1e-7)


def test_drug_hazard_without_growth_kills_sensitive_cells_exponentially_and_conserves_cells():
    m = myeloma_module()
    h = 0.01
    t = np.array([0, 1, 3, 7, 14]) * DAY
    names = ["mm_sensitive", "mm_resistant", "mm_damaged1", "mm_damaged2", "mm_damaged3",
             "mm_cleared"]
    res = _sim(m).run(t, parameters={"mm_kg0": 0.0, "mm_death_hazard": h}, outputs=names)
    a = _p(m, "mm_resistance_acquisition")
    np.testing.assert_allclose(res["mm_sensitive"], 5e11 * np.exp(-(1 + a) * h * t), rtol=1e-8)
    total = sum(res[n] for n in names)
    np.testing.assert_allclose(total, 5e11, rtol=1e-9)  # mass balance of cells


def test_untreated_dlbcl_spd_grows_at_two_thirds_of_the_cell_growth_rate():
    m = dlbcl_module()
    kg0 = _p(m, "dlbcl_kg0")
    t = np.array([0, 14, 28, 56]) * DAY
    res = _sim(m).run(t, parameters={"dlbcl_kg1": 1e30}, outputs=["dlbcl_spd_cm2"])
    np.testing.assert_allclose(res["dlbcl_spd_cm2"], 40.0 * np.exp(2 / 3 * kg0 * t), rtol=1e-7)


# -- exposure-driven toxicities -------------------------------------------------------

def test_sodium_and_weight_settle_at_baseline_over_one_plus_effect():
    sim = _sim(toxicity_module())
    cp = 400.0
    res = sim.run([0, 600 * DAY], parameters={"Cp_selinexor_nM": cp},
                  outputs=["sodium_mmol_per_l", "weight_loss_fraction", "na_ce"])
    m = toxicity_module()
    e_na = m.parameter("na_emax").value * cp / (m.parameter("na_ec50").value + cp)
    e_wt = m.parameter("wt_emax").value * cp / (m.parameter("wt_ec50").value + cp)
    assert res["sodium_mmol_per_l"][0] == pytest.approx(139.0, rel=1e-12)
    assert res["sodium_mmol_per_l"][-1] == pytest.approx(139.0 / (1 + e_na), rel=1e-6)
    assert res["weight_loss_fraction"][-1] == pytest.approx(1 - 1 / (1 + e_wt), rel=1e-5)


def test_effect_compartment_is_a_first_order_lag_of_exposure():
    m = sodium_module()
    ke0 = _p(m, "na_ke0")
    t = np.linspace(0, 5 * DAY, 6)
    res = _sim(m).run(t, parameters={"Cp_selinexor_nM": 100.0}, outputs=["na_ce"])
    np.testing.assert_allclose(res["na_ce"], 100.0 * (1 - np.exp(-ke0 * t)), rtol=1e-7,
                               atol=1e-9)


@pytest.mark.parametrize("ae", GRADED_AES)
def test_graded_ae_probabilities_sum_to_one_and_reach_the_birth_death_equilibrium(ae):
    """At constant drive D the chain's stationary law is π_{g+1} = π_g · k_{g,g+1}·D / r."""
    m = graded_ae_module(ae)
    sim = _sim(m)
    names = [f"{ae}_p{g}" for g in range(4)]
    ev = [Set(0.0, "Cp_selinexor_nM", 500.0), Set(3 * DAY, "Cp_selinexor_nM", 0.0),
          Set(5 * DAY, "Cp_selinexor_nM", 800.0)]
    res = sim.run(np.linspace(0, 10 * DAY, 41), events=ev, outputs=names)
    np.testing.assert_allclose(sum(res[n] for n in names), 1.0, rtol=1e-9)
    # stationary law at a constant exposure
    long = sim.run([0, 400 * DAY], parameters={"Cp_selinexor_nM": 500.0},
                   outputs=[*names, f"{ae}_drive"])
    d = long[f"{ae}_drive"][-1]
    r = _p(m, f"{ae}_recovery")
    ks = [_p(m, f"{ae}_k{a}{b}") for a, b in ((0, 1), (1, 2), (2, 3))]
    pi = np.cumprod([1.0] + [k * d / r for k in ks])
    pi /= pi.sum()
    np.testing.assert_allclose([long[n][-1] for n in names], pi, rtol=1e-6)
