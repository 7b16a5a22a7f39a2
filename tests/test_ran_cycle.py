"""The detailed Ran-cycle reference model and the reduced export law derived from it.

Checks: conservation of Ran, CRM1, the cofactors and every cargo; the RanGTP gradient
against the ≈1000-fold of Görlich et al. (EMBO J 2003); NPC load against the ~10³
passages per pore per second of Ribbeck & Görlich (EMBO J 2001); steady state and solver
convergence; and the agreement of the reduced law with the detailed model across 0–99%
XPO1 inactivation, with the tolerance reached stated per regime.
"""

from __future__ import annotations

import numpy as np
import pytest

from xposim.biology.ran_cycle import (
    COMPARED_CARGOES,
    F_INACT_GRID,
    ReferenceModels,
    agreement_table,
    detailed_fractions,
    ran_cycle_module,
    reduced_fractions,
    steady_state,
)
from xposim.biology.transport import transport_parameters
from xposim.engine import Simulator
from xposim.errors import InputError
from xposim.testing import assert_close, assert_in_range, check_module

#: Agreement reached by the stored constants (absolute nuclear fraction). Measured:
#: 0.022 at f_inact <= 0.95 for every cargo; at 0.99 the tumour suppressors and oncoRNA
#: stay within 0.001, but the NES pool (0.087), NF-kB (0.051) and IkBa (0.037) do not:
#: at 99% the pool floods the nucleus and the last 1% of CRM1 runs at capacity, which the
#: reduced law's constant phi_n does not follow (phi_n falls from 0.87 to 0.29).
TOL_TO_95 = 0.025
TOL_99_SUPPRESSORS = 0.005
TOL_99_NFKB_POOL = 0.10
NFKB_POOL = ("IkBa", "NFkB", "NESpool")


@pytest.fixture(scope="module")
def models():
    return ReferenceModels.build()


@pytest.fixture(scope="module")
def detailed(models):
    return detailed_fractions(models=models)


@pytest.fixture(scope="module")
def table(models, detailed):
    return agreement_table(detailed, reduced_fractions(models=models))


def test_every_conservation_law_holds_in_simulation(models):
    """Ran, CRM1 (free, drug-bound, in every complex), RanBP3, RanBP1, RCC1, NTF2,
    importin-beta and each cargo (turnover off) are only moved and converted: their
    amounts stay constant to 1e-9 over an hour from a far-from-steady start."""
    model = models.detailed
    sim = Simulator(model, rtol=1e-10, atol=1e-12)
    vol = {c.name: c.size for c in model.compartments}
    where = {s.name: s.compartment for s in model.species}
    assert {law.name for law in model.conservations} >= {"Ran_mass", "CRM1_mass",
                                                         "p53_mass", "NESpool_mass"}
    for law in model.conservations:
        params = {**dict(law.when), "f_inact": 0.5}
        res = sim.run([0.0, 0.01, 0.1, 1.0], parameters=params,
                      outputs=[n for n, _ in law.terms])
        total = sum(w * res[n] * vol[where[n]] for n, w in law.terms)
        assert total[0] > 0, law.name
        assert_close(float(np.max(np.abs(total / total[0] - 1.0))), 0.0, atol=1e-9,
                     what=f"relative drift of {law.name}")


def test_total_ran_and_crm1_match_the_hela_inputs(models):
    """Whole-cell totals are the R&M inputs: Ran 5 µM (R&M 2005 Table I) and CRM1 0.3 µM
    (R&M 2007), independent of the inactivated share."""
    model = models.detailed
    sim = Simulator(model)
    vol = {c.name: c.size for c in model.compartments}
    where = {s.name: s.compartment for s in model.species}
    laws = {law.name: law for law in model.conservations}
    for f in (0.0, 0.9):
        ss = steady_state(sim, {"f_inact": f})
        for law, expected in (("Ran_mass", 5000.0), ("CRM1_mass", 300.0)):
            amount = sum(w * ss[n] * vol[where[n]] for n, w in laws[law].terms)
            assert_close(amount / vol["cell"], expected, rtol=1e-6, what=law)


def test_nuclear_rangtp_is_hundreds_fold_above_cytoplasmic(detailed):
    """Görlich, Seewald & Ribbeck, EMBO J 2003 (abstract): nuclear RanGTP in HeLa exceeds
    the cytoplasmic ≈1000-fold. Independent check (nothing is fitted to it): the detailed
    model's ratio, free or counting bound RanGTP, must be within 3-fold of 1000."""
    untreated = detailed[detailed["f_inact"] == 0.0].iloc[0]
    assert_in_range(untreated["RanGTP_free_ratio"], 1000 / 3, 3000,
                    what="free RanGTP nucleus/cytoplasm")
    assert_in_range(untreated["RanGTP_total_ratio"], 1000 / 3, 3000,
                    what="total RanGTP nucleus/cytoplasm")


def test_ran_is_concentrated_in_the_nucleus(models):
    """Smith et al., Science 2002 (BIOMD0000000164 steady state, model-building-blocks.md
    §1.2): Ran 12.6 µM in the nucleus vs 3.3 µM in the cytosol (3.8-fold). Independent
    check: cytosolic Ran within 30% of 3.3 µM and the nuclear/cytosolic ratio within
    2-fold of 3.8 (measured 3.8 µM and 2.4-fold)."""
    model = models.detailed
    ss = steady_state(Simulator(model))
    where = {s.name: s.compartment for s in model.species}
    law = next(law for law in model.conservations if law.name == "Ran_mass")
    nuc = sum(ss[n] for n, _ in law.terms if where[n] == "nucleus")
    cyt = sum(ss[n] for n, _ in law.terms if where[n] == "cytoplasm")
    assert_close(cyt, 3300.0, rtol=0.3, what="cytosolic Ran (nM)")
    assert_in_range(nuc / cyt, 3.8 / 2, 3.8 * 2, what="nuclear/cytosolic Ran")


def test_gradient_survives_xpo1_inhibition(detailed):
    """CRM1 carries a small share of the Ran flux (importin-beta carries most), so even 99%
    inhibition leaves the gradient within 10% of the untreated one."""
    r = detailed["RanGTP_total_ratio"].to_numpy()
    assert np.all(np.abs(r / r[0] - 1.0) < 0.1), r


def test_crm1_export_is_far_below_pore_capacity(detailed):
    """Ribbeck & Görlich, EMBO J 2001: ~10³ translocation events per NPC per second.
    CRM1 export complexes use < 1% of it (3000 NPCs, Maul 1972), which is why the model
    has no pore-saturation term."""
    per_s = detailed["export_events_per_NPC"].to_numpy() / 3600.0
    assert np.all(per_s < 10.0), per_s
    assert np.all(per_s > 0.0)


@pytest.mark.parametrize("f_inact", [0.0, 0.9])
def test_weak_nes_export_follows_the_closed_form_quasi_steady_state(models, f_inact):
    """The derivation the reduced law rests on. For a weak NES (Kd ≫ CRM1) binding
    equilibrates far faster than translocation (koff = kon·Kd > 10³ /s vs P_XPO1/V_nuc =
    0.56 /s), so the nuclear export complexes are [RanGTP·CRM1·RanBP3]·X_n/Kd and
    [RanGTP·CRM1]·X_n/(e·Kd), and the cytoplasmic complex is removed by RanBP1, giving
    complex_c/complex_n = P/(P + kdis·[RanBP1]·V_cyt). Net export in the model must equal
    that closed form to 0.5%."""
    model = models.detailed
    sim = Simulator(model, rtol=1e-10, atol=1e-12)
    ss = steady_state(sim, {"f_inact": f_inact})
    par = {p.name: p.value for p in model.parameters}  # source units: pL/s, 1/uM/s, uM
    vc = next(c.size for c in model.compartments if c.name == "cytoplasm")
    back = par["P_XPO1"] / (par["P_XPO1"] + par["kon_disasm"] * ss["RanBP1"] / 1e3 * vc)
    e = par["RanBP3_NES_enhancement"]
    for cargo in ("p53", "FOXO3a", "BRCA1"):
        kd = model.parameter(f"{cargo}_nes_kd").canonical_value
        net = (ss[f"XPO1_{cargo}_n"] - ss[f"XPO1_{cargo}_c"]
               + ss[f"RtM_{cargo}_n"] - ss[f"RtM_{cargo}_c"])
        closed = (ss["RanGTP_CRM1_RanBP3"] + ss["RanGTP_CRM1"] / e) * ss[f"{cargo}_n"] / kd
        assert_close(net / closed, 1.0 - back, rtol=0.005, what=f"{cargo} export / QSS")


def test_leaving_out_cas_and_importin_alpha_moves_cargoes_little(models):
    """Numerical justification for omitting CAS (3 µM, R&M 2005 Table I) and importin-α:
    they add RanGTP-exporting receptors like importin-β. Doubling importin-β (3 → 6 µM)
    moves every cargo's nuclear fraction by < 0.02 at 0 and 90% inhibition, and
    phi_n by < 10%."""
    fs = [0.0, 0.9]
    base = detailed_fractions(fs, models=models)
    more = detailed_fractions(fs, parameters={"ImpB_tot": 6000.0}, models=models)
    cols = [f"{c}_nuclear_fraction" for c in COMPARED_CARGOES]
    assert float(np.max(np.abs(more[cols].to_numpy() - base[cols].to_numpy()))) < 0.02
    ratio = more["phi_n_detailed"].to_numpy() / base["phi_n_detailed"].to_numpy()
    assert np.all(np.abs(ratio - 1.0) < 0.1), ratio


def test_steady_state_does_not_move_over_a_long_run(models):
    """Integrating 2,000 h more from the steady state changes no species by > 1e-6."""
    sim = Simulator(models.detailed, rtol=1e-10, atol=1e-12)
    for f in (0.0, 0.95):
        ss = steady_state(sim, {"f_inact": f})
        names = list(ss)
        res = sim.run([0.0, 2000.0], parameters={"f_inact": f}, initial=ss, outputs=names)
        start, end = res.values[0], res.values[1]
        scale = np.maximum(np.abs(start), 1e-6 * np.max(np.abs(start)))
        assert float(np.max(np.abs(end - start) / scale)) < 1e-6


def test_fractions_converge_under_tighter_tolerances(models):
    """Nuclear fractions at rtol 1e-8 and 1e-11 agree to 1e-6 (absolute)."""
    fs = [0.0, 0.9, 0.99]
    loose = detailed_fractions(fs, rtol=1e-8, atol=1e-9, models=models)
    tight = detailed_fractions(fs, rtol=1e-11, atol=1e-13, models=models)
    cols = [f"{c}_nuclear_fraction" for c in COMPARED_CARGOES]
    assert float(np.max(np.abs(loose[cols].to_numpy() - tight[cols].to_numpy()))) < 1e-6


def test_stored_phi_n_is_the_detailed_models_loaded_share(detailed):
    """phi_n is derived (not assumed): the untreated detailed model's nuclear RanGTP-loaded
    share of drug-free CRM1, to 0.5%."""
    phi_n = dict((p.name, p) for p in transport_parameters())["phi_n"]
    assert phi_n.kind == "derived"
    untreated = detailed[detailed["f_inact"] == 0.0].iloc[0]
    assert_close(phi_n.value, untreated["phi_n_detailed"], rtol=0.005, what="phi_n")


def test_reduced_law_agrees_with_detailed_model_to_95_percent(table):
    """The agreement the issue asks for, with the stored k_tr/phi_n and affinities:
    every compared cargo within 0.025 (absolute nuclear fraction) for f_inact <= 0.95
    (measured 0.022)."""
    part = table[table["f_inact"] <= 0.95]
    worst = part.loc[part["difference"].abs().idxmax()]
    assert abs(worst["difference"]) <= TOL_TO_95, worst.to_dict()


def test_reduced_law_at_99_percent(table):
    """At 99% inactivation the tumour suppressors and oncoRNA still agree to 0.005; IkBa,
    NF-kB and the NES pool differ by up to 0.1 (the reduced law underestimates how much
    the pool floods the nucleus): a known limit, documented in docs/transport.md."""
    last = table[table["f_inact"] == 0.99].set_index("cargo")["difference"].abs()
    for cargo, diff in last.items():
        tol = TOL_99_NFKB_POOL if cargo in NFKB_POOL else TOL_99_SUPPRESSORS
        assert diff <= tol, (cargo, diff)


def test_export_block_localises_tumour_suppressors(detailed):
    """Leptomycin B makes p53 almost entirely nuclear (Freedman & Levine, Mol Cell Biol
    1998): in the detailed model the p53 nuclear fraction rises monotonically with the
    inactivated share and exceeds 0.9 at 99%."""
    p53 = detailed["p53_nuclear_fraction"].to_numpy()
    assert np.all(np.diff(p53) > 0)
    assert p53[-1] > 0.9


def test_bad_inactivation_share_is_refused(models):
    with pytest.raises(InputError, match="f_inact"):
        detailed_fractions([1.0], models=models)
    with pytest.raises(InputError, match="f_inact"):
        reduced_fractions([], models=models)


@pytest.mark.slow
def test_detailed_module_passes_the_conformance_suite():
    """Units, SBML round trip through a fresh libRoadRunner, SciPy reading of the same
    equations, non-negativity and every declared conservation law."""
    report = check_module(ran_cycle_module(), times=np.linspace(0.0, 2.0, 9))
    assert report.sbml_roundtrip_max_rel < 1e-5


def test_grid_is_the_issue_grid():
    assert F_INACT_GRID == (0.0, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99)
