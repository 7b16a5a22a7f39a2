"""Selinexor PK against the XPOVIO label (calibration-targets.md §1).

Sources: XPOVIO US label §12.3 (80 mg single dose Cmax 680 ± 124 ng/mL, AUCinf 5386 ±
1116 ng·h/mL, Tmax within 4 h, t½ 6-8 h, CL/F 17.9 L/h, V/F 125 L; dose-proportional
Cmax and AUC over 3-85 mg/m²; no clinically relevant accumulation); NEXPOVIO SmPC §5.2
(popPK V/F 133 L); Xu et al., Cancer Chemother Pharmacol 2021;88:69-79 (structure).
"""

from __future__ import annotations

import numpy as np
import pytest

from xposim.analysis.nca import auc_between, nca
from xposim.calibration.functions.pk import SAMPLING_H, continuous_tmax, typical_nca
from xposim.engine import Bolus, Simulator
from xposim.pharmacology.pk.population import Covariates
from xposim.pharmacology.pk.selinexor import selinexor_module, selinexor_pk
from xposim.testing import assert_close, assert_in_range, check_module

LABEL = "XPOVIO US label §12.3"


@pytest.fixture(scope="module")
def pk():
    return selinexor_pk()


@pytest.fixture(scope="module")
def sim(pk):
    return Simulator(pk.model)


@pytest.fixture(scope="module")
def typical(pk, sim):
    return typical_nca(pk, 80.0, route="PO", simulator=sim)


def test_typical_80mg_cmax_within_label_mean_sd(typical):
    assert_in_range(typical.cmax_ng_ml, 680 - 124, 680 + 124, what="Cmax 80 mg (ng/mL)",
                    source=LABEL)
    assert_close(typical.cmax_ng_ml, 680, rtol=0.03, what="Cmax vs label mean", source=LABEL)


def test_typical_80mg_auc_inf_within_label_mean_sd(typical):
    assert_in_range(typical.auc_inf_ng_h_ml, 5386 - 1116, 5386 + 1116, what="AUCinf",
                    source=LABEL)
    assert_close(typical.auc_inf_ng_h_ml, 5386, rtol=0.02, what="AUCinf vs label mean",
                 source=LABEL)


def test_typical_tmax_half_life_and_apparent_clearance(pk, sim, typical):
    # label: Cmax reached within 4 h; t½ 6-8 h; CL/F 17.9 L/h (popPK) while dose/mean AUC
    # gives 80000/5386 = 14.9 L/h: the model must sit in 14-18 L/h
    assert_in_range(typical.tmax_h, 1.0, 4.0, what="Tmax (h), sampled", source=LABEL)
    assert_in_range(continuous_tmax(pk, 80.0, route="PO", simulator=sim), 2.0, 4.0,
                    what="Tmax (h), continuous", source=LABEL)
    assert_in_range(typical.half_life_h, 6.0, 8.0, what="terminal t½ (h)", source=LABEL)
    assert_in_range(typical.cl_f_l_h, 14.0, 18.0, what="CL/F (L/h)", source=LABEL)


def test_apparent_volumes_near_label(pk):
    # label V/F 125 L, SmPC popPK 133 L: the fit is a compromise with t½ (docs/pk.md); the
    # steady-state volume Vc/F + Vp/F must lie within 10% of 125-133 L
    vss = pk.module.parameter("sel_Vc_pop").value + pk.module.parameter("sel_Vp_pop").value
    assert_in_range(vss, 0.9 * 125, 1.1 * 133, what="Vss/F (L)", source=LABEL)


@pytest.mark.parametrize("dose", [60.0, 100.0])
def test_dose_proportional_cmax_and_auc(pk, sim, typical, dose):
    # label: Cmax and AUC proportional over 3-85 mg/m²; linear model -> ratios exact
    r = typical_nca(pk, dose, route="PO", simulator=sim)
    assert r.cmax_ng_ml / typical.cmax_ng_ml == pytest.approx(dose / 80.0, rel=1e-5)
    assert r.auc_inf_ng_h_ml / typical.auc_inf_ng_h_ml == pytest.approx(dose / 80.0, rel=1e-4)


def test_no_relevant_accumulation_twice_weekly(pk, sim):
    # 80 mg days 1 and 3 weekly (h 0, 48, 168, 216, ...) for 3 weeks: AUC over the last
    # 48-h interval vs the first (label: no clinically relevant accumulation)
    doses = [0, 48, 168, 216, 336, 384]
    t = np.arange(0.0, 432.0 + 1e-9, 0.25)
    res = sim.run(t, events=[Bolus(d, "sel_depot", 80.0) for d in doses],
                  outputs=[pk.concentration])
    c = res[pk.concentration] * 1e3
    first = auc_between(t, c, 0.0, 48.0)
    last = auc_between(t, c, 384.0, 432.0)
    assert_in_range(last / first, 1.0, 1.1, what="accumulation ratio AUC(0-48h)", source=LABEL)
    # trough before each dose is small relative to Cmax (< 5%)
    trough = c[t == 48.0][0]
    assert trough < 0.05 * c.max()


def test_unbound_and_molar_concentrations(pk, sim):
    # unit facts (calibration-targets.md): MW 443.3 g/mol, fu 0.05; 1 ng/mL = 2.256 nM
    res = sim.run(SAMPLING_H, events=[Bolus(0.0, "sel_depot", 80.0)],
                  outputs=["Cp_selinexor_mg_l", "Cp_selinexor_nM", "Cu_selinexor_nM"])
    ng_ml = res["Cp_selinexor_mg_l"] * 1e3
    np.testing.assert_allclose(res["Cp_selinexor_nM"], ng_ml * 1e3 / 443.3, rtol=1e-10)
    np.testing.assert_allclose(res["Cu_selinexor_nM"], 0.05 * ng_ml * 1e3 / 443.3, rtol=1e-10)
    assert pytest.approx(2.256, abs=1e-3) == 1e3 / 443.3
    # at Cmax ~680 ng/mL total, unbound ~ 0.05 * 680 * 2.256 = 76.7 nM
    assert_close(res["Cu_selinexor_nM"].max(), 0.05 * ng_ml.max() * 2.2558, rtol=1e-3,
                 what="unbound Cmax (nM)")


def test_covariates_move_clearance_as_declared(pk, sim):
    # weight on CL with exponent 0.75 (allometry), women 0.85 x CL (assumed): AUC ratios
    def auc(cov):
        p = cov.model_parameters()
        res = sim.run(np.arange(0, 97.0, 0.25), parameters=p,
                      events=[Bolus(0.0, "sel_depot", 80.0)], outputs=[pk.concentration])
        return nca(np.arange(0, 97.0, 0.25), res[pk.concentration] * 1e3,
                   dose_mg=80).auc_inf_ng_h_ml

    ref = auc(Covariates(70, "M"))
    assert auc(Covariates(140, "M")) / ref == pytest.approx(2**-0.75, rel=2e-3)
    assert auc(Covariates(70, "F")) / ref == pytest.approx(1 / 0.85, rel=2e-3)


def test_module_passes_the_conformance_suite():
    check_module(selinexor_module(), events=[Bolus(0.0, "sel_depot", 80.0)])


def test_repeated_doses_after_a_long_gap_integrate(pk, sim):
    # engine regression: a second dose 78 h after the first (depot chain ~1e-26 mg) used to
    # make CVODE fail its error test at h = 1e-12 unless the integrator was reinitialised
    t = np.linspace(0.0, 300.0, 301)
    for gap in (6.0, 48.0, 78.0, 150.0):
        res = sim.run(t, events=[Bolus(0.0, "sel_depot", 80.0), Bolus(gap, "sel_depot", 80.0)],
                      outputs=[pk.concentration])
        assert np.all(np.isfinite(res[pk.concentration]))
        single = sim.run(t, events=[Bolus(0.0, "sel_depot", 80.0)], outputs=[pk.concentration])
        shifted = sim.run(t, events=[Bolus(gap, "sel_depot", 80.0)], outputs=[pk.concentration])
        # linear PK: superposition of the two single doses
        np.testing.assert_allclose(res[pk.concentration],
                                   single[pk.concentration] + shifted[pk.concentration],
                                   rtol=1e-5, atol=1e-9)
