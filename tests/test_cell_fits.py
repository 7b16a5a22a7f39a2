"""Cell layer, kind 2 of 3: fit regressions (``test_fit_*``). Each test names what was
fitted, or chosen by hand, to the figure it checks; it guards that the model still
reproduces it. Passing says nothing about predictive value.

- ``xposim calibrate cell-fate`` fitted ``arrest_ec50`` and ``T0`` to the 72 h IC50
  ranges of 8 presets and to G1 arrest of MM.1S at 24 h;
- ``xposim calibrate eif4e-shift`` fitted ``eIF4E_bypass_max`` to the 10-fold IC50 shift;
- ``xposim calibrate bortezomib-fate`` fitted ``w_proteotoxic`` to the parental RPMI-8226
  bortezomib IC50 (tests/test_combinations.py checks it with the other bortezomib
  figures);
- ``xposim calibrate dexamethasone-fate`` fitted ``gr_arrest_ec50`` and ``k_gr_apo`` to
  MM.1S after 5 uM dexamethasone for 24 h;
- by hand (presets/params, each source says so): the nuclear half-lives of p53 and
  FOXO3a to the nuclear-accumulation window, and ``t_half_XPO1_mRNA``/``fb_emax``/
  ``fb_drug_ec50`` to the XPO1 mRNA peak - both reference windows are *recalled,
  unverified* figures (calibration-targets.md rows marked R), so these tests hold the model
  to a plausible range, not to a measurement.

Laws: tests/test_cell_laws.py; validation: tests/test_cell_validation.py.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

from xposim.biology.cell import cell_model
from xposim.calibration.functions.target_engagement import patient_cell_model
from xposim.engine import Bolus, Simulator
from xposim.experiments.dose_response import DoseResponse, run_dose_response
from xposim.experiments.exposure import untreated_state
from xposim.experiments.viability import fate_timecourse, viability
from xposim.testing import assert_close, assert_in_range

MYELOMA_FITTED = ("MM.1S", "MM.1R", "NCI-H929", "RPMI-8226", "U266")
DLBCL_FITTED = ("OCI-LY3", "SU-DHL-4", "SU-DHL-6")


@functools.cache
def _ic50(name: str) -> float | None:
    return run_dose_response(DoseResponse(name)).ic50_nM


@pytest.mark.parametrize("name", MYELOMA_FITTED)
def test_fit_myeloma_ic50_in_the_published_range(name):
    """Fitted (cell-fate) to: myeloma lines' 72 h IC50 mostly 10-300 nM (Tai et al.,
    Leukemia 2014; Kashyap et al. 2016; calibration-targets.md §3, recalled range)."""
    ic50 = _ic50(name)
    assert ic50 is not None
    assert_in_range(ic50, 10.0, 300.0, what=f"{name} 72 h IC50 (nM)",
                    source="calibration-targets.md §3")


SU_DHL_6_BELOW = pytest.mark.xfail(strict=True, reason=(
    "the cell-fate least-squares compromise over 8 presets puts SU-DHL-6 (fast-cycling, "
    "TP53 wild type, XPO1 0.75 uM) at 19.0 nM, below the 20-500 nM DLBCL range; raising it "
    "pushes the TP53-mutant myeloma lines above 300 nM. docs/known-gaps.md"))


@pytest.mark.parametrize("name", [pytest.param(n, marks=SU_DHL_6_BELOW)
                                  if n == "SU-DHL-6" else n for n in DLBCL_FITTED])
def test_fit_dlbcl_ic50_in_the_published_range(name):
    """Fitted (cell-fate) to: DLBCL lines' 72 h IC50 mostly 20-500 nM
    (calibration-targets.md §3), the published range as read - no margin. The fit leaves
    the DLBCL presets near or below the low edge (measured: OCI-LY3 71, SU-DHL-4 36,
    SU-DHL-6 19 nM; docs/known-gaps.md)."""
    ic50 = _ic50(name)
    assert ic50 is not None
    assert_in_range(ic50, 20.0, 500.0, what=f"{name} 72 h IC50 (nM)",
                    source="calibration-targets.md §3")


def test_fit_g1_arrest_of_mm1s_at_24_h():
    """Fitted (cell-fate) to: G1 arrest by ~24 h (calibration-targets.md §3), read as most
    MM.1S cells arrested at 100 nM and not at 10 nM."""
    def arrested(c: float) -> float:
        return float(fate_timecourse("MM.1S", {"selinexor": c}, hours=24.0, step_h=24.0)[
            "g1_arrested_fraction"][-1])
    assert arrested(100.0) > 0.5
    assert arrested(10.0) < 0.5


def test_fit_eif4e_high_about_tenfold_less_sensitive():
    """Fitted (eif4e-shift) to: eIF4E overexpression raises the selinexor IC50 ~10-fold
    (Li et al., Blood Adv 2023;7:2926, abstract): within 7-14x (0.15 log10 either side).
    The fit reaches 9.84x with eIF4E_bypass_max at its upper bound 5 (docs/known-gaps.md)."""
    ratio = _ic50("myeloma-eIF4E-high") / _ic50("myeloma")
    assert 7.0 <= ratio <= 14.0, ratio


def test_fit_dexamethasone_alone_in_mm1s_at_24_h():
    """Fitted (dexamethasone-fate) to Blood 2007;110(11):4792: MM.1S after 5 uM
    dexamethasone for 24 h, 87% in G1 (read as 74% arrested, untreated G1 share 0.5
    assumed) and 8.1% sub-G1 (read as the annexin V-positive share)."""
    r = fate_timecourse("MM.1S", {"dexamethasone": 5000.0}, hours=24.0, step_h=24.0)
    assert_close(float(r["g1_arrested_fraction"][-1]), 0.74, atol=0.01)
    assert_close(float(r["apoptotic_fraction"][-1]), 0.081, rtol=0.05)


def test_fit_dexamethasone_alone_reduces_mm1s_viability_by_the_derived_amount():
    """Not fitted itself, but a consequence of the fitted 24 h figures, so not an
    independent check. 72 h viability of MM.1S with 1 uM dexamethasone alone within
    0.16-0.5: the lower edge is the most glucocorticoid-sensitive line read (OPM-2, 16% of
    residual cells viable after 4 days; Cancer Res ~1990, research note §A3); the upper
    edge is what the 24 h arrest alone allows (74% arrested at 24 h hold a 72 h CTG
    reading near 0.5 even without further arrest or death; docs/combinations.md)."""
    assert_in_range(viability("MM.1S", {"dexamethasone": 1000.0}), 0.16, 0.5,
                    what="MM.1S 72 h viability, dexamethasone 1 uM",
                    source="derived from Blood 2007;110(11):4792 and OPM-2 (research note §A3)")


def _rise(values: np.ndarray) -> np.ndarray:
    return (values - values[0]) / (values.max() - values[0])


@pytest.fixture(scope="module")
def nuclear_courses():
    t = np.arange(0.0, 48.0 + 1e-9, 0.25)
    sim = Simulator(cell_model("MM.1S"), rtol=1e-9, atol=1e-12)
    state = dict(untreated_state("MM.1S"))
    return t, {c: sim.run(t, initial=state, parameters={"drug_ext": c},
                          outputs=["p53_n", "FOXO3a_n"]) for c in (100.0, 1000.0)}


@pytest.mark.parametrize("cargo", ["p53_n", "FOXO3a_n"])
@pytest.mark.parametrize("conc", [100.0, 1000.0])
def test_fit_nuclear_accumulation_in_the_recalled_window(nuclear_courses, cargo, conc):
    """Recalled window, unverified (calibration-targets.md §3 row R: nuclear TSP
    accumulation visible by 2-4 h, maximal 8-24 h at 0.1-1 uM); the nuclear half-lives of
    p53 (4 h) and FOXO3a (6 h) were chosen by hand to meet it (presets/params/cargoes.toml).
    Nuclear *concentration* (what immunofluorescence shows) in MM.1S: >= 10% of the 48 h
    rise by 2 h and >= 25% by 4 h (visible), 95% of it reached between 8 and 24 h
    (maximal): stabilisation of nuclear-retained protein is slow, the shuttling is not."""
    t, runs = nuclear_courses
    rise = _rise(runs[conc][cargo])
    assert np.interp(2.0, t, rise) >= 0.10
    assert np.interp(4.0, t, rise) >= 0.25
    t95 = float(t[np.argmax(rise >= 0.95)])
    assert 8.0 <= t95 <= 24.0, t95


def test_fit_xpo1_mrna_peaks_in_the_recalled_window_after_a_dose():
    """Recalled, unverified (Abdul Razak et al., JCO 2016 via calibration-targets.md §2,
    row R; the research note could not read the paper): XPO1 mRNA in blood cells rises
    ~2-4-fold and peaks ~4-8 h after a dose. t_half_XPO1_mRNA, fb_emax and fb_drug_ec50
    were chosen by hand for it, so this holds the model to a plausible range, not a
    measurement: typical subject, 80 mg once (label popPK), myeloma cell."""
    sim = Simulator(patient_cell_model("myeloma"), rtol=1e-8, atol=1e-10)
    t = np.arange(0.0, 72.0 + 1e-9, 0.25)
    res = sim.run(t, initial=sim.steady_state(), events=[Bolus(0.0, "sel_depot", 80.0)],
                  outputs=["XPO1_mRNA", "XPO1_inhibition"])
    mrna = res["XPO1_mRNA"]
    assert 4.0 <= float(t[np.argmax(mrna)]) <= 8.0
    assert 2.0 <= float(mrna.max()) <= 4.0
    # and it follows exposure, not occupancy: inhibition is still > 50% at 48 h
    assert mrna[t == 48.0][0] < 1.1 and res["XPO1_inhibition"][t == 48.0][0] > 0.5
