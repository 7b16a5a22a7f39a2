"""Bortezomib, the proteasome and NF-κB: the nfkb module composed with the export core
(Lipniacki et al. 2004 IκBα/NF-κB shuttle) and selinexor target engagement. References:
VELCADE label (dissociation t½ 20 min), Lipniacki 2004 (export constants, resting state),
Turner et al., Oncotarget 2016 and Kashyap et al., Oncotarget 2016 (selinexor retains IκBα
in the nucleus and inhibits NF-κB), Ri et al., Leukemia 2010 (PI-resistant lines 17-25-fold),
calibration-targets.md §3."""

from __future__ import annotations

import math

import numpy as np
import pytest

from xposim.biology.signaling import nfkb_module, with_untreated_references
from xposim.biology.target import target_module
from xposim.biology.transport import export_module
from xposim.engine import Simulator
from xposim.model import compose
from xposim.testing import assert_close, check_module

MYELOMA_XPO1_UM = 0.9  # presets/cell_lines.toml 'myeloma' (3x HeLa)
OUT = ["nfkb_activity", "nfkb_survival", "proteasome_activity", "proteotoxic_signal",
       "IkBa_total", "IkBa_nuclear_fraction", "NFkB_n", "NFkB_nuclear_fraction"]


def _cell(**values: float):
    model = compose(export_module(), target_module(), nfkb_module(), name="nfkb_cell")
    return with_untreated_references(model.with_parameters(**values))


@pytest.fixture(scope="module")
def myeloma():
    model = _cell(XPO1_total0=MYELOMA_XPO1_UM)
    sim = Simulator(model, rtol=1e-9, atol=1e-12)
    return model, sim, sim.steady_state()


def _final(sim, state, hours=24.0, **inputs):
    res = sim.run([0.0, hours], initial=state, parameters=inputs, outputs=OUT)
    return {k: float(res[k][-1]) for k in OUT}


def test_conformance():
    """Units, SBML round trip, SciPy agreement, no negative states, proteasome sites and
    NF-kB conserved; alone and composed with the export core and target module."""
    check_module(nfkb_module(), parameters={"C_btz": 5.0})
    report = check_module(_cell(XPO1_total0=MYELOMA_XPO1_UM), times=np.linspace(0, 6, 4),
                          parameters={"drug_ext": 100.0, "C_btz": 5.0})
    assert report.conservation_max_rel["NFkB_mass"] < 1e-6
    assert report.conservation_max_rel["proteasome_sites"] < 1e-6


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
    loaded = sim.run([0.0, 24.0], parameters={"C_btz": 100.0}, outputs=["proteasome_btz"])
    state = {"proteasome_btz": float(loaded["proteasome_btz"][-1]),
             "proteasome_free": 500.0 - float(loaded["proteasome_btz"][-1])}
    res = sim.run([0.0, 20 / 60, 40 / 60], initial=state, parameters={"C_btz": 0.0},
                  outputs=["proteasome_btz"])
    b = res["proteasome_btz"]
    assert_close(b[1] / b[0], 0.5, rtol=1e-4)
    assert_close(b[2] / b[0], 0.25, rtol=1e-4)


def test_lipniacki_resting_state():
    """Lipniacki 2004 at rest: IκBα·NF-κB export kv·e2a = 5e-2 /s and free IκBα export
    kv·e1a = 2.5e-3 /s (normal preset, rel 1e-4); NF-κB is held in cytoplasmic IκBα
    complexes: < 5% of it nuclear and < 1% free in the nucleus."""
    model = _cell()
    sim = Simulator(model, rtol=1e-9, atol=1e-12)
    state = sim.steady_state()
    res = sim.run([0.0, 1.0], initial=state, outputs=["IkBa_NFkB_k_export", "IkBa_k_export",
                                                      "NFkB_nuclear_fraction"])
    assert_close(float(res["IkBa_NFkB_k_export"][0]), 5e-2 * 3600, rtol=1e-4)
    assert_close(float(res["IkBa_k_export"][0]), 2.5e-3 * 3600, rtol=1e-4)
    assert res["NFkB_nuclear_fraction"][0] < 0.05
    vn, vc = (model[c].size for c in ("nucleus", "cytoplasm"))
    total = model.parameter("NFkB_tot0").canonical_value  # 0.06 uM, Lipniacki 2004
    free_nuclear_share = state["NFkB_n"] * vn / (total * (vn + vc))
    assert free_nuclear_share < 0.01


def test_untreated_readouts_sit_at_their_references(myeloma):
    """with_untreated_references: nfkb_activity = 1, nfkb_survival = nfkb_dependence,
    proteasome fully active, no proteotoxic signal."""
    model, sim, state = myeloma
    out = _final(sim, state, hours=48.0)
    assert_close(out["nfkb_activity"], 1.0, rtol=1e-6)
    assert_close(out["nfkb_survival"], model.parameter("nfkb_dependence").value, rtol=1e-6)
    assert out["proteasome_activity"] == 1.0 and out["proteotoxic_signal"] == 0.0


def test_proteasome_block_accumulates_ikba_and_silences_nfkb(myeloma):
    """Bortezomib stops IκBα degradation (Lipniacki's degradation steps are proteasomal),
    so IκBα accumulates and nuclear NF-κB falls (bortezomib blocks IκB degradation and
    NF-κB translocation: Chen et al., Curr Cancer Drug Targets 2011). 10 nM for 24 h in
    the myeloma cell: IκBα > 2-fold, nuclear free NF-κB < 10% of untreated."""
    _, sim, state = myeloma
    out = _final(sim, state, C_btz=10.0)
    base = _final(sim, state, hours=1.0)
    assert out["IkBa_total"] > 2.0 * base["IkBa_total"]
    assert out["nfkb_activity"] < 0.1
    assert out["proteotoxic_signal"] > 0.3


def test_selinexor_retains_ikba_in_the_nucleus_and_lowers_nfkb(myeloma):
    """Turner 2016, Kashyap 2016: XPO1 inhibition traps IκBα in the nucleus and inhibits
    NF-κB. Selinexor 100 nM for 24 h in the myeloma cell: IκBα nuclear share at least
    3-fold the untreated one, nuclear free NF-κB down by more than 20%."""
    _, sim, state = myeloma
    base = _final(sim, state, hours=1.0)
    out = _final(sim, state, drug_ext=100.0)
    assert out["IkBa_nuclear_fraction"] > 3.0 * base["IkBa_nuclear_fraction"]
    assert out["nfkb_activity"] < 0.8


def test_ikba_knockdown_abolishes_selinexor_nfkb_effect():
    """Calibration-targets.md §3 (Turner 2016; Transl Oncol 2021): the NF-κB effect of
    selinexor is lost with IκB knockdown. IκBα synthesis cut 100-fold (references taken in
    the knocked-down cell): selinexor 100 nM changes nuclear free NF-κB by < 5%, against
    > 20% with IκBα present."""
    full = _cell(XPO1_total0=MYELOMA_XPO1_UM)
    syn = full.parameter("IkBa_synthesis").value
    knocked = _cell(XPO1_total0=MYELOMA_XPO1_UM, IkBa_synthesis=syn / 100)
    changes = []
    for model in (full, knocked):
        sim = Simulator(model, rtol=1e-9, atol=1e-12)
        state = sim.steady_state()
        out = _final(sim, state, drug_ext=100.0)
        changes.append(abs(out["nfkb_activity"] - 1.0))
    assert changes[0] > 0.2
    assert changes[1] < 0.05


def test_pi_resistant_line_escapes_bortezomib_but_not_selinexor(myeloma):
    """Ri et al. 2010: PSMB5-mutant lines are 17-25-fold resistant and accumulate little
    unfolded protein (pi_resistance 20). At 10 nM bortezomib the resistant proteasome stays
    > 75% active with almost no proteotoxic signal (< 0.05), against < 30% active in the
    sensitive line. Turner 2016: adding selinexor still lowers NF-κB in the resistant line
    (>= 25% below bortezomib alone), because IκBα trapping does not need the proteasome."""
    _, sim, state = myeloma
    sensitive = _final(sim, state, C_btz=10.0)
    resistant = _final(sim, state, C_btz=10.0, pi_resistance=20.0)
    combo = _final(sim, state, C_btz=10.0, pi_resistance=20.0, drug_ext=100.0)
    assert sensitive["proteasome_activity"] < 0.3
    assert resistant["proteasome_activity"] > 0.75
    assert resistant["proteotoxic_signal"] < 0.05 < sensitive["proteotoxic_signal"]
    assert combo["nfkb_activity"] < 0.75 * resistant["nfkb_activity"]


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


def test_stored_feedback_scale_is_the_reference_steady_state():
    """NFkB_feedback_scale is derived: the untreated nuclear free NF-kB of the reference
    'myeloma' core (export + target, IkBa synthesis as in presets/params/cargoes.toml). If
    the export constants change (xposim calibrate transport-affinities), update it in
    presets/params/nfkb.toml (1%)."""
    core = compose(export_module(), target_module(), name="core").with_parameters(
        XPO1_total0=MYELOMA_XPO1_UM)
    nfkb_n = Simulator(core, rtol=1e-10, atol=1e-12).steady_state()["NFkB_n"]
    stored = compose(nfkb_module(), name="nfkb_alone").parameter("NFkB_feedback_scale").value
    assert_close(stored, nfkb_n, rtol=0.01, what="NFkB_feedback_scale (set it to the value "
                 "shown as reference)")
