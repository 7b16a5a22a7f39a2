"""NF-κB: the Lipniacki et al. 2004 module (xposim.biology.signaling.nfkb) alone and in the
cell (export core + selinexor target engagement + this module).

Three kinds of test, in this order:

- laws: conservation, conformance, binding equilibria, and the reproduction of the
  published model (BioModels BIOMD0000000786) by an independent SciPy implementation of
  its equations with the published parameter table typed in here;
- fit regressions (``test_fit_*``): the one value picked against a qualitative figure
  (``pIkBa_kdeg``) still meets it;
- validation against published statements that no value was picked for (each names its
  source and says so).

The published figure values of Lipniacki 2004 (peak times) were not retrievable; the
time-course numbers in docs/signaling.md are this reproduction's, checked there.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.signal import argrelextrema

from xposim.biology.cargoes import CELL_CARGOES, CELL_COMPLEXES
from xposim.biology.signaling import nfkb_module, with_untreated_references
from xposim.biology.signaling.nfkb import LIPNIACKI_2004_VALUES, lipniacki_2004_model
from xposim.biology.target import target_module
from xposim.biology.transport import export_module
from xposim.engine import Set, Simulator
from xposim.model import compose
from xposim.testing import assert_close, check_module

MYELOMA_XPO1_UM = 0.9  # presets/cell_lines.toml 'myeloma' (3x HeLa)
OUT = ["nfkb_activity", "nfkb_survival", "proteasome_activity", "proteotoxic_signal",
       "IkBa_total", "IkBa_nuclear_fraction", "NFkB_n", "NFkB_nuclear_fraction"]


def _cell(**values: float):
    model = compose(export_module(CELL_CARGOES, CELL_COMPLEXES), target_module(),
                    nfkb_module(), name="nfkb_cell")
    return with_untreated_references(model.with_parameters(**values))


@pytest.fixture(scope="module")
def myeloma():
    model = _cell(XPO1_total0=MYELOMA_XPO1_UM)
    sim = Simulator(model, rtol=1e-9, atol=1e-12)
    return model, sim, sim.steady_state()


def _final(sim, state, hours=24.0, **inputs):
    res = sim.run([0.0, hours], initial=state, parameters=inputs, outputs=OUT)
    return {k: float(res[k][-1]) for k in OUT}


# --- laws ------------------------------------------------------------------------------

def test_conformance():
    """Units, SBML round trip, SciPy agreement, no negative states; NF-kB, IKK (turnover
    off) and proteasome sites conserved; alone (with TNF and bortezomib) and in the cell."""
    report = check_module(nfkb_module(), times=np.linspace(0, 6, 7),
                          parameters={"C_btz": 5.0, "TNF_activity": 1.0})
    assert report.conservation_max_rel["NFkB_mass"] < 1e-6
    assert report.conservation_max_rel["proteasome_sites"] < 1e-6
    report = check_module(_cell(XPO1_total0=MYELOMA_XPO1_UM), times=np.linspace(0, 6, 4),
                          parameters={"drug_ext": 100.0, "C_btz": 5.0})
    assert report.conservation_max_rel["NFkB_mass"] < 1e-6


@pytest.mark.parametrize("resistance", [1.0, 20.0])
@pytest.mark.parametrize("conc", [1.0, 3.0, 30.0])
def test_proteasome_inhibition_is_the_binding_equilibrium(resistance, conc):
    """Reversible 20S binding: steady-state activity 1/(1 + C/(IC50·pi_resistance)) with
    the cellular IC50 in the low-nM range (Ki 0.6 nM on purified 20S, Adams 1999)."""
    model = compose(nfkb_module(), name="proteasome")
    ic50 = model.parameter("btz_IC50_cell").value
    assert 0.5 <= ic50 <= 10.0
    res = Simulator(model, rtol=1e-10, atol=1e-12).run(
        [0.0, 48.0], parameters={"C_btz": conc, "pi_resistance": resistance},
        outputs=["proteasome_activity"])
    assert_close(float(res["proteasome_activity"][-1]), 1 / (1 + conc / (ic50 * resistance)),
                 rtol=1e-6)


def test_washout_recovers_with_the_label_dissociation_half_life():
    """VELCADE label: bortezomib leaves the proteasome with t½ ≈ 20 min; after washout the
    bound share halves every 20 min (first order, rel 1e-4)."""
    model = compose(nfkb_module(), name="proteasome")
    sim = Simulator(model, rtol=1e-10, atol=1e-12)
    loaded = sim.run([0.0, 24.0], parameters={"C_btz": 100.0},
                     outputs=["proteasome_btz", "proteasome_free"])
    state = {"proteasome_btz": float(loaded["proteasome_btz"][-1]),
             "proteasome_free": float(loaded["proteasome_free"][-1])}
    res = sim.run([0.0, 20 / 60, 40 / 60], initial=state, parameters={"C_btz": 0.0},
                  outputs=["proteasome_btz"])
    b = res["proteasome_btz"]
    assert_close(b[1] / b[0], 0.5, rtol=1e-4)
    assert_close(b[2] / b[0], 0.25, rtol=1e-4)


#: BIOMD0000000786 (Lipniacki et al., J Theor Biol 2004), typed in from the BioModels
#: export: uM, s. Only the reference implementation below reads these.
PUBLISHED = dict(kv=5.0, kprod=2.5e-5, kdeg=1.25e-4, k1=2.5e-3, k2=0.1, k3=1.5e-3, a1=0.5,
                 a2=0.2, a3=1.0, t1=0.1, t2=0.1, c1a=5e-7, c2a=0.0, c3a=4e-4, c4a=0.5,
                 c5a=1e-4, c6a=2e-5, c1=5e-7, c2=0.0, c3=4e-4, c4=0.5, c5=3e-4, i1=2.5e-3,
                 e2a=1e-2, i1a=1e-3, e1a=5e-4, c1c=5e-7, c2c=0.0, c3c=4e-4)
#: Species of the reference implementation -> names in the xposim module.
SPECIES = {"IKKn": "IKKn", "IKKa": "IKKa", "IKKi": "IKKi", "IKKIkBa": "IKKa_IkBa",
           "IKKIkBaNFkB": "IKKa_IkBa_NFkB", "NFkB": "NFkB_c", "NFkBn": "NFkB_n", "A20": "A20",
           "A20t": "A20_mRNA", "IkBa": "IkBa_c", "IkBan": "IkBa_n", "IkBat": "IkBa_mRNA",
           "IkBaNFkB": "IkBa_NFkB_c", "IkBanNFkBn": "IkBa_NFkB_n", "cgent": "NFkB_target_mRNA"}


def _published_rhs(tr: float):
    """The BIOMD0000000786 equations (uM, s) with receptor activity ``tr``."""
    p = PUBLISHED

    def rhs(_t, y):
        (ikkn, ikka, ikki, c1, c2, nf, nfn, a20, a20t, i, i_n, it, inf, infn, cg) = y
        kv = p["kv"]
        return [
            p["kprod"] - p["kdeg"] * ikkn - tr * p["k1"] * ikkn,
            tr * p["k1"] * ikkn - p["k3"] * ikka - tr * p["k2"] * ikka * a20
            - p["kdeg"] * ikka - p["a2"] * ikka * i + p["t1"] * c1 - p["a3"] * ikka * inf
            + p["t2"] * c2,
            p["k3"] * ikka + tr * p["k2"] * ikka * a20 - p["kdeg"] * ikki,
            p["a2"] * ikka * i - p["t1"] * c1,
            p["a3"] * ikka * inf - p["t2"] * c2,
            p["c6a"] * inf - p["a1"] * nf * i + p["t2"] * c2 - p["i1"] * nf,
            p["i1"] * kv * nf - p["a1"] * i_n * nfn,
            p["c4"] * a20t - p["c5"] * a20,
            p["c2"] + p["c1"] * nfn - p["c3"] * a20t,
            -p["a2"] * ikka * i - p["a1"] * i * nf + p["c4a"] * it - p["c5a"] * i
            - p["i1a"] * i + p["e1a"] * i_n,
            -p["a1"] * i_n * nfn + p["i1a"] * kv * i - p["e1a"] * kv * i_n,
            p["c2a"] + p["c1a"] * nfn - p["c3a"] * it,
            p["a1"] * i * nf - p["c6a"] * inf - p["a3"] * ikka * inf + p["e2a"] * infn,
            p["a1"] * i_n * nfn - p["e2a"] * kv * infn,
            p["c2c"] + p["c1c"] * nfn - p["c3c"] * cg,
        ]
    return rhs


def _published_course(pulse_h: float | None, hours: float = 8.0):
    """BioModels protocol: all NF-kB in cytoplasmic IkBa complexes (0.06 uM), everything
    else 0, 100 h without TNF, then TNF (for ``pulse_h`` or persistently)."""
    y = np.zeros(len(SPECIES))
    y[list(SPECIES).index("IkBaNFkB")] = 0.06
    y = solve_ivp(_published_rhs(0.0), (0, 100 * 3600), y, method="LSODA", rtol=1e-10,
                  atol=1e-14).y[:, -1]
    t = np.arange(0.0, hours + 1e-9, 1 / 60)
    on = t if pulse_h is None else t[t <= pulse_h]
    sol = solve_ivp(_published_rhs(1.0), (0, on[-1] * 3600), y, method="LSODA", rtol=1e-10,
                    atol=1e-14, t_eval=on * 3600)
    out = sol.y
    if pulse_h is not None:
        off = t[t >= pulse_h]
        tail = solve_ivp(_published_rhs(0.0), (pulse_h * 3600, hours * 3600), sol.y[:, -1],
                         method="LSODA", rtol=1e-10, atol=1e-14, t_eval=off * 3600).y
        out = np.hstack([sol.y, tail[:, 1:]])
    return t, out * 1000.0  # nM


def _module_course(pulse_h: float | None, hours: float = 8.0, model=None):
    """The same protocol in xposim (one run; TNF switched by events at 100 h)."""
    model = model or lipniacki_2004_model()
    t = np.arange(0.0, hours + 1e-9, 1 / 60)
    events = [Set(100.0, "TNF_activity", 1.0)]
    if pulse_h is not None:
        events.append(Set(100.0 + pulse_h, "TNF_activity", 0.0))
    res = Simulator(model, rtol=1e-10, atol=1e-12).run(
        np.concatenate([[0.0], 100.0 + t]), initial={"IKKn": 0.0}, events=events,
        outputs=list(SPECIES.values()))
    return t, np.vstack([np.asarray(res[n])[1:] for n in SPECIES.values()])


@pytest.mark.parametrize("pulse_h", [None, 0.25])
def test_module_alone_is_the_published_model(pulse_h):
    """lipniacki_2004_model() (this module with kv = 5, the documented changes switched off
    and the export law at its reference) follows BIOMD0000000786, integrated here by SciPy
    from the published equations and parameter table, over 8 h of persistent TNF and of a
    15-min TNF pulse: every species within 1e-3 of its largest value. (Phospho-IkBa is
    destroyed at 100 /s there, standing for Lipniacki's lumped t1/t2 step.)"""
    _, ref = _published_course(pulse_h)
    _, mine = _module_course(pulse_h)
    for k, name in enumerate(SPECIES.values()):
        scale = max(np.abs(ref[k]).max(), 1e-12)
        assert np.abs(mine[k] - ref[k]).max() / scale < 1e-3, name


def test_published_values_are_the_module_defaults():
    """The module's Lipniacki constants are the BIOMD0000000786 table (canonical units),
    and the export law at the reference cell gives kv·e1a and kv·e2a (rel 1e-5): the
    transport-affinities calibration solves the NES affinities for exactly this, at the
    XPO1_eff stored as XPO1_eff_ref (the untreated reference core's, rel 1e-5)."""
    model = lipniacki_2004_model()
    v = model.default_values()
    per_s, per_um_s, um_s = 3600.0, 3.6, 3.6e6
    names = {"IKK_kprod": ("kprod", um_s), "IKK_kdeg": ("kdeg", per_s),
             "IKK_k1": ("k1", per_s), "IKK_k2": ("k2", per_um_s), "IKK_k3": ("k3", per_s),
             "IKK_IkBa_kon": ("a2", per_um_s), "IKK_IkBa_NFkB_kon": ("a3", per_um_s),
             "IKK_IkBa_kcat": ("t1", per_s), "IKK_IkBa_NFkB_kcat": ("t2", per_s),
             "IkBa_NFkB_kon": ("a1", per_um_s), "IkBa_mRNA_induction": ("c1a", per_s),
             "IkBa_mRNA_kdeg": ("c3a", per_s), "IkBa_translation": ("c4a", per_s),
             "IkBa_kdeg_free": ("c5a", per_s), "IkBa_kdeg_bound": ("c6a", per_s),
             "A20_mRNA_induction": ("c1", per_s), "A20_mRNA_kdeg": ("c3", per_s),
             "A20_translation": ("c4", per_s), "A20_kdeg": ("c5", per_s),
             "target_mRNA_induction": ("c1c", per_s), "target_mRNA_kdeg": ("c3c", per_s),
             "NFkB_k_import": ("i1", per_s), "IkBa_k_import": ("i1a", per_s)}
    for name, (symbol, factor) in names.items():
        assert_close(v[name], PUBLISHED[symbol] * factor, rtol=1e-12, what=name)
    assert v["IkBa_mRNA_basal"] == v["A20_mRNA_basal"] == 0.0
    res = Simulator(model).run([0.0, 1e-3], outputs=["IkBa_k_export", "IkBa_NFkB_k_export"])
    assert_close(float(res["IkBa_k_export"][0]), PUBLISHED["kv"] * PUBLISHED["e1a"] * 3600,
                 rtol=1e-5)
    assert_close(float(res["IkBa_NFkB_k_export"][0]),
                 PUBLISHED["kv"] * PUBLISHED["e2a"] * 3600, rtol=1e-5)
    core = compose(export_module(), name="reference_core")
    sim = Simulator(core, rtol=1e-11, atol=1e-12)
    state = sim.steady_state(parameters={"XPO1_free": 300.0})
    xpo1_eff = sim.run([0.0, 1e-6], initial=state, parameters={"XPO1_free": 300.0},
                       outputs=["XPO1_eff"])
    stored = next(i for i in nfkb_module().inputs if i.name == "XPO1_eff").default
    assert_close(stored, float(xpo1_eff["XPO1_eff"][0]), rtol=1e-5, what="XPO1_eff_ref")


def test_documented_changes_are_off_only_in_the_published_model():
    """The cell module carries the changes (constitutive IKK, nuclear IkBa decay, a finite
    proteasome step); lipniacki_2004_model() switches exactly those off."""
    cell, published = compose(nfkb_module(), name="m"), lipniacki_2004_model()
    for name, value in LIPNIACKI_2004_VALUES.items():
        assert published.parameter(name).value == value
        assert cell.parameter(name).value != value


def test_stored_target_reference_is_the_untreated_module():
    """NFkB_target_mRNA_ref (derived) is the untreated steady state of the module alone at
    its defaults (1%); a composed cell gets its own from the cell builder."""
    model = compose(nfkb_module(), name="alone")
    state = Simulator(model, rtol=1e-10, atol=1e-12).steady_state()
    assert_close(model.parameter("NFkB_target_mRNA_ref").value, state["NFkB_target_mRNA"],
                 rtol=0.01, what="NFkB_target_mRNA_ref (set it to the value shown)")


def test_untreated_readouts_sit_at_their_references(myeloma):
    """with_untreated_references: nfkb_activity = 1, nfkb_survival = nfkb_dependence,
    proteasome fully active, no proteotoxic signal."""
    model, sim, state = myeloma
    out = _final(sim, state, hours=48.0)
    assert_close(out["nfkb_activity"], 1.0, rtol=1e-6)
    assert_close(out["nfkb_survival"], model.parameter("nfkb_dependence").value, rtol=1e-6)
    assert out["proteasome_activity"] == 1.0 and out["proteotoxic_signal"] == 0.0


def test_readouts_stay_in_their_ranges(myeloma):
    """All outputs within 0-1 over a dose grid; survival never above its dependence."""
    model, sim, state = myeloma
    dep = model.parameter("nfkb_dependence").value
    for sel in (0.0, 30.0, 1000.0):
        for btz in (0.0, 3.0, 100.0):
            out = _final(sim, state, drug_ext=sel, C_btz=btz)
            assert 0.0 <= out["proteasome_activity"] <= 1.0
            assert 0.0 <= out["proteotoxic_signal"] <= 1.0
            assert 0.0 <= out["nfkb_survival"] <= dep + 1e-12
            assert math.isfinite(out["nfkb_activity"])


def test_pi_resistant_proteasome_spares_nfkb(myeloma):
    """A 20-fold higher proteasome IC50 (PSMB5-mutant lines, Ri et al. 2010) leaves the
    proteasome > 50% active at 50 nM bortezomib with little proteotoxic signal (< 0.2,
    against > 0.7 in the sensitive cell, whose proteasome is < 10% active), so IkBa
    degradation and NF-kB go on (target transcription > 2x the sensitive cell's)."""
    _, sim, state = myeloma
    sensitive = _final(sim, state, C_btz=50.0)
    resistant = _final(sim, state, C_btz=50.0, pi_resistance=20.0)
    assert sensitive["proteasome_activity"] < 0.1 < 0.5 < resistant["proteasome_activity"]
    assert resistant["proteotoxic_signal"] < 0.2 and sensitive["proteotoxic_signal"] > 0.7
    assert resistant["nfkb_activity"] > 2.0 * sensitive["nfkb_activity"]


# --- fit regression -----------------------------------------------------------------------

def _tnf_after_bortezomib(btz_nM: float) -> tuple[float, float]:
    """Lipniacki's resting cell with this module's proteasome step (pIkBa_kdeg default),
    bortezomib for 2 h, then TNF: (IkBa, every form, 15 min after TNF / before; largest
    free nuclear NF-kB in the next 2 h, nM)."""
    pick = compose(nfkb_module(), name="m").parameter("pIkBa_kdeg")
    model = lipniacki_2004_model().override(pick)
    t = np.array([0.0, 100.0, 102.0, *np.linspace(102.0, 104.0, 121)[1:]])
    res = Simulator(model, rtol=1e-10, atol=1e-12).run(
        t, initial={"IKKn": 0.0}, events=[Set(100.0, "C_btz", btz_nM),
                                          Set(102.0, "TNF_activity", 1.0)],
        outputs=["IkBa_total", "NFkB_n"])
    ikba = np.asarray(res["IkBa_total"])
    return (float(ikba[np.searchsorted(t, 102.25)] / ikba[2]),
            float(np.max(np.asarray(res["NFkB_n"])[2:])))


def test_fit_bortezomib_blocks_tnf_induced_ikba_degradation():
    """pIkBa_kdeg (3e-3 /s, presets/params/nfkb.toml) was picked as the largest value for
    which proteasome inhibitors block TNF-induced IkBa degradation (Hideshima et al., Blood
    2009: bortezomib inhibits inducible NF-kB; Ma et al., Clin Cancer Res 2003): with
    20 nM bortezomib (87% of the proteasome blocked) more than half of the IkBa is left
    15 min after TNF (measured 0.74), against < 20% without it (0.14), and the first
    nuclear NF-kB peak is less than half (0.44x)."""
    kept_drug, peak_drug = _tnf_after_bortezomib(20.0)
    kept_none, peak_none = _tnf_after_bortezomib(0.0)
    assert kept_none < 0.2 < 0.5 < kept_drug
    assert peak_drug < 0.5 * peak_none


# --- validation: published statements no value was picked for ------------------------------

def _peaks(t, x):
    i = argrelextrema(x, np.greater)[0]
    return t[i], x[i]


def test_persistent_tnf_gives_damped_oscillations_with_a_1_to_2_h_period():
    """Mengel et al., arXiv 0911.0529 (abstract): nuclear NF-kB under persistent TNF shows
    damped oscillations with a period of around 1-2 hours. The published model (not fitted
    by us): every peak-to-peak interval within 1-2 h, each peak lower than the one before;
    a 15-min TNF pulse gives a single peak (Hoffmann et al., Science 2002: transient
    activation by short stimuli)."""
    t, course = _module_course(None)
    times, heights = _peaks(t, course[list(SPECIES).index("NFkBn")])
    assert len(times) >= 3
    assert np.all((np.diff(times) >= 1.0) & (np.diff(times) <= 2.0))
    assert np.all(np.diff(heights) < 0)
    t, course = _module_course(0.25)
    times, _ = _peaks(t, course[list(SPECIES).index("NFkBn")])
    assert len(times) == 1


def test_export_block_traps_complexes_and_blocks_tnf_activation():
    """Huang et al., PNAS 2000 (abstract): leptomycin B sequesters NF-kB/IkBa complexes in
    the nucleus, where they are inaccessible to signalling, and inhibits NF-kB activation;
    Johnson et al., EMBO J 1999: complexes accumulate in the nucleus when CRM1 export is
    blocked. In the myeloma cell, 1 uM selinexor for 6 h moves most NF-kB (> 80%) into the
    nucleus, and the free nuclear NF-kB that TNF then raises within an hour peaks at less
    than half the drug-free peak. Not fitted."""
    model = _cell(XPO1_total0=MYELOMA_XPO1_UM)
    sim = Simulator(model, rtol=1e-9, atol=1e-12)
    state = sim.steady_state()
    t = np.array([0.0, 6.0, *np.linspace(6.0, 7.0, 61)[1:]])

    def after_tnf(sel_nM: float) -> tuple[float, float]:
        res = sim.run(t, initial=state,
                      events=[Set(0.0, "drug_ext", sel_nM), Set(6.0, "TNF_activity", 1.0)],
                      outputs=["NFkB_n", "NFkB_nuclear_fraction"])
        return (float(np.max(np.asarray(res["NFkB_n"])[1:])),
                float(res["NFkB_nuclear_fraction"][1]))

    peak_drug, nuclear_share = after_tnf(1000.0)
    peak_none, _ = after_tnf(0.0)
    assert nuclear_share > 0.8
    assert peak_drug < 0.5 * peak_none


#: The drug needed to trap IkBa-NF-kB moved up when the cell-science branch (issue 11) made
#: XPO1 transcription follow the drug (fb_emax 3, chosen for the recalled 4-8 h mRNA
#: peak): at 300 nM for 24 h the cell holds 966 nM XPO1, 12 nM of it free, where without
#: the induction it would hold 422 nM, 3.6 nM free, and IkBa would be 89% nuclear. The
#: 300 nM statements that held on the NF-kB branch alone now need ~0.7-1 uM
#: (docs/known-gaps.md).
DEEP_BLOCK_300NM = pytest.mark.xfail(strict=True, reason=(
    "combined model: at 300 nM for 24 h IkBa is 14% nuclear and NF-kB target transcription "
    "falls 11% (0.889); the trap engages at ~0.7-1 uM (IkBa 61% nuclear, activity 0.45 at "
    "700 nM; 88%, 0.15 at 1 uM). docs/known-gaps.md"))


@pytest.mark.parametrize("conc", [pytest.param(300.0, marks=DEEP_BLOCK_300NM), 1000.0])
def test_deep_xpo1_block_traps_ikba_and_silences_nfkb(myeloma, conc):
    """Turner et al., Oncotarget 2016; Ming et al., Mol Cancer Ther 2018 (abstracts):
    selinexor retains IkBa with p65 in the nucleus and lowers NF-kB DNA binding. After
    24 h of a deep XPO1 block IkBa is mostly nuclear (> 50%) and NF-kB target transcription
    falls by more than half. Not fitted; no concentration was published with it: 300 nM
    (98.8% occupied) was the NF-kB branch's deep block and misses on the combined model
    (strict xfail with the measured values), 1 uM (99.6%) meets it. (At 20-100 nM the
    remaining XPO1 still exports the complex far faster than IkBa arrives: < 5% effect,
    docs/signaling.md.)"""
    _, sim, state = myeloma
    base = _final(sim, state, hours=1.0)
    out = _final(sim, state, drug_ext=conc)
    assert base["IkBa_nuclear_fraction"] < 0.05 < 0.5 < out["IkBa_nuclear_fraction"]
    assert out["nfkb_activity"] < 0.5


@pytest.mark.xfail(strict=True, reason=(
    "combined model: selinexor 300 nM with bortezomib 10 nM lowers NF-kB target "
    "transcription by 50% (0.503) with IkBa present, not > 60%; the knockdown still "
    "removes 94% of it (change 0.028). docs/known-gaps.md"))
def test_ikba_knockdown_removes_the_nfkb_effect_of_selinexor_and_bortezomib():
    """Turner et al., Oncotarget 2016 (abstract: IkBa knockdown and NF-kB activity measured
    in selinexor/bortezomib-treated myeloma cells; the effect depends on nuclear IkBa);
    Transl Oncol 2021: synergy abrogated by IkB siRNA. With IkBa transcription cut
    100-fold (references in the knocked-down cell), selinexor 300 nM with bortezomib 10 nM
    changes NF-kB target transcription by < 10% against a > 60% fall with IkBa present
    (the NF-kB branch measured 8% and 71%). Not fitted."""
    changes = []
    for fold in (1.0, 100.0):
        model = _cell(XPO1_total0=MYELOMA_XPO1_UM,
                      IkBa_mRNA_induction=5e-7 / fold)
        sim = Simulator(model, rtol=1e-9, atol=1e-12)
        out = _final(sim, sim.steady_state(), drug_ext=300.0, C_btz=10.0)
        changes.append(abs(out["nfkb_activity"] - 1.0))
    assert changes[0] > 0.6
    assert changes[1] < 0.1
