"""Virtual populations: per-subject reproducibility and the label's variability.

Sources: XPOVIO US label §12.3 (80 mg: Cmax 680 ± 124 ng/mL -> CV 18.2%, AUCinf 5386 ±
1116 ng·h/mL -> CV 20.7%). Reproducibility rule: COMMON brief / DESIGN.md (per-subject
streams from (seed, subject id)).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from xposim.engine import Simulator
from xposim.errors import InputError
from xposim.pharmacology.bsa import mosteller_bsa
from xposim.pharmacology.dose import Dose
from xposim.pharmacology.pk.population import (
    CovariateDistribution,
    Covariates,
    make_subject,
    simulate_population,
)
from xposim.pharmacology.pk.selinexor import selinexor_pk
from xposim.pharmacology.regimen import parse_regimen
from xposim.testing import assert_close, assert_in_range

LABEL = "XPOVIO US label §12.3"
GRID = (0.0, 0.5, 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10, 12, 16, 24, 36, 48, 72)


@pytest.fixture(scope="module")
def pk():
    return selinexor_pk()


@pytest.fixture(scope="module")
def sim(pk):
    return Simulator(pk.model)


def test_same_seed_same_subject_whatever_the_subset_or_order(pk, sim):
    dose = [Dose("selinexor", 80.0)]
    full = simulate_population(pk, dose, n=12, seed=7, times_h=GRID, simulator=sim)
    part = simulate_population(pk, dose, subjects=[11, 3, 5], seed=7, times_h=GRID,
                               simulator=sim)
    for sid in (3, 5, 11):
        a = full.frame[full.frame.subject == sid].reset_index(drop=True)
        b = part.frame[part.frame.subject == sid].reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(
        full.subjects.set_index("subject").loc[[11, 3, 5]],
        part.subjects.set_index("subject").loc[[11, 3, 5]])
    other = simulate_population(pk, dose, subjects=[3], seed=8, times_h=GRID, simulator=sim)
    assert not np.allclose(other.frame.value, part.frame[part.frame.subject == 3].value)


def test_chunking_gives_identical_results(pk, sim):
    dose = [Dose("selinexor", 80.0)]
    whole = simulate_population(pk, dose, n=8, seed=3, times_h=GRID, simulator=sim)
    chunks = pd.concat([simulate_population(pk, dose, subjects=range(k, k + 4), seed=3,
                                            times_h=GRID, simulator=sim).frame
                        for k in (4, 0)])
    chunks = chunks.sort_values(["subject", "variable", "time_h"]).reset_index(drop=True)
    ref = whole.frame.sort_values(["subject", "variable", "time_h"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(chunks, ref)


def test_tidy_frame_columns_units_and_residual_error(pk, sim):
    res = simulate_population(pk, [Dose("selinexor", 80.0)], n=3, seed=1, times_h=GRID,
                              simulator=sim)
    assert list(res.frame.columns) == ["subject", "time_h", "variable", "value", "unit"]
    units = res.frame.groupby("variable").unit.first().to_dict()
    assert units["Cp_selinexor_ng_ml"] == "ng/mL"
    assert units["Cu_selinexor_nM"] == "nM"
    assert units["Cobs_selinexor_ng_ml"] == "ng/mL"
    ipred = res.profiles("Cp_selinexor_ng_ml")
    obs = res.profiles("Cobs_selinexor_ng_ml")
    assert (obs.values >= 0).all()
    rel = (obs.values[1:] - ipred.values[1:]) / np.maximum(ipred.values[1:], 1.0)
    assert 0.05 < np.std(rel) < 0.4  # proportional 15% + additive 1 ng/mL


def test_given_covariates_are_used_and_etas_do_not_depend_on_them(pk):
    a = make_subject(pk, 4, seed=9)
    b = make_subject(pk, 4, seed=9, covariates={"weight_kg": 55.0, "sex": "F"})
    assert b.covariates.weight_kg == 55.0 and b.covariates.sex == "F"
    assert b.covariates.height_cm == a.covariates.height_cm
    assert a.etas == b.etas


def test_population_variability_matches_the_label_sd(pk, sim):
    # 400 subjects, seed 2024: CV within ±4 percentage points of the label's 20.7% (AUC)
    # and 18.2% (Cmax); with n = 400 the sampling SE of a CV is ~0.7 points.
    res = simulate_population(pk, [Dose("selinexor", 80.0)], n=400, seed=2024, times_h=GRID,
                              residual_error=False, simulator=sim)
    table = res.nca()
    auc, cmax = table.auc_inf_ng_h_ml, table.cmax_ng_ml
    assert_close(auc.std() / auc.mean(), 1116 / 5386, atol=0.04, what="CV of AUCinf",
                 source=LABEL)
    assert_close(cmax.std() / cmax.mean(), 124 / 680, atol=0.04, what="CV of Cmax",
                 source=LABEL)
    # population means within one label SD of the label means
    assert_in_range(auc.mean(), 5386 - 1116, 5386 + 1116, what="mean AUCinf", source=LABEL)
    assert_in_range(cmax.mean(), 680 - 124, 680 + 124, what="mean Cmax", source=LABEL)


def test_mg_per_m2_doses_scale_with_bsa(pk, sim):
    cov = Covariates(80.0, "M", 180.0)
    res = simulate_population(pk, [Dose("selinexor", 45.0, "mg/m2", "PO")], n=1, seed=0,
                              covariates=cov, times_h=GRID, variability=False, simulator=sim)
    # Mosteller: sqrt(180 * 80 / 3600) = 2.0 m² -> 90 mg
    assert mosteller_bsa(80.0, 180.0) == pytest.approx(2.0)
    assert res.subjects.first_dose_mg[0] == pytest.approx(90.0)


@pytest.mark.parametrize("kwargs, message", [
    ({"n": 0}, "n: must be an integer >= 1"),
    ({"n": 2, "seed": -1}, "seed: must be an integer >= 0"),
    ({"subjects": [-3]}, "subject: ids must be integers >= 0"),
    ({"n": 2, "subjects": [1]}, "give either n"),
    ({"n": 1, "covariates": {"weight_kg": 10.0}}, "weight: must be between 30 and 250 kg"),
    ({"n": 1, "covariates": {"sex": "X"}}, "sex: must be M or F"),
    ({"n": 1, "covariates": {"age": 40}}, "covariates: known covariates"),
])
def test_bad_population_requests_name_the_field(pk, kwargs, message):
    with pytest.raises(InputError, match=message):
        simulate_population(pk, [Dose("selinexor", 80.0)], times_h=GRID, **kwargs)


def test_bad_doses_name_the_field(pk):
    with pytest.raises(InputError, match=r"dose: must be > 0 mg"):
        Dose("selinexor", -80.0)
    with pytest.raises(InputError, match="route: selinexor can be given PO"):
        simulate_population(pk, [Dose("selinexor", 80.0, route="IV")], n=1, times_h=GRID)
    with pytest.raises(InputError, match="female_fraction"):
        CovariateDistribution(female_fraction=1.5)
    with pytest.raises(InputError, match="doses: a dexamethasone dose given to the "
                       "selinexor model"):
        simulate_population(pk, [Dose("dex", 20.0)], n=1, times_h=GRID)
    with pytest.raises(InputError, match=r"dose\.rate: infusions are not simulated"):
        simulate_population(pk, [Dose("selinexor", 80.0, rate=80.0)], n=1, times_h=GRID)


def test_doses_repeated_dose_and_regimen_give_the_same_subjects(pk, sim):
    # the same 80 mg at 0 and 48 h written three ways: identical results (same streams)
    grid = (0.0, 1.0, 2.0, 4.0, 8.0, 24.0, 48.0, 60.0)
    kw = {"n": 2, "seed": 5, "times_h": grid, "simulator": sim}
    a = simulate_population(pk, [Dose("selinexor", 80.0), Dose("selinexor", 80.0,
                                                               time_h=48.0)], **kw)
    b = simulate_population(pk, [Dose("selinexor", 80.0, ii_h=48.0, addl=1)], **kw)
    # an open-ended regimen is cut at the end of the grid (60 h): days 1 and 3
    c = simulate_population(pk, parse_regimen("selinexor 80 mg PO days 1,3 weekly + dex "
                                              "20 mg PO once"), **kw)
    pd.testing.assert_frame_equal(a.frame, b.frame)
    pd.testing.assert_frame_equal(a.frame, c.frame)
    assert [d.time_h for d in c.doses] == [0.0, 48.0]


def test_lag_and_bioavailability_shift_and_scale_the_profile(pk, sim):
    # linear PK: F = 0.5 halves the concentrations; a 2 h lag delays the profile by 2 h
    grid = np.arange(0.0, 48.0, 0.5)
    kw = {"subjects": [0], "times_h": grid, "simulator": sim, "variability": False,
          "residual_error": False}
    ref = simulate_population(pk, [Dose("selinexor", 80.0)], **kw).profiles().iloc[:, 0]
    half = simulate_population(pk, [Dose("selinexor", 80.0, f=0.5)], **kw).profiles()
    lag = simulate_population(pk, [Dose("selinexor", 80.0, lag_h=2.0)], **kw).profiles()
    np.testing.assert_allclose(half.iloc[:, 0].to_numpy(), 0.5 * ref.to_numpy(), rtol=1e-6,
                               atol=1e-9)
    np.testing.assert_allclose(lag.iloc[4:, 0].to_numpy(), ref.iloc[:-4].to_numpy(),
                               rtol=1e-5, atol=1e-6)


# --- closed form, chunks and streaming (scale) ------------------------------------------

@pytest.mark.parametrize(("drug", "regimen"), [
    ("selinexor", "selinexor 80 mg PO days 1,3 weekly x 2 weeks"),
    ("dexamethasone", "dex 20 mg PO days 1,3 weekly x 2 weeks"),
])
def test_closed_form_equals_the_engine(drug, regimen):
    # a linear model runs as e^{K·h} per subject (exact); the engine integrates the same
    # equations with CVODE (rtol 1e-8): they agree to 1e-6 of the peak
    from xposim.pharmacology.pk import pk_model

    pk = pk_model(drug)
    grid = np.arange(0.0, 400.0, 0.5)
    kw = {"n": 6, "seed": 4, "times_h": grid}
    a = simulate_population(pk, parse_regimen(regimen), method="closed-form", **kw)
    b = simulate_population(pk, parse_regimen(regimen), method="engine", **kw)
    for var in a.values:
        x, y = a.values[var], b.values[var]
        np.testing.assert_allclose(x, y, rtol=0, atol=1e-6 * np.max(np.abs(y)), err_msg=var)
    pd.testing.assert_frame_equal(a.subjects, b.subjects)


def test_a_nonlinear_model_has_no_closed_form():
    from xposim.pharmacology.pk import pk_model

    btz = pk_model("bortezomib")
    doses = [Dose("bortezomib", 1.3, "mg/m2", "SC")]
    with pytest.raises(InputError, match=r"method: model .* has no closed form"):
        simulate_population(btz, doses, n=1, times_h=GRID, method="closed-form")
    # auto: the engine
    auto = simulate_population(btz, doses, n=1, times_h=GRID)
    eng = simulate_population(btz, doses, n=1, times_h=GRID, method="engine")
    pd.testing.assert_frame_equal(auto.frame, eng.frame)


def test_chunks_are_the_whole_population_and_extra_times_the_same_subjects(pk):
    from xposim.pharmacology.pk.population import iter_population, population_chunks

    doses = [Dose("selinexor", 80.0, ii_h=48.0, addl=3)]
    whole = simulate_population(pk, doses, n=7, seed=2, times_h=GRID)
    parts = list(iter_population(pk, doses, n=7, seed=2, times_h=GRID, chunk_subjects=3))
    assert [len(p.subject_ids) for p in parts] == [3, 3, 1]
    for var in whole.values:
        np.testing.assert_array_equal(np.concatenate([p.values[var] for p in parts]),
                                      whole.values[var])
    fine = np.arange(0.0, 48.0, 0.25)
    (coarse, at_fine), = population_chunks(pk, doses, n=7, seed=2, times_h=GRID,
                                           extra_times=fine)
    direct = simulate_population(pk, doses, n=7, seed=2, times_h=fine, residual_error=False)
    np.testing.assert_allclose(at_fine.values[at_fine.concentration_variable],
                               direct.values[direct.concentration_variable], rtol=1e-12)
    # the extra times only add steps to the propagation (same residual draws)
    np.testing.assert_allclose(coarse.values["Cobs_selinexor_ng_ml"],
                               whole.values["Cobs_selinexor_ng_ml"], rtol=1e-12)


def test_nonmem_records_per_subject(pk):
    res = simulate_population(pk, [Dose("selinexor", 45.0, "mg/m2", ii_h=48.0, addl=1)],
                              n=3, seed=1, times_h=(0.0, 24.0, 48.0, 60.0))
    nm = res.to_nonmem()
    assert list(nm.columns) == ["ID", "TIME", "AMT", "EVID", "CMT", "RATE", "II", "ADDL",
                                "SS", "DV", "MDV", "WT", "SEX", "HT"]
    one = nm[nm.ID == 1]
    # dose records before the observation at the same time; mg/m2 x the subject's BSA
    assert one.TIME.tolist() == [0.0, 0.0, 24.0, 48.0, 48.0, 60.0]
    assert one.EVID.tolist() == [1, 0, 0, 1, 0, 0]
    bsa = res.subjects.bsa_m2[1]
    np.testing.assert_allclose(one.AMT[one.EVID == 1], [45 * bsa] * 2)
    np.testing.assert_array_equal(one.DV[one.EVID == 0],
                                  res.values["Cobs_selinexor_ng_ml"][1])


def test_a_large_population_keeps_only_what_the_plot_needs(monkeypatch, tmp_path):
    # past KEEP_VALUES the population is not kept whole: the NCA summary is unchanged,
    # the plot's copy is thinned, and writing it later asks for the streamed path
    from xposim.pharmacology.pk import pkrun

    regimen = "selinexor 80 mg PO days 1,3 weekly x 2 weeks"
    whole = pkrun.run_pk(regimen, n=6, seed=2)
    monkeypatch.setattr(pkrun, "KEEP_VALUES", 10)
    monkeypatch.setattr(pkrun, "PLOT_VALUES", 6 * 100)
    small = pkrun.run_pk(regimen, n=6, seed=2)
    assert small.summary() == whole.summary()
    pop = small.drugs[0].population
    assert pop.thinned and set(pop.values) == {"Cp_selinexor_ng_ml"}
    assert len(pop.times_h) <= 100
    with pytest.raises(InputError, match="too large to keep in memory"):
        small.write(tmp_path)
