"""Dexamethasone PK against calibration-targets.md §1.

Sources: bioequivalence study of dexamethasone 4 mg vs 20 mg tablets (2020, abstract):
20 mg fasting Cmax 257 ng/mL, Tmax ≈ 1 h, AUCinf 1329 ng·h/mL, t½ 4.0 h; Tsuei et al.,
J Pharmacokinet Biopharm 1979: IV clearance 14.9 L/h (8 mg).
"""

from __future__ import annotations

import numpy as np
import pytest

from xposim.calibration.functions.pk import SAMPLING_H, continuous_tmax, typical_nca
from xposim.engine import Bolus, Simulator
from xposim.pharmacology.pk.dexamethasone import dexamethasone_module, dexamethasone_pk
from xposim.testing import assert_close, assert_in_range, check_module

BE = "dexamethasone 4 vs 20 mg bioequivalence study (2020)"
TSUEI = "Tsuei et al. 1979"


@pytest.fixture(scope="module")
def pk():
    return dexamethasone_pk()


@pytest.fixture(scope="module")
def sim(pk):
    return Simulator(pk.model)


def test_20mg_oral_figures(pk, sim):
    r = typical_nca(pk, 20.0, route="PO", simulator=sim)
    assert_close(r.cmax_ng_ml, 257, rtol=0.03, what="Cmax (ng/mL)", source=BE)
    assert_close(r.auc_inf_ng_h_ml, 1329, rtol=0.03, what="AUCinf (ng·h/mL)", source=BE)
    assert_close(r.half_life_h, 4.0, rtol=0.05, what="t½ (h)", source=BE)
    assert_in_range(continuous_tmax(pk, 20.0, route="PO", simulator=sim), 0.75, 1.25,
                    what="Tmax (h)", source=BE)


def test_iv_clearance_and_reconciled_bioavailability(pk, sim):
    # 8 mg IV: NCA clearance = 14.9 L/h (Tsuei 1979); oral AUC/IV AUC = F = 0.99
    t = np.array(SAMPLING_H[1:])
    iv = typical_nca(pk, 8.0, route="IV", simulator=sim, times_h=t)
    assert_close(iv.cl_f_l_h, 14.9, rtol=0.02, what="IV CL (L/h)", source=TSUEI)
    po = typical_nca(pk, 8.0, route="PO", simulator=sim)
    assert_close(po.auc_inf_ng_h_ml / iv.auc_inf_ng_h_ml, 14.9 * 1329 / 20000, rtol=0.02,
                 what="F = AUCpo/AUCiv", source=f"{TSUEI}; {BE}")


def test_unbound_concentration_uses_fu_and_mw(pk, sim):
    # dexamethasone MW 392.5 g/mol (calibration-targets.md), fu 0.23 (label: 77% bound)
    res = sim.run([0, 0.5, 1, 2, 4], events=[Bolus(0, "dex_gut", 20.0)],
                  outputs=["Cp_dexamethasone_mg_l", "Cu_dexamethasone_nM"])
    np.testing.assert_allclose(res["Cu_dexamethasone_nM"],
                               0.23 * res["Cp_dexamethasone_mg_l"] * 1e6 / 392.5, rtol=1e-10)


def test_module_passes_the_conformance_suite():
    check_module(dexamethasone_module(), events=[Bolus(0.0, "dex_gut", 20.0),
                                                 Bolus(12.0, "dex_central", 8.0)])
