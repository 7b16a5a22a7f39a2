"""4-parameter Hill fit: exact recovery, a published fit (drc ryegrass), CI coverage, errors.

References: the 4PL (log-logistic) model of R drc ``LL.4`` (Ritz, Baty, Streibig & Gerhard,
PLoS ONE 2015, 10:e0146021) and GraphPad Prism's "log(inhibitor) vs. response -- variable
slope"; relative vs absolute IC50 as defined by Sebaugh (Pharm. Stat. 2011, 10:128).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from xposim.analysis.doseresponse import HillFit, fit_hill, hill_curve
from xposim.errors import InputError

CONC = np.array([0.0, 1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1000.0, 3000.0])


@pytest.mark.parametrize("kind", ["viability", "inhibition"])
def test_exact_hill_data_recovers_parameters_to_1e6(kind):
    # Noise-free data from the model itself: least squares has SSE = 0 at the truth, so
    # every parameter must come back to 1e-6 relative and the CI collapse onto it.
    truth = dict(ic50_nM=42.0, hill=1.3, bottom=0.1, top=0.95)
    y = hill_curve(CONC, kind=kind, **truth)
    fit = fit_hill(CONC, y, kind=kind)
    assert fit.ok, fit.status
    for name, value in (("ic50_nM", 42.0), ("hill", 1.3), ("bottom", 0.1), ("top", 0.95)):
        assert getattr(fit, name) == pytest.approx(value, rel=1e-6), name
    assert fit.residual_se < 1e-9
    assert fit.ic50_ci95_nM[0] == pytest.approx(42.0, rel=1e-6)
    assert fit.ic50_ci95_nM[1] == pytest.approx(42.0, rel=1e-6)
    assert (fit.n, fit.n_params) == (CONC.size, 4)


def test_fixed_plateaus_fit_two_parameters():
    y = hill_curve(CONC, ic50_nM=250.0, hill=0.8)  # bottom 0, top 1
    fit = fit_hill(CONC, y, bottom=0.0, top=1.0)
    assert fit.n_params == 2
    assert (fit.bottom, fit.top) == (0.0, 1.0)
    assert fit.ic50_nM == pytest.approx(250.0, rel=1e-6)
    assert fit.hill == pytest.approx(0.8, rel=1e-6)


def test_relative_and_absolute_ic50_by_hand():
    # Viability plateaus 0.2 -> 1.0, IC50 (relative, midpoint 0.6) = 100 nM, h = 1.
    # Absolute IC50: 0.5 = 0.2 + 0.8/(1 + c/100) -> 1 + c/100 = 0.8/0.3 -> c = 166.667 nM.
    fit = fit_hill(CONC, hill_curve(CONC, ic50_nM=100.0, hill=1.0, bottom=0.2, top=1.0))
    assert fit.relative_ic50_nM == pytest.approx(100.0, rel=1e-6)
    assert fit.absolute_ic50_nM == pytest.approx(100.0 * (0.8 / 0.3 - 1.0), rel=1e-6)
    # predict/inverse are inverse functions; 0.6 is the midpoint
    assert fit.inverse(0.6) == pytest.approx(100.0, rel=1e-6)
    assert float(fit.predict(fit.inverse(0.35))) == pytest.approx(0.35, abs=1e-12)
    # bottom 0.55 > 0.5: the absolute IC50 does not exist
    fit2 = fit_hill(CONC, hill_curve(CONC, ic50_nM=100.0, hill=1.0, bottom=0.55, top=1.0))
    assert fit2.absolute_ic50_nM is None
    with pytest.raises(InputError, match="response"):
        fit2.inverse(0.5)


def test_zero_concentration_is_the_control_plateau():
    fit = fit_hill(CONC, hill_curve(CONC, ic50_nM=42.0, hill=2.0, bottom=0.1, top=0.9))
    assert float(fit.predict(0.0)) == pytest.approx(0.9, abs=1e-9)  # top, no log(0)
    assert np.all(np.isfinite(fit.predict(CONC)))


def test_published_fit_ryegrass_drc_ll4():
    # Inderjit, Streibig & Olofsdotter, Physiol. Plant. 2002, 114:422 (ferulic acid, mM,
    # vs ryegrass root length, cm), the `ryegrass` data of R drc (data as printed in the
    # drc reference manual). drc::drm(rootl ~ conc, fct = LL.4()) gives b = 2.98221907,
    # c = 0.481413188, d = 7.79295829, e = 3.05795497, logLik = -16.1551432 (drc's own
    # regression test, tests/testthat/test-bmd.R). Measured agreement 7e-6 relative;
    # tolerance 1e-4: drc stops its optimiser on the objective, not the parameters.
    rootl = [7.58, 8.0, 8.3285714, 7.25, 7.375, 7.9625, 8.3555556, 6.9142857, 7.75,
             6.8714286, 6.45, 5.9222222, 1.925, 2.8857143, 4.2333333, 1.1875, 0.8571429,
             1.0571429, 0.6875, 0.525, 0.825, 0.25, 0.22, 0.44]
    conc = [0.0] * 6 + [0.94] * 3 + [1.88] * 3 + [3.75] * 3 + [7.5] * 3 + [15.0] * 3 + [30.0] * 3
    fit = fit_hill(conc, rootl)
    assert fit.hill == pytest.approx(2.98221907127508, rel=1e-4)
    assert fit.bottom == pytest.approx(0.481413188446126, rel=1e-4)
    assert fit.top == pytest.approx(7.7929582936999, rel=1e-4)
    assert fit.ic50_nM == pytest.approx(3.0579549665481, rel=1e-4)
    sse = fit.residual_se ** 2 * (fit.n - fit.n_params)
    loglik = -fit.n / 2 * (math.log(2 * math.pi * sse / fit.n) + 1)  # Gaussian ML
    assert loglik == pytest.approx(-16.1551432181693, abs=1e-5)


def test_ci_covers_the_truth_in_at_least_90_of_100_noisy_replicates():
    # 9 concentrations x 3 wells, Gaussian noise SD 0.05 on viability; a 95% Wald
    # interval should cover log10 IC50 in ~95 of 100 replicates (binomial 2.5th
    # percentile at p = 0.95, n = 100 is 91), so >= 90 is the stated acceptance.
    conc = np.repeat(CONC, 3)
    truth = hill_curve(conc, ic50_nM=42.0, hill=1.3, bottom=0.05, top=1.0)
    covered = 0
    for seed in range(100):
        rng = np.random.default_rng(seed)
        fit = fit_hill(conc, truth + rng.normal(0.0, 0.05, conc.size))
        lo, hi = fit.ic50_ci95_nM
        covered += lo <= 42.0 <= hi
    assert covered >= 90


def test_flat_data_is_an_input_error_not_nan():
    with pytest.raises(InputError, match="flat"):
        fit_hill(CONC, np.full(CONC.size, 0.8))


def test_wrong_direction_names_kind():
    y = hill_curve(CONC, ic50_nM=42.0, hill=1.0, kind="inhibition")
    with pytest.raises(InputError, match="kind='inhibition'") as exc:
        fit_hill(CONC, y, kind="viability")
    assert exc.value.field == "kind"


@pytest.mark.parametrize(("conc", "resp", "field"), [
    ([0, 1, 2], [1, 0.5, 0.2], "conc_nM"),          # < 3 distinct positive concentrations
    ([0, 1, 2, -3], [1, 0.5, 0.2, 0.1], "conc_nM"),  # negative
    ([0, 1, 2, 3, 4], [1, 0.5, float("nan"), 0.1, 0], "response"),
    ([0, 1, 2, 3], [1, 0.5, 0.2], "response"),      # length mismatch
    ([1, 2, 3, 4], [1, 0.6, 0.3, 0.1], "response"),  # 4 points for 4 parameters
])
def test_bad_inputs_name_the_field(conc, resp, field):
    with pytest.raises(InputError) as exc:
        fit_hill(conc, resp)
    assert exc.value.field == field


def test_bad_kind_and_plateaus():
    with pytest.raises(InputError, match="kind"):
        fit_hill(CONC, hill_curve(CONC, ic50_nM=42.0, hill=1.0), kind="growth")
    with pytest.raises(InputError, match="bottom"):
        fit_hill(CONC, hill_curve(CONC, ic50_nM=42.0, hill=1.0), bottom=1.0, top=0.0)


def test_ic50_beyond_the_tested_range_is_flagged():
    # Only the top of the curve is sampled: IC50 (1e4 nM) is 10x above the highest dose.
    conc = np.array([0.0, 1.0, 10.0, 100.0, 1000.0])
    fit = fit_hill(conc, hill_curve(conc, ic50_nM=1e4, hill=1.0), bottom=0.0, top=1.0)
    assert not fit.ok
    assert "extrapolated" in fit.status
    assert isinstance(fit, HillFit)
    assert fit.ic50_nM == pytest.approx(1e4, rel=1e-6)


def test_confidence_band_at_ic50_by_the_delta_method():
    # With bottom 0 and top 1 fixed, at c = IC50 the curve's slope in h vanishes (ln(c/IC50)
    # = 0) and dy/dlog10 IC50 = h ln10 / 4, so the band half-width is t * SE(log10 IC50) *
    # h ln10 / 4 exactly; the band always contains the fitted curve.
    conc = np.repeat(CONC, 3)
    rng = np.random.default_rng(7)
    y = hill_curve(conc, ic50_nM=42.0, hill=1.3) + rng.normal(0.0, 0.05, conc.size)
    fit = fit_hill(conc, y, bottom=0.0, top=1.0)
    assert fit.free_params == ("log10_ic50", "hill")
    lo, hi = fit.predict_band(fit.ic50_nM)
    tq = stats.t.ppf(0.975, fit.n - 2)
    half = tq * fit.log10_ic50_se * fit.hill * math.log(10) / 4
    assert (hi[0] - lo[0]) / 2 == pytest.approx(half, rel=1e-9)
    lo, hi = fit.predict_band(CONC)
    mid = fit.predict(CONC)
    assert np.all(lo <= mid) and np.all(mid <= hi)


def test_undetermined_ic50_reports_no_ci_instead_of_overflowing():
    # A nearly linear rise over 1-100 nM (true IC50 30 uM, far above the tested range):
    # log10 IC50 is not determined by the data, and 10**(log IC50 ± t SE) must neither
    # overflow nor come back as NaN: the CI is None and the status says why (this plate
    # shape was found by Hypothesis, tests/properties/test_synergy_laws.py).
    c = np.array([0.0, 1.0, 3.0, 10.0, 30.0, 100.0])
    y = hill_curve(c, ic50_nM=3e4, hill=1.0, top=1.3, kind="inhibition")
    y = y + np.array([0.0, 0.004, -0.003, 0.002, -0.002, 0.001])
    fit = fit_hill(c, y, kind="inhibition", bottom=0.0)
    assert fit.ic50_ci95_nM is None
    assert "no CI" in fit.status and not fit.ok
    assert math.isfinite(fit.ic50_nM) and math.isfinite(fit.top)
