"""The quasi-steady-state clinical reduction of the tumour cell against the detailed cell.

Kind: agreement of a derived reduction with the model it was derived from (a law of
the construction), on exposures *other* than the one its lag constants were fitted to
(80 mg twice weekly, selinexor alone). Stated tolerances (docs/patient.md, "The reduced
tumour cell"): the death drive's area under the curve within 8%, its peak within 10%,
nuclear p53 within 3% of its range on average.
"""

from __future__ import annotations

import numpy as np
import pytest

from xposim.engine import Bolus, Simulator
from xposim.model.module import compose
from xposim.patient.coupling import detailed_tumour_cell
from xposim.patient.reduction import (
    BLOCK_MODULES,
    derive_reduction,
    reduced_tumour_cell,
    untreated_state,
)
from xposim.pharmacology.pk import pk_model

DAY = 24.0
SIGNALS = ("death_drive", "p53_n", "FOXO3a_n", "arrest_fraction", "growth_factor")


@pytest.fixture(scope="module")
def red():
    return derive_reduction("myeloma")


def test_the_block_and_its_inputs_are_found_from_the_cell_modules(red):
    """The block is what the export core and eIF4E modules define; its slow input (free
    XPO1) and the outputs the rest of the cell reads (nuclear tumour suppressors, the
    export capacity the NF-kB core's IkBa/NF-kB export uses, oncoprotein and survival
    translation) are found from dependencies, not listed by hand. (Since the Lipniacki
    NF-kB core, NF-kB is outside the block, so the proteasome is no slow input.)"""
    assert BLOCK_MODULES == ("xpo1_export", "eif4e")
    assert red.inputs == ("XPO1_free",)
    assert set(red.outputs) == {"p53_n", "p21_n", "FOXO3a_n", "XPO1_eff",
                                "oncoprotein_translation", "survival_translation"}
    assert red.untreated["XPO1_free"] == "XPO1_total0"
    assert all(len(red.factors[o]) == 1 for o in red.outputs)
    # the smooth representation reproduces the steady states on the grid
    assert max(red.table_error.values()) < 0.015


def test_quasi_steady_tables_are_the_detailed_block_at_steady_state(red):
    """Off the grid, the represented quasi-steady state equals a fresh steady state of
    the detailed cell at that free XPO1 (within 1.5% of the output's range)."""
    cell = detailed_tumour_cell("myeloma")
    from xposim.patient._moduletools import prune

    block = prune(cell, red.outputs, cut=red.inputs, name="check_block")
    s = Simulator(compose(block, name="check_block"), rtol=1e-10, atol=1e-12)
    for x in (7.0, 150.0, 2300.0):  # between grid points
        state = untreated_state(s, {"XPO1_free": x})
        got = s.run([0.0], initial=state, parameters={"XPO1_free": x},
                    outputs=list(red.outputs)).values[0]
        for o, value in zip(red.outputs, got, strict=True):
            span = float(np.ptp(red.tables[o][-1]))
            assert abs(float(red.quasi_steady(o, x, 1.0)) - value) < 0.015 * span, o


def _exposure(cell, mg: float, days: tuple[int, ...], weeks: int, dex: bool = False
              ) -> dict[str, np.ndarray]:
    pks = [pk_model("selinexor")] + ([pk_model("dexamethasone")] if dex else [])
    model = compose(*(p.module for p in pks), cell, name="reduction_check")
    s = Simulator(model, rtol=1e-8, atol=1e-10)
    state = untreated_state(s)
    t = np.arange(0.0, weeks * 7 * DAY + 0.01, 0.25)
    ev = [Bolus(DAY * (7 * w + d), "sel_depot", mg) for w in range(weeks) for d in days]
    if dex:
        ev += [Bolus(DAY * (7 * w + d), "dex_gut", 20.0) for w in range(weeks) for d in days]
    res = s.run(t, initial=state, events=ev, outputs=list(SIGNALS))
    return {n: np.asarray(res[n]) for n in SIGNALS}


@pytest.mark.parametrize("mg,days,dex", [(40.0, (0, 2), False), (100.0, (0,), False),
                                         (80.0, (0, 2), True)],
                         ids=["40mg-biw", "100mg-qw", "80mg-biw+dex"])
@pytest.mark.parametrize("nfkb_core", [False, True], ids=["nfkb-detailed", "nfkb-reduced"])
def test_reduced_cell_agrees_with_the_detailed_cell_under_pk(mg, days, dex, nfkb_core):
    """Selinexor PK driving the detailed and the reduced tumour cell for 2 weeks: the
    death drive (what the coupling reads) agrees in AUC (8%) and peak (10%), nuclear p53
    on average within 3% of its range (measured: AUC +2 to +5%, peak
    -3 to +2%, p53 0.4-0.9%), with the NF-kB core detailed (models with bortezomib) or
    in the reduced block (models without). The division loss the coupling reads (1 -
    growth_factor) agrees to the same tolerances (measured: AUC +0.7 to +2.5%, peak -4.7
    to -7.6%)."""
    det = _exposure(detailed_tumour_cell("myeloma"), mg, days, 2, dex)
    rd = _exposure(reduced_tumour_cell("myeloma", nfkb_core), mg, days, 2, dex)
    d, r = det["death_drive"], rd["death_drive"]
    assert r.sum() == pytest.approx(d.sum(), rel=0.08)
    assert r.max() == pytest.approx(d.max(), rel=0.10)
    span = np.ptp(det["p53_n"])
    assert np.mean(np.abs(rd["p53_n"] - det["p53_n"])) < 0.03 * span
    loss_d, loss_r = 1 - det["growth_factor"], 1 - rd["growth_factor"]
    assert loss_r.sum() == pytest.approx(loss_d.sum(), rel=0.08)
    assert loss_r.max() == pytest.approx(loss_d.max(), rel=0.10)


def test_reduced_patient_starts_at_its_own_untreated_state(red):
    """The reduced block's initial state is computed per patient (no steady-state solve):
    for tumour XPO1 of 0.3 and 2.7 uM it is exactly the quasi-steady state of that cell."""
    from xposim.patient.model import patient_model

    pm = patient_model("myeloma", ("selinexor",))
    for xpo1 in (300.0, 2700.0):
        values = pm.model.constant_values()
        values["XPO1_total0"] = xpo1
        init = red.initial_state(values)
        assert init["qss_p53_n_fast"] == pytest.approx(float(red.quasi_steady("p53_n", xpo1)))
        # every output exactly its quasi_steady value at the untreated inputs (the basis
        # is computed once for all of them)
        ins = red.untreated_inputs(values)
        x = ins[red.inputs[0]]
        y = ins[red.inputs[1]] if len(red.inputs) == 2 else 1.0
        for o in red.outputs:
            assert init[f"qss_{o}_fast"] == float(red.quasi_steady(o, x, y))
    assert red.initial_state({**pm.model.constant_values(), "XPO1_total0": 300.0})[
        "qss_p53_n_fast"] > red.initial_state({**pm.model.constant_values(),
                                               "XPO1_total0": 2700.0})["qss_p53_n_fast"]


def test_the_reduced_patient_agrees_with_the_detailed_patient():
    """The whole patient (Xd label regimen with its rules, 12 weeks) with the reduced and
    the detailed tumour cell: the same dose decisions and platelets (the marrow is the same
    model), M-protein at week 12 within 3% and the best change within 2 percentage points
    (measured with the division route: 1.1%, 0.5 points), for the preset's XPO1 and a
    3-fold higher one."""
    from xposim.patient import ClinicalPatientSimulator, default_arm, typical_patient

    arm = default_arm("label:selinexor-dex", "myeloma", 12)
    reduced, detailed = ClinicalPatientSimulator(), ClinicalPatientSimulator(cell="detailed")
    for xpo1 in (900.0, 2700.0):
        pt = typical_patient(parameters={"XPO1_total0": xpo1})
        r, d = (s.simulate(pt, arm, seed=1) for s in (reduced, detailed))
        assert r.summary.dose_reductions == d.summary.dose_reductions
        assert r.summary.platelet_nadir_1e9_per_l == pytest.approx(
            d.summary.platelet_nadir_1e9_per_l, rel=1e-3)
        assert abs(r.summary.best_change - d.summary.best_change) < 0.02
        tr, td = r.time_course, d.time_course
        mr = tr[(tr["variable"] == "m_protein_g_dl") & (tr["day"] == 84.0)]["value"].iloc[0]
        md = td[(td["variable"] == "m_protein_g_dl") & (td["day"] == 84.0)]["value"].iloc[0]
        assert mr == pytest.approx(md, rel=0.03)
