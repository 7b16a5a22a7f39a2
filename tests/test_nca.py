"""NCA against hand-computed references (arithmetic written out in each test).

Rules checked: linear-up/log-down AUC, λz by best adjusted R² on >= 3 points after Tmax
with the PKNCA tolerance (adj.r.squared.factor = 1e-4, prefer more points), AUCinf from
observed Clast, CL/F = dose/AUCinf, Vz/F = CL/F/λz (PKNCA documentation; Gabrielsson &
Weiner, Pharmacokinetic and Pharmacodynamic Data Analysis, 5th ed., ch. 2).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from xposim.analysis.nca import auc_between, auc_linear_up_log_down, nca, select_lambda_z
from xposim.errors import InputError

# t (h) and C (ng/mL): absorption to 1 h, then a clean exponential with t1/2 = 2 h
T = [0.0, 1.0, 2.0, 4.0, 8.0]
C = [0.0, 100.0, 80.0, 40.0, 10.0]


def test_auc_last_linear_up_log_down_by_hand():
    # 0-1 h rising, linear: (0 + 100)/2 * 1                         = 50
    # 1-2 h falling, log:   (100 - 80) * 1 / ln(100/80) = 20/0.223144 = 89.6284
    # 2-4 h falling, log:   (80 - 40) * 2 / ln 2       = 80/0.693147 = 115.4156
    # 4-8 h falling, log:   (40 - 10) * 4 / ln 4       = 120/1.386294 = 86.5617
    expected = 50 + 20 / math.log(1.25) + 80 / math.log(2) + 120 / math.log(4)
    assert expected == pytest.approx(341.6058, abs=1e-3)
    res = nca(T, C, dose_mg=1.0)
    assert res.auc_last_ng_h_ml == pytest.approx(expected, rel=1e-12)
    assert (res.cmax_ng_ml, res.tmax_h, res.clast_ng_ml, res.tlast_h) == (100, 1, 10, 8)


def test_lambda_z_half_life_auc_inf_cl_vz_by_hand():
    # Terminal points after Tmax: (2, 80), (4, 40), (8, 10): ln C falls by ln 2 every 2 h,
    # so λz = ln2 / 2 = 0.346574 /h exactly, t1/2 = 2 h, adjusted R² = 1.
    lam = math.log(2) / 2
    auc_last = 50 + 20 / math.log(1.25) + 80 / math.log(2) + 120 / math.log(4)
    auc_inf = auc_last + 10 / lam  # 341.6058 + 28.8539 = 370.4597 ng·h/mL
    res = nca(T, C, dose_mg=1.0)
    assert res.lambda_z_per_h == pytest.approx(lam, rel=1e-10)
    assert res.lambda_z_points == 3
    assert res.half_life_h == pytest.approx(2.0, rel=1e-10)
    assert res.auc_inf_ng_h_ml == pytest.approx(auc_inf, rel=1e-12)
    assert res.auc_pct_extrap == pytest.approx(100 * (10 / lam) / auc_inf, rel=1e-10)
    # CL/F = 1 mg = 1000 ug over 370.46 ug·h/L = 2.6993 L/h; Vz/F = 2.6993/0.34657 = 7.789 L
    assert res.cl_f_l_h == pytest.approx(1000 / auc_inf, rel=1e-12)
    assert res.cl_f_l_h == pytest.approx(2.6993, abs=1e-4)
    assert res.vz_f_l == pytest.approx(1000 / auc_inf / lam, rel=1e-12)


def test_iv_bolus_back_extrapolation_mrt_and_vss_are_exact_for_one_exponential():
    # C = 200 exp(-k t), k = ln 2 (t1/2 1 h), dose 2 mg -> V = 2000 ug / 200 ug/L = 10 L.
    # C0 back-extrapolated from (1, 100), (2, 50): 100 * (100/50)^(1/1) = 200.
    # Log-down segments are exact for an exponential: AUCinf = C0/k = 288.539,
    # AUMCinf = C0/k² = 416.274, MRT = 1/k = 1.4427 h, CL = 2000/288.539 = 6.9315 L/h,
    # Vss = CL * MRT = 10 L.
    k = math.log(2)
    t = np.array([1.0, 2.0, 4.0, 8.0, 12.0])
    c = 200 * np.exp(-k * t)
    res = nca(t, c, dose_mg=2.0, route="iv_bolus")
    # C0 is reported on its own; Cmax/Tmax stay the observed maximum (WinNonlin, PKNCA)
    assert res.c0_ng_ml == pytest.approx(200.0)
    assert (res.cmax_ng_ml, res.tmax_h) == (pytest.approx(100.0), 1.0)
    assert res.auc_inf_ng_h_ml == pytest.approx(200 / k, rel=1e-9)
    assert res.aumc_inf_ng_h2_ml == pytest.approx(200 / k**2, rel=1e-9)
    assert res.mrt_h == pytest.approx(1 / k, rel=1e-9)
    assert res.cl_f_l_h == pytest.approx(10 * k, rel=1e-9)
    assert res.vss_l == pytest.approx(10.0, rel=1e-9)
    assert res.vz_f_l == pytest.approx(10.0, rel=1e-9)


def test_aumc_linear_and_log_segments_by_hand():
    # rising segment 0->1 (0 -> 100): trapezoid of t*C: (0*0 + 1*100)/2 * 1 = 50
    # falling 1->2 (100 -> 80): (C1 t1 - C2 t2) dt/ln(C1/C2) + (C1 - C2) dt²/ln(C1/C2)²
    #   = (100 - 160)/0.223144 + 20/0.0497929 = -268.888 + 401.663 = 132.775
    lr = math.log(100 / 80)
    expected = 50 + (100 - 160) / lr + 20 / lr**2
    _, aumc = auc_linear_up_log_down([0, 1, 2], [0, 100, 80])
    assert aumc == pytest.approx(expected, rel=1e-12)
    # the log rule is the exact integral of t*C for an exponential segment
    k = lr
    exact = (100 * 1 - 80 * 2) / k + (100 - 80) / k**2
    assert aumc - 50 == pytest.approx(exact, rel=1e-12)


def test_partial_auc_interpolates_log_on_falling_segments():
    # C at 3 h on the 2-4 h segment (80 -> 40): 80 * 0.5^(1/2) = 56.5685;
    # AUC 3-4 h = (56.5685 - 40) / ln(56.5685/40) = 16.5685 / 0.346574 = 47.807
    c3 = 80 * 0.5**0.5
    assert auc_between(T, C, 3.0, 4.0) == pytest.approx((c3 - 40) / math.log(c3 / 40), rel=1e-12)
    # rising segment 0-1 h is linear: C(0.5) = 50, AUC 0-0.5 = 0.5 * 50 / 2 = 12.5
    assert auc_between(T, C, 0.0, 0.5) == pytest.approx(12.5, rel=1e-12)
    assert auc_between(T, C, 0.0, 8.0) == pytest.approx(nca(T, C).auc_last_ng_h_ml, rel=1e-12)
    with pytest.raises(InputError, match="interval"):
        auc_between(T, C, 2.0, 9.0)


def test_lambda_z_prefers_fewer_points_when_an_earlier_point_spoils_the_fit():
    # A distribution phase: the 2 h point lies above the terminal line through 4-12 h.
    t = np.array([0, 0.5, 1, 2, 4, 6, 8, 12], float)
    c = np.array([0, 50, 120, 90, 30, 20, 13.3, 6.0])
    lz = select_lambda_z(t, c)
    # independent reference: adjusted R² of the last k points with scipy's linregress
    adj = {}
    for k in range(3, 7):  # points after Tmax (1 h): 2, 4, 6, 8, 12 h -> k up to 5
        if k > 5:
            break
        fit = stats.linregress(t[-k:], np.log(c[-k:]))
        adj[k] = 1 - (1 - fit.rvalue**2) * (k - 1) / (k - 2)
    best = max(adj.values())
    chosen = max(k for k, a in adj.items() if a >= best - 1e-4)
    assert not isinstance(lz, str)
    assert lz.n_points == chosen
    assert lz.lambda_z == pytest.approx(-stats.linregress(t[-chosen:],
                                                          np.log(c[-chosen:])).slope)
    assert chosen < 5  # the distribution-phase point at 2 h is left out


def test_cmax_is_never_in_the_terminal_fit_and_too_few_points_give_a_reason():
    # after Tmax (4 h) there are only two samples: no λz, AUCinf None, reason given
    res = nca([0, 1, 2, 4, 6, 8], [0, 10, 30, 50, 40, 30], dose_mg=10)
    assert res.lambda_z_per_h is None and res.auc_inf_ng_h_ml is None
    assert res.cl_f_l_h is None and "after Tmax" in res.lambda_z_note
    # rising terminal phase: no λz either
    res = nca([0, 1, 2, 3, 4, 5], [0, 50, 10, 12, 14, 16], dose_mg=10)
    assert res.lambda_z_per_h is None and "no declining" in res.lambda_z_note


def test_predose_sample_is_inserted_for_extravascular_dosing():
    # no sample at t=0: a 0 ng/mL point is inserted at the dose time, so AUC 0-1 h = 50
    with_zero = nca(T, C, dose_mg=1.0)
    without = nca(T[1:], C[1:], dose_mg=1.0)
    assert without.auc_last_ng_h_ml == pytest.approx(with_zero.auc_last_ng_h_ml)
    # dose at 24 h: times are taken relative to it
    shifted = nca(np.array(T[1:]) + 24, C[1:], dose_mg=1.0, dose_time_h=24.0)
    assert shifted.tmax_h == 1.0
    assert shifted.auc_inf_ng_h_ml == pytest.approx(with_zero.auc_inf_ng_h_ml)


@pytest.mark.parametrize("time, conc, kwargs, message", [
    ([0, 2, 1, 4], [0, 5, 4, 1], {}, "time: must be strictly increasing"),
    ([0, 1, 1, 4], [0, 5, 4, 1], {}, "time: must be strictly increasing"),
    ([0, 1, 2, 4], [0, 5, -4, 1], {}, "concentration: must be >= 0"),
    ([0, 1], [0, 5], {}, "time: NCA needs at least 3 samples"),
    ([0, 1, 2], [0, 5], {}, "concentration: must have one value per time"),
    ([0, 1, 2, 3], [0, float("nan"), 2, 1], {}, "concentration: must be finite"),
    ([0, 1, 2, 3], [0, 0, 0, 0], {}, "all samples are 0"),
    ([0, 1, 2, 3], [0, 5, 2, 1], {"dose_mg": -80}, "dose: must be > 0 mg"),
    ([0, 1, 2, 3], [0, 5, 2, 1], {"route": "oral"}, "route: must be"),
    ([0, 1, 2, 3], [0, 5, 2, 1], {"dose_time_h": 1.0}, "samples must not precede the dose"),
])
def test_bad_profiles_raise_input_errors_naming_the_field(time, conc, kwargs, message):
    with pytest.raises(InputError, match=message):
        nca(time, conc, **kwargs)


def test_acceptance_flags_follow_pknca_defaults():
    # PKNCA.options defaults: min.span.ratio 2, max.aucinf.pext 20, min.hl.r.squared 0.9.
    # One exponential C = 100·exp(-0.1 t) (t½ = ln2/0.1 = 6.931 h) after an IV bolus.
    k, half = 0.1, math.log(2) / 0.1
    short = np.array([0.5, 1.0, 2.0, 3.0, 4.0])
    r = nca(short, 100 * np.exp(-k * short), dose_mg=1.0, route="iv_bolus")
    # C0 is back-extrapolated to t = 0 (so Cmax is there) and λz uses t = 0.5..4 h:
    # span 3.5 h -> ratio 3.5/6.931 = 0.505
    assert r.lambda_z_span_ratio == pytest.approx(3.5 / half, rel=1e-9)
    # AUC extrapolated = Clast/λz / AUCinf; AUCinf = C0/k = 1000 (C0 back-extrapolated
    # exactly), Clast/k = 100·e^-0.4/0.1 = 670.3 -> 67.03%
    assert r.auc_pct_extrap == pytest.approx(100 * 100 * math.exp(-0.4) / 0.1 / 1000, rel=1e-6)
    assert r.flags == ("lambda_z span < 2 half-lives", "AUC extrapolated > 20%")
    long = np.array([0.5, 1, 2, 4, 8, 12, 24, 36, 48.0])
    ok = nca(long, 100 * np.exp(-k * long), dose_mg=1.0, route="iv_bolus")
    # λz over 0.5..48 h: span 47.5 h = 6.85 t½; extrapolated 100·e^-4.8/0.1/1000 = 0.82%
    assert ok.lambda_z_span_ratio == pytest.approx(47.5 / half, rel=1e-9)
    assert ok.flags == ()
