"""Cell layer, kind 3 of 3: validation against published findings that were NOT used in
fitting. Each test names its source and its status (V: read in the source or its
abstract; R: recalled, unverified - a plausible range). Nothing here was tuned to pass:
where a figure was used to set a value, the test lives in tests/test_cell_fits.py.
Laws: tests/test_cell_laws.py.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from clihelp import run_cli

from xposim.biology.cell import cell_model
from xposim.engine import Simulator
from xposim.experiments.dose_response import DoseResponse, run_dose_response
from xposim.experiments.exposure import untreated_state
from xposim.experiments.predictions import (
    SEL_DEX_AXES,
    bliss_excess,
    c528s_shift,
    therapeutic_window,
)
from xposim.experiments.viability import fate_timecourse, viability
from xposim.model.overrides import Override, parse_override
from xposim.testing import assert_in_range

XPO1_LEVELS_UM = (0.3, 0.9, 2.7)


# -- XPO1 abundance protects (Crochiere et al., Oncotarget 2017, abstract, V) -------------

def test_ic50_rises_with_xpo1_abundance():
    """Crochiere 2017 (V): higher XPO1 protein correlated with lower sensitivity to SINE
    compounds. Not fitted (no line's XPO1 level was fitted; the IC50-XPO1 relation follows
    from reading the nuclear signals against a common reference). `xposim ic50 --cell-line
    myeloma --set XPO1_total0=X --json` for X = 0.3, 0.9, 2.7 uM: strictly increasing, and
    each three-fold step at least doubles the IC50."""
    ic50 = []
    for x in XPO1_LEVELS_UM:
        code, out, err = run_cli("ic50", "--cell-line", "myeloma", "--set",
                                 f"XPO1_total0={x}uM", "--json")
        assert code == 0, err
        ic50.append(json.loads(out)["ic50_nm"])
    assert ic50[0] < ic50[1] < ic50[2]
    assert ic50[1] >= 2 * ic50[0] and ic50[2] >= 2 * ic50[1], ic50


def test_occupancy_saturates_whatever_the_xpo1_level():
    """Crochiere 2017 (V): occupancy reaches saturation in cell lines regardless of drug
    sensitivity. At 1 uM the drug-bound share of XPO1 is >= 0.95 by 6 h at 0.3, 0.9 and
    2.7 uM XPO1, though the IC50s differ ~10-fold."""
    for x in XPO1_LEVELS_UM:
        ov = (Override("XPO1_total0", x, "uM"),)
        sim = Simulator(cell_model("myeloma", overrides=ov))
        res = sim.run([0.0, 6.0], initial=dict(untreated_state("myeloma", overrides=ov)),
                      parameters={"drug_ext": 1000.0}, outputs=["occupancy"])
        assert_in_range(float(res["occupancy"][-1]), 0.95, 1.0,
                        what=f"occupancy at 6 h, 1 uM, XPO1 {x} uM", source="Crochiere 2017")


# -- the therapeutic window ---------------------------------------------------------------

def test_therapeutic_window_at_least_tenfold():
    """Normal cells >= 1-10 uM, a wide window (Lapalombella et al., Blood 2012, R; SINE
    compounds kill CLL/myeloma cells and spare resting normal B cells and PBMC): the 72 h
    IC50 of the resting normal preset (and of PBMC) >= 10x the myeloma one, or no 50%
    effect up to 10 uM (a censored window). Nothing was fitted to normal cells."""
    for normal in ("normal", "PBMC"):
        window = therapeutic_window(normal=normal)
        assert window.value >= 10.0, (normal, str(window))


@pytest.mark.parametrize("revert", [
    "apoptotic_priming=1", "oncogenic_drive=1", "oncogene_addiction=1",
    "XPO1_total0=0.9uM"])
def test_the_window_does_not_rest_on_one_assumed_value(revert):
    """Issue 11's requirement (not a published figure): the window comes from what
    distinguishes normal cells - poor apoptotic priming (Ni Chonghaile et al., Science
    2011, V), no oncogenic drive (Burke et al., Oncotarget 2017, V), no oncoprotein
    addiction (Truitt et al., Cell 2015, R) - and survives any one of them (or the normal
    XPO1 level) set to the myeloma value: still >= 10x."""
    window = therapeutic_window(normal_overrides=(parse_override(revert),))
    assert window.value >= 10.0, str(window)


def test_c528s_shift_at_least_tenfold():
    """C528S XPO1 knock-in cells are essentially resistant to SINE compounds (Neggers et
    al., Chem Biol 2015, R): IC50 >= 10x the wild-type myeloma one (or none up to 10 uM)
    and viability never below 0.9."""
    shift = c528s_shift()
    assert shift.value >= 10.0, str(shift)
    r = run_dose_response(DoseResponse("myeloma-c528s"))
    assert float(r.viability.min()) > 0.9
    course = fate_timecourse("myeloma-c528s", {"selinexor": 1000.0}, hours=72.0, step_h=24.0)
    assert np.max(course["g1_arrested_fraction"]) < 0.02
    assert np.max(course["apoptotic_fraction"]) < 1e-3


def test_g1_arrest_by_24_h_at_1_um():
    """G1 arrest by ~24 h (calibration-targets.md §3, R; only 10 and 100 nM were fitted):
    at 1 uM the arrested share of MM.1S at 24 h is > 40% of live cells and >= 80% of its
    72 h value; none without drug."""
    g = fate_timecourse("MM.1S", {"selinexor": 1000.0}, hours=72.0, step_h=24.0)[
        "g1_arrested_fraction"]
    assert g[1] > 0.4 and g[1] >= 0.8 * g[3], g
    none = fate_timecourse("MM.1S", {"selinexor": 0.0}, hours=72.0, step_h=24.0)
    assert np.max(none["g1_arrested_fraction"]) < 1e-9


def test_proliferating_normal_cells_arrest_reversibly_and_do_not_die():
    """Burke et al., Oncotarget 2017 (V): non-transformed lines show strong cell-cycle
    effects but little DNA damage and less death than cancer cells. A fibroblast at 1 uM:
    most live cells G1-arrested at 24 h, no apoptosis (< 1%); after washout at 24 h the
    arrest resolves and the population grows again at its untreated rate ln2/36 h (5%)."""
    r = fate_timecourse("fibroblast", {"selinexor": 1000.0}, hours=168.0, step_h=4.0,
                        washout_at_h=24.0)
    g, t = r["g1_arrested_fraction"], r.time
    assert g[np.searchsorted(t, 24.0)] > 0.5
    assert g[-1] < 0.05 * g[np.searchsorted(t, 24.0)]
    assert np.max(r["apoptotic_fraction"]) < 0.01
    late = t >= 120.0
    rate = np.polyfit(t[late], np.log(r["viable_cells"][late]), 1)[0]
    assert rate == pytest.approx(np.log(2) / 36.0, rel=0.05)


@pytest.mark.xfail(strict=True, reason=(
    "recalled row (calibration-targets.md §3, R): normal fibroblasts >= 1-10 uM. The model's "
    "fibroblast arrests (Burke 2017, V: strong cell-cycle effects in non-transformed "
    "lines), so its 72 h CTG reading falls to 0.35 and the fitted 'IC50' is a cytostatic "
    "11 nM; it does not die (see the test above). docs/known-gaps.md"))
def test_fibroblast_ctg_ic50_in_the_recalled_normal_range():
    r = run_dose_response(DoseResponse("fibroblast"))
    assert r.ic50_nM is None or r.ic50_nM >= 1000.0


def test_eif4e_high_line_arrests_less_than_its_parent():
    """Li et al., Blood Adv 2023;7:2926 (abstract, V): eIF4E overexpression reduces
    selinexor's G1 arrest (only its IC50 shift was fitted): at 30 nM-1 uM the G1-arrested
    share at 24 h of the eIF4E-high preset is below its parent's."""
    for c in (30.0, 100.0, 300.0, 1000.0):
        share = [float(fate_timecourse(n, {"selinexor": c}, hours=24.0, step_h=24.0)[
            "g1_arrested_fraction"][-1]) for n in ("myeloma", "myeloma-eIF4E-high")]
        assert share[1] < share[0], (c, share)


@pytest.mark.xfail(strict=True, reason=(
    "combined model (Lipniacki NF-kB core + refitted cell-fate): at 100 nM the annexin V+ "
    "share peaks at 9.5% (0.009, 0.067, 0.095 at 24/48/72 h), not > 10%; at 1 uM it is "
    "already 13.1% at 24 h, 37% of its 48 h peak of 35.9% (asks < 30%). Cells lost keep "
    "rising (0.01, 0.11, 0.24 at 100 nM). docs/known-gaps.md"))
def test_apoptosis_rises_at_48_to_72_h():
    """Apoptosis rising at 48-72 h (calibration-targets.md §3, R): in MM.1S at 100 nM and
    1 uM the annexin V+ share at 24 h is < 30% of its 48-72 h peak, the peak > 10% of cells,
    and the share of cells lost keeps rising from 24 to 72 h."""
    for c in (100.0, 1000.0):
        r = fate_timecourse("MM.1S", {"selinexor": c}, hours=72.0, step_h=24.0)
        a = r["apoptotic_fraction"]
        peak = max(a[2], a[3])
        assert peak > 0.1 and a[1] < 0.3 * peak, a
        lost = 1 - r["viable_cells"] / r["total_cells"]
        assert lost[3] > lost[2] > lost[1]


# -- dexamethasone as a drug (Blood 2007;110(11):4792, V; Argueta et al. 2018, V) ----------

def test_single_agent_selinexor_is_gr_independent_but_dex_adds_in_gr_positive_cells():
    """Argueta et al., Oncotarget 2018 (abstract, V): single-agent selinexor does not
    depend on GR (MM.1S and the GR-deficient MM.1R, identical but for GR, respond alike),
    while dexamethasone adds to selinexor only in GR-positive cells. 72 h, selinexor 30 nM,
    dexamethasone 100 nM (measured: 0.630 for both lines alone; with dexamethasone 0.160 in
    MM.1S, 0.626 in MM.1R). Not fitted."""
    sel = {"selinexor": 30.0}
    both = {"selinexor": 30.0, "dexamethasone": 100.0}
    assert viability("MM.1R", sel) == pytest.approx(viability("MM.1S", sel), rel=1e-6)
    assert viability("MM.1S", both) < viability("MM.1S", sel)
    assert viability("MM.1R", both) > 0.9 * viability("MM.1R", sel)


def test_dexamethasone_does_nothing_in_gr_deficient_mm1r():
    """Blood 2007 (V): PARP/caspase-9 cleavage and p27 induction in MM.1S only, not MM.1R;
    MM.1R is 'not killed by high doses of glucocorticoids' (Northwestern record, V).
    MM.1R (GR 5% of MM.1S, assumed) at 1 uM dexamethasone for 72 h: >= 98% viable."""
    assert viability("MM.1R", {"dexamethasone": 1000.0}) >= 0.98


def test_selinexor_dexamethasone_synergistic_death_is_carried_by_gr_induction():
    """Argueta et al., Oncotarget 2018 (abstract, V): selinexor induces GR; with
    dexamethasone GR activity rises and the combination "synergistically ... induce[s]
    multiple myeloma cell death"; single-agent selinexor is GR-independent, the synergy
    depends on GR. The claim is about death, so it is scored on death: Bliss independence
    of the probabilities of dying by 72 h (share of cells killed,
    :func:`~xposim.experiments.viability.surviving_fraction`). The paper's concentrations
    and times could not be read (abstract only, research note §A3): the grid is selinexor
    below its IC50 at clinically relevant unbound levels and dexamethasone 3-300 nM.
    MM.1S mean excess > 0.05 (measured 0.155); with GR induction off (GR_sel_emax = 0) at
    most a third of it (-0.0001); GR-deficient MM.1R none (|excess| < 0.01; 0.0004). Not
    fitted: GR_sel_emax was set from a recalled GR fold (~2-3x protein, research note
    §A3), not from any synergy figure."""
    default = bliss_excess("MM.1S", readout="survival")
    no_induction = bliss_excess("MM.1S", (Override("GR_sel_emax", 0.0),), readout="survival")
    assert default > 0.05
    assert no_induction <= default / 3
    assert abs(bliss_excess("MM.1R", readout="survival")) < 0.01


def test_ctg_bliss_of_selinexor_with_dexamethasone_follows_gr_induction():
    """Issue 11's acceptance in its own terms: on 72 h CTG viability (relative to the
    untreated control) the MM.1S Bliss excess with GR induction off is at most a third of
    the default, and MM.1R keeps none. On this readout the pair is nearly additive
    (measured +0.037 default, -0.045 without induction, MM.1R +0.003): both drugs arrest
    MM.1S in G1, and a cytostatic pair cannot lower a growth-normalised reading as Bliss
    expects (docs/combinations.md); the synergy Argueta 2018 reports is in death (above)."""
    default = bliss_excess("MM.1S")
    no_induction = bliss_excess("MM.1S", (Override("GR_sel_emax", 0.0),))
    assert default > 0.01
    assert no_induction <= default / 3
    assert abs(bliss_excess("MM.1R")) < 0.01


def test_cli_synergy_with_gr_induction_off():
    """The same through the CLI (`xposim synergy --cell-line MM.1S --drugs
    selinexor,dexamethasone [--set GR_sel_emax=0] --readout survival --json`) on the
    default dish axes (selinexor 10-1000 nM, dexamethasone 3-300 nM): MM.1S mean Bliss
    excess on death > 0.05 (measured 0.093), at most a third without GR induction
    (-0.008), MM.1R none (0.0002). On the same axes with the CTG readout (the default) the
    mean is -0.005, pulled below 0 by the wells above the selinexor IC50, where both drugs
    hold cells in G1 (docs/combinations.md)."""
    out = {}
    for line, extra in (("MM.1S", []), ("MM.1S off", ["--set", "GR_sel_emax=0"]),
                        ("MM.1R", [])):
        code, text, err = run_cli("synergy", "--cell-line", line.split()[0], "--drugs",
                                  "selinexor,dexamethasone", "--readout", "survival",
                                  *extra, "--json")
        assert code == 0, err
        out[line] = json.loads(text)["bliss"]["mean"]
    assert out["MM.1S"] > 0.05 and out["MM.1S off"] <= out["MM.1S"] / 3, out
    assert abs(out["MM.1R"]) < 0.01, out
    axes = ["--drug", "selinexor=" + ",".join(f"{c:g}" for c in SEL_DEX_AXES["selinexor"])
            + "nM", "--drug", "dexamethasone=" + ",".join(
                f"{c:g}" for c in SEL_DEX_AXES["dexamethasone"]) + "nM"]
    code, text, err = run_cli("synergy", "--cell-line", "MM.1S", *axes, "--json")
    assert code == 0, err
    assert json.loads(text)["bliss"]["mean"] == pytest.approx(bliss_excess("MM.1S"),
                                                              rel=1e-9)
