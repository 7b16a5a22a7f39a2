"""Cell fate: population mass balance, timing of localisation, arrest and apoptosis, and
reversible arrest of normal cells. Reference figures: calibration-targets.md §3."""

from __future__ import annotations

import math

import numpy as np
import pytest

from xposim.biology.cell import cell_fate_model, fate_initial_state
from xposim.engine import Simulator
from xposim.experiments.viability import fate_timecourse, viability, viability_curve
from xposim.testing import assert_in_range, check_module

POP = ("fate_proliferating", "fate_arrested", "fate_dying1", "fate_dying2", "fate_dying3",
       "fate_dead")


@pytest.fixture(scope="module")
def mm1s_runs():
    return {c: fate_timecourse("MM.1S", {"selinexor": c}, hours=72.0, step_h=1.0)
            for c in (0.0, 100.0, 1000.0)}


@pytest.mark.parametrize("cell, doubling", [("MM.1S", 36.0), ("fibroblast", 36.0),
                                            ("RPMI-8226", 60.0)])
def test_untreated_population_grows_exponentially_at_the_doubling_time(cell, doubling):
    """Without drug every signal is 0, nobody arrests or dies, and the population follows
    N(t) = N0 * 2**(t / Td) exactly (closed form; Td from the preset)."""
    model = cell_fate_model(cell)
    sim = Simulator(model, rtol=1e-10, atol=1e-12)
    t = np.array([0.0, 24.0, 72.0, 168.0])
    res = sim.run(t, initial=fate_initial_state(cell), outputs=[*POP, "total_cells"])
    n0 = fate_initial_state(cell)["fate_proliferating"]
    np.testing.assert_allclose(res["total_cells"], n0 * 2 ** (t / doubling), rtol=1e-6)
    for name in POP[1:]:
        assert np.max(res[name]) < 1e-6 * n0, name


def test_resting_pbmc_neither_grow_nor_die():
    """Resting PBMC (doubling 1e7 h stands for 'not dividing': 72 h adds 72 ln2 / 1e7 =
    5e-6) are not killed even at 10 uM (Lapalombella et al., Blood 2012)."""
    res = fate_timecourse("PBMC", {"selinexor": 10_000.0}, hours=72.0, step_h=24.0)
    assert res["total_cells"][-1] == pytest.approx(res["total_cells"][0], rel=1e-5)
    assert res["apoptotic_fraction"][-1] < 1e-3


def test_cell_count_is_conserved_apart_from_division(mm1s_runs):
    """Mass balance with drug: d(total)/dt = division only; the dying transit moves cells
    but never creates or destroys them (total_cells includes the dead)."""
    r = mm1s_runs[1000.0]
    model = cell_fate_model("MM.1S")
    sim = Simulator(model, rtol=1e-10, atol=1e-12)
    res = sim.run(r.time, initial=fate_initial_state("MM.1S"),
                  parameters={"drug_ext": 1000.0, "doubling_time": 1e7},
                  outputs=["total_cells"])
    np.testing.assert_allclose(res["total_cells"], res["total_cells"][0], rtol=1e-6)


def test_nuclear_accumulation_by_2_to_4_h(mm1s_runs):
    """Nuclear TSP accumulation is visible by 2-4 h and near maximal by 8-24 h at
    0.1-1 uM (calibration-targets.md §3). Visible: >= 25% of the 24 h rise by 4 h."""
    for c in (100.0, 1000.0):
        f = mm1s_runs[c]["p53_nuclear_fraction"]
        rise = f[24] - f[0]
        assert rise > 0.3
        assert f[4] - f[0] >= 0.25 * rise
        assert f[2] - f[0] >= 0.05


def test_g1_arrest_by_24_h(mm1s_runs):
    """G1 arrest by ~24 h (calibration-targets.md §3): at 0.1-1 uM the arrested share at
    24 h is > 40% of live cells and >= 80% of its 72 h value; none without drug."""
    assert np.max(mm1s_runs[0.0]["g1_arrested_fraction"]) < 1e-9
    for c in (100.0, 1000.0):
        g = mm1s_runs[c]["g1_arrested_fraction"]
        assert_in_range(g[24], 0.4, 1.0, what=f"G1-arrested share at 24 h, {c:g} nM",
                        source="calibration-targets.md §3")
        assert g[24] >= 0.8 * g[72]


def test_eif4e_high_line_arrests_less_than_its_parent():
    """eIF4E overexpression rescues from selinexor partly by reducing G1 arrest (Li et al.,
    Blood Adv 2023;7:2926, abstract; calibration-targets.md §3; a direction, no figure):
    at 30 nM-1 uM the G1-arrested share at 24 h of the eIF4E-high preset is below its
    parent's at the same concentration, and the parent is mostly arrested at 100 nM."""
    share = {}
    for name in ("myeloma", "myeloma-eIF4E-high"):
        share[name] = [fate_timecourse(name, {"selinexor": c}, hours=24.0, step_h=24.0)[
            "g1_arrested_fraction"][-1] for c in (30.0, 100.0, 300.0, 1000.0)]
    assert share["myeloma"][1] > 0.5
    for parent, high in zip(share["myeloma"], share["myeloma-eIF4E-high"], strict=True):
        assert high < parent, share


def test_apoptosis_rises_at_48_to_72_h(mm1s_runs):
    """Apoptosis rises at 48-72 h (calibration-targets.md §3): the annexin-V+ share at 24 h
    is < 30% of its 48-72 h peak, the peak is > 10% of cells, and the share of cells lost
    (apoptotic or dead) keeps rising from 48 to 72 h."""
    for c in (100.0, 1000.0):
        r = mm1s_runs[c]
        a = r["apoptotic_fraction"]
        peak = max(a[48], a[72])
        assert peak > 0.1
        assert a[24] < 0.3 * peak
        lost = 1 - r["viable_cells"] / r["total_cells"]
        assert lost[72] > lost[48] > lost[24]


def test_normal_cells_arrest_reversibly_and_do_not_die():
    """Normal cells arrest, not die (calibration-targets.md §3, Lapalombella et al., Blood
    2012): a fibroblast at 1 uM shows no apoptosis; after washout at 24 h the arrest
    resolves and the population grows again at its untreated rate ln2/36 h (within 5%)."""
    r = fate_timecourse("fibroblast", {"selinexor": 1000.0}, hours=168.0, step_h=4.0,
                        washout_at_h=24.0)
    g = r["g1_arrested_fraction"]
    t = r.time
    assert g[np.searchsorted(t, 24.0)] > 0.01
    assert g[-1] < 0.05 * g[np.searchsorted(t, 24.0)]
    assert np.max(r["apoptotic_fraction"]) < 1e-3
    late = t >= 120.0
    rate = np.polyfit(t[late], np.log(r["viable_cells"][late]), 1)[0]
    assert rate == pytest.approx(math.log(2) / 36.0, rel=0.05)


def test_c528s_cells_neither_arrest_nor_die():
    """C528S knock-in cells are essentially resistant (Neggers et al., Chem Biol 2015)."""
    r = fate_timecourse("myeloma-c528s", {"selinexor": 1000.0}, hours=72.0, step_h=24.0)
    assert np.max(r["g1_arrested_fraction"]) < 0.02
    assert np.max(r["apoptotic_fraction"]) < 1e-3


def test_viability_is_relative_to_the_untreated_control():
    """Viability at 0 nM is 1 by definition (CellTiter-Glo normalised to vehicle); the
    batched curve equals the single-point function."""
    assert viability("MM.1S", {"selinexor": 0.0}) == pytest.approx(1.0, abs=1e-12)
    conc = [0.0, 10.0, 100.0]
    curve = viability_curve("MM.1S", "selinexor", conc)
    single = [viability("MM.1S", {"selinexor": c}) for c in conc]
    np.testing.assert_allclose(curve, single, rtol=1e-9)
    assert curve[2] < curve[1] < curve[0]


def test_single_agent_selinexor_is_gr_independent_but_dex_adds_in_gr_positive_cells():
    """Argueta et al., Oncotarget 2018: single-agent selinexor does not depend on GR (MM.1S
    and GR-deficient MM.1R, identical but for GR, respond alike), while dexamethasone adds
    to selinexor only in GR-positive cells (how much: the strict xfail below)."""
    sel = {"selinexor": 30.0}
    both = {"selinexor": 30.0, "dexamethasone": 100.0}
    assert viability("MM.1R", sel) == pytest.approx(viability("MM.1S", sel), rel=1e-6)
    assert viability("MM.1S", both) < viability("MM.1S", sel)
    assert viability("MM.1R", both) > 0.9 * viability("MM.1R", sel)


@pytest.mark.xfail(strict=True, reason="since the Lipniacki NF-kB core, selinexor 30 nM alone "
                   "leaves 0.440 of MM.1S viable and with dexamethasone 100 nM 0.237: ratio "
                   "0.54, not < 0.5 (the GR rework of issue 11 restates this figure)")
def test_dexamethasone_halves_selinexor_viability_in_mm1s():
    """Argueta 2018, as this project stated it: dexamethasone 100 nM halves the MM.1S
    viability left by selinexor 30 nM (72 h)."""
    sel = {"selinexor": 30.0}
    both = {"selinexor": 30.0, "dexamethasone": 100.0}
    assert viability("MM.1S", both) < 0.5 * viability("MM.1S", sel)


@pytest.mark.parametrize("bad, field", [({"aspirin": 1.0}, "drug"),
                                        ({"selinexor": -1.0}, "concentration of selinexor"),
                                        ({"selinexor": "10"}, "concentration of selinexor")])
def test_viability_rejects_bad_input(bad, field):
    from xposim.errors import InputError

    with pytest.raises(InputError) as err:
        viability("MM.1S", bad)
    assert err.value.field == field


def test_conformance_of_the_fate_model():
    """Units consistent, SBML round trip, SciPy agreement, no negative states."""
    check_module(cell_fate_model("myeloma"), times=np.linspace(0, 24, 7),
                 parameters={"drug_ext": 100.0})
