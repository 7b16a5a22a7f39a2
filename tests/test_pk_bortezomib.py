"""Bortezomib PK/PD against calibration-targets.md §1.

Sources: Transl Res 2018;198:1-16 Table 2 (Reece 2011: 1.3 mg/m² IV C1D1 CL 111.6 L/h,
t½ 11.5 h; C1D11/C3D11 CL 18.2-28.0 L/h, Vss 1613-2213 L, t½ 75.6-108.6 h. Moreau 2011:
C1D11 SC Cmax 20.4 ± 8.87 ng/mL, Tmax 30 min, AUClast 155 ± 56.8 ng·h/mL; IV Cmax 223 ±
101 ng/mL); maximum blood 20S inhibition 63.7% SC / 69.3% IV (Moreau 2011); maximum
within 1 h and recovery close to baseline within 72-96 h (Schwartz & Davidson 2004;
VELCADE label).
"""

from __future__ import annotations

import numpy as np
import pytest

from xposim.calibration.functions.pk import bortezomib_figures
from xposim.engine import Bolus, Simulator
from xposim.pharmacology.pk.bortezomib import bortezomib_module, bortezomib_pk
from xposim.testing import assert_close, assert_in_range, check_module

REV = "Transl Res 2018;198:1-16 Table 2"


@pytest.fixture(scope="module")
def figures():
    return bortezomib_figures()


def test_first_dose_looks_rapidly_cleared(figures):
    # C1D1 IV: CL 111.6 ± 73.6 L/h, t½ 11.5 ± 12.7 h: model within 15% of the means
    assert_close(figures["d1_cl_l_h"], 111.6, rtol=0.15, what="C1D1 CL (L/h)", source=REV)
    assert_close(figures["d1_half_life_h"], 11.5, rtol=0.15, what="C1D1 t½ (h)", source=REV)


# The published ranges of the repeated-dose figures (Reece 2011 in Transl Res 2018
# Table 2), unwidened. The fit (xposim calibrate pk-bortezomib) is a compromise with the
# SC AUClast 155 ng*h/mL, which implies ~15 L/h, so some figures fall just outside their
# range: those are strict xfails stating the model value (docs/known-gaps.md).
REPEATED = {"cl_l_h": (18.2, 28.0, "CL (L/h)"), "half_life_h": (75.6, 108.6, "t½ (h)"),
            "vss_l": (1613.0, 2213.0, "Vss (L)")}
MISSES = {("c1", "cl_l_h"): "model 17.9 L/h, below the published 18.2-28.0 L/h",
          ("c3", "cl_l_h"): "model 16.4 L/h, below the published 18.2-28.0 L/h",
          ("c3", "vss_l"): "model 1612.6 L, 0.4 L below the published 1613-2213 L"}


@pytest.mark.parametrize("cycle, figure", [
    pytest.param(c, f, marks=pytest.mark.xfail(strict=True, reason=MISSES[c, f]))
    if (c, f) in MISSES else (c, f) for c in ("c1", "c3") for f in REPEATED])
def test_repeated_doses_clearance_half_life_and_volume(figures, cycle, figure):
    """Repeated dosing (C1D11, C3D11), 1.3 mg/m2 IV: CL 18.2-28.0 L/h, t½ 75.6-108.6 h,
    Vss 1613-2213 L (Reece 2011 via Transl Res 2018 Table 2), published ranges as read."""
    lo, hi, what = REPEATED[figure]
    assert_in_range(figures[f"{cycle}_d11_{figure}"], lo, hi, what=f"{cycle} D11 {what}",
                    source=REV)


def test_exposure_rises_from_day_1_to_day_11(figures):
    # the defining nonlinearity: apparent CL falls ~5-fold with repeated dosing
    assert figures["d1_cl_l_h"] / figures["c1_d11_cl_l_h"] > 3.0


def test_sc_day_11_figures(figures):
    assert_close(figures["sc_cmax_ng_ml"], 20.4, rtol=0.05, what="SC Cmax (ng/mL)",
                 source="Moreau 2011 via " + REV)
    assert_in_range(figures["sc_tmax_h"], 5 / 60, 1.0, what="SC Tmax (h), range 5-60 min",
                    source=REV)
    assert_in_range(figures["sc_auc_last_ng_h_ml"], 155 - 56.8, 155 + 56.8,
                    what="SC AUClast 0-72 h (ng·h/mL)", source=REV)
    assert_in_range(figures["iv_cmax_ng_ml"], 223 - 101, 223 + 101,
                    what="IV Cmax at 2 min (ng/mL)", source=REV)


SD2004 = ("Schwartz & Davidson, Oncology 2004;18(14 Suppl 11): maximum proteasome "
          "inhibition within 1 h, recovers close to baseline within 72 to 96 h")


def test_proteasome_inhibition_maximum(figures):
    # C1D11 maxima 63.7% SC, 69.3% IV (±3 points); "pharmacodynamic parameters of 20S
    # proteasome inhibition were also similar" for SC and IV (Tan et al., Clin
    # Pharmacokinet 2018), so one saturating blood binding for both routes is acceptable
    assert_close(figures["sc_max_inhibition"], 0.637, atol=0.03, what="SC max inhibition",
                 source="Moreau 2011")
    assert_close(figures["iv_max_inhibition"], 0.693, atol=0.03, what="IV max inhibition",
                 source="Moreau 2011")


@pytest.mark.parametrize("route", ["iv", "sc"])
def test_proteasome_inhibition_peaks_within_1_hour(figures, route):
    # reading: inhibition 1 h after the C1D1 dose is within 10% of its 0-72 h maximum
    assert_in_range(figures[f"{route}_peak_fraction_1h"], 0.90, 1.0,
                    what=f"{route.upper()} C1D1 inhibition at 1 h / maximum", source=SD2004)


@pytest.mark.parametrize("route", ["iv", "sc"])
def test_proteasome_inhibition_recovers_over_72_to_96_hours(figures, route):
    # reading of "recovers close to baseline within 72 to 96 h": after the C1D1 dose the
    # inhibition first falls below 10% (close to baseline) between 72 and 96 h, so it is
    # still above 10% at 24 and 48 h and below 10% at 96 h. A model whose inhibition tracks
    # the plasma concentration recovered by ~16 h and fails here.
    assert_in_range(figures["recovery_h"], 72.0, 96.0,
                    what="hours to < 10% inhibition after the C1D1 IV dose", source=SD2004)
    for h in (24, 48):
        assert_in_range(figures[f"{route}_inhibition_{h}h"], 0.10, 1.0,
                        what=f"{route.upper()} inhibition {h} h after C1D1", source=SD2004)
    assert_in_range(figures[f"{route}_inhibition_96h"], 0.0, 0.10,
                    what=f"{route.upper()} inhibition 96 h after C1D1", source=SD2004)


def test_inhibition_is_bounded_and_tracks_binding():
    pk = bortezomib_pk()
    sim = Simulator(pk.model)
    t = np.linspace(0, 96, 97)
    res = sim.run(t, events=[Bolus(0.0, "btz_central", 2.36)],
                  outputs=["proteasome_inhibition", "btz_bound", "Cu_bortezomib_nM",
                           "Cp_bortezomib_mg_l", "btz_blood_occ"])
    inh = res["proteasome_inhibition"]
    assert np.all((inh >= 0) & (inh <= 1))
    assert inh[1] > inh[24] > inh[-1]
    bmax = pk.module.parameter("btz_Bmax").value
    assert np.all(res["btz_bound"] <= bmax * (1 + 1e-9))
    # inhibition = Imax × occupancy of blood proteasome, occupancy a fraction (1 nM units)
    occ = res["btz_blood_occ"]
    assert np.all((occ >= 0) & (occ <= 1 + 1e-9))
    imax = pk.module.parameter("btz_Imax").value
    np.testing.assert_allclose(inh, imax * occ, rtol=1e-10)
    # MW 384.2 g/mol, fu 0.17 (VELCADE label)
    np.testing.assert_allclose(res["Cu_bortezomib_nM"],
                               0.17 * res["Cp_bortezomib_mg_l"] * 1e6 / 384.2, rtol=1e-10)


def test_module_passes_the_conformance_suite():
    check_module(bortezomib_module(), times=np.linspace(0, 96, 97),
                 events=[Bolus(0.0, "btz_sc", 2.36), Bolus(72.0, "btz_central", 2.36)])
