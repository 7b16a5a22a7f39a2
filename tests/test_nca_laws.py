"""NCA laws and closed forms (hand-worked where no published figure exists).

Closed forms: one-compartment models (Gibaldi & Perrier, Pharmacokinetics, 2nd ed.,
ch. 1-3): IV bolus C = C0·e^{-kt}; IV infusion of length T: C = R/(kV)·(1 - e^{-kt})
during it and C(T)·e^{-k(t-T)} after; oral C = F·D·ka/(V(ka - k))·(e^{-kt} - e^{-ka·t});
steady state of doses every τ: each exponential e^{-at} becomes e^{-at}/(1 - e^{-aτ}).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from xposim.analysis.nca import (
    analyse_profile,
    auc_segments,
    select_lambda_z,
)
from xposim.analysis.nca_data import BLQRule, SubjectData
from xposim.analysis.nca_superposition import superpose
from xposim.analysis.nca_table import NCAOptions, run_nca

KA, K, V, DOSE = 1.2, 0.1, 50.0, 100.0  # 1/h, 1/h, L, mg (mg/L concentrations)


def oral(t, tau=None):
    """One-compartment oral concentration (mg/L); at steady state of doses every τ."""
    a = DOSE * KA / (V * (KA - K))
    if tau is None:
        return a * (np.exp(-K * t) - np.exp(-KA * t))
    return a * (np.exp(-K * t) / (1 - np.exp(-K * tau)) - np.exp(-KA * t) / (1 - np.exp(-KA * tau)))


def test_log_trapezoid_is_exact_for_a_mono_exponential_decay_and_linear_overestimates():
    t = np.array([0.0, 1.0, 3.0, 7.0, 12.0])
    c = 80.0 * np.exp(-0.3 * t)
    exact = 80.0 / 0.3 * (1 - math.exp(-0.3 * 12.0))
    assert auc_segments(t, c, "linear-up-log-down")[0] == pytest.approx(exact, rel=1e-13)
    assert auc_segments(t, c, "linear-log")[0] == pytest.approx(exact, rel=1e-13)
    # the chord of a convex curve lies above it: the linear rule overestimates
    assert auc_segments(t, c, "linear")[0] > exact * 1.01
    # AUMC by the log rule is exact as well: ∫ t·C0·e^{-kt} dt over [0, 12]
    k, T = 0.3, 12.0
    aumc = 80.0 * (1 - math.exp(-k * T) * (1 + k * T)) / k**2
    assert auc_segments(t, c, "linear-up-log-down")[1] == pytest.approx(aumc, rel=1e-12)


def test_linear_and_log_rules_agree_on_a_rising_profile():
    t = np.array([0.0, 0.5, 1.0, 2.0, 3.0])
    c = np.array([0.0, 3.0, 5.0, 8.0, 9.5])
    lin = auc_segments(t, c, "linear")
    assert auc_segments(t, c, "linear-up-log-down") == pytest.approx(lin, rel=1e-15)
    assert auc_segments(t, c, "linear-log") == pytest.approx(lin, rel=1e-15)


def test_linear_log_uses_the_log_rule_on_any_segment_after_tmax_by_hand():
    # Tmax at 1 h. Segments: 0-1 rising (linear: 0.5·10 = 5); 1-2 falling 10 -> 5;
    # 2-4 rising 5 -> 6 after Tmax. linear-up/log-down: 5 + 5/ln 2 + (5+6)/2·2 = 23.2135
    # linear-log: the 2-4 h rise is also logarithmic: 5 + 7.2135 + (6-5)·2/ln(6/5) = 23.1831
    t, c = [0.0, 1.0, 2.0, 4.0], [0.0, 10.0, 5.0, 6.0]
    lud = 5.0 + 5.0 / math.log(2) + 11.0
    ll = 5.0 + 5.0 / math.log(2) + 2.0 / math.log(1.2)
    assert auc_segments(t, c, "linear-up-log-down")[0] == pytest.approx(lud, rel=1e-14)
    assert auc_segments(t, c, "linear-log")[0] == pytest.approx(ll, rel=1e-14)
    assert (lud, ll) == pytest.approx((23.2135, 23.1831), abs=1e-4)


@pytest.mark.parametrize("method", ["linear", "linear-up-log-down", "linear-log"])
def test_every_rule_converges_to_the_one_compartment_oral_auc(method):
    # AUC(0-∞) = D/(V·k) = 20 mg·h/L; 0.1 h sampling to 96 h, λz from the tail
    t = np.arange(0.0, 96.0 + 1e-9, 0.1)
    r = analyse_profile(t, oral(t), dose=DOSE, auc_method=method, volume_factor=1.0)
    assert r["AUCIFO"] == pytest.approx(DOSE / (V * K), rel=2e-4)
    # best fit keeps early points whose adjusted R² is within 1e-4 of the best: λz to 0.1%
    assert r["LAMZ"] == pytest.approx(K, rel=1e-3)
    assert r["CLFO"] == pytest.approx(V * K, rel=2e-4)
    # MRT of the oral one-compartment model = 1/ka + 1/k
    assert r["MRTEVIFO"] == pytest.approx(1 / KA + 1 / K, rel=5e-4)


def test_iv_infusion_mrt_subtracts_half_the_infusion_and_gives_vss():
    # 100 mg over T = 2 h into V = 50 L, k = 0.1/h: MRT = 1/k = 10 h, Vss = V, CL = kV
    T, R = 2.0, DOSE / 2.0
    t = np.arange(0.0, 120.0 + 1e-9, 0.05)
    c = np.where(t <= T, R / (K * V) * (1 - np.exp(-K * t)),
                 R / (K * V) * (1 - math.exp(-K * T)) * np.exp(-K * (t - T)))
    r = analyse_profile(t, c, dose=DOSE, route="iv-infusion", duration=T,
                        auc_method="linear-up-log-down", volume_factor=1.0)
    assert r["MRTIVIFO"] == pytest.approx(1 / K, rel=1e-4)
    assert r["VSSO"] == pytest.approx(V, rel=1e-4)
    assert r["CLO"] == pytest.approx(K * V, rel=1e-4)
    # read as extravascular, MRT would be off by T/2 = 1 h (the defect)
    ev = analyse_profile(t, c, dose=DOSE, volume_factor=1.0)
    assert ev["MRTEVIFO"] - r["MRTIVIFO"] == pytest.approx(T / 2, rel=1e-9)


def test_superposition_of_a_mono_exponential_bolus_is_the_closed_form_steady_state():
    # C1 = 40 e^{-0.2 t}; at steady state of doses every 12 h: C = 40 e^{-0.2t}/(1 - e^{-2.4})
    t = np.array([0.5, 1, 2, 4, 6, 8, 12, 16, 24.0])
    c = 40.0 * np.exp(-0.2 * t)
    single = analyse_profile(t, c, dose=10.0, route="iv-bolus", volume_factor=1.0)
    grid, css = superpose(single, 12.0)
    expect = 40.0 * np.exp(-0.2 * grid) / (1 - math.exp(-0.2 * 12.0))
    np.testing.assert_allclose(css, expect, rtol=1e-12)
    ss = analyse_profile(grid, css, dose=10.0, route="iv-bolus", tau=12.0, volume_factor=1.0)
    # AUCτ at steady state = AUCINF of one dose = C0/k = 200 (log rule exact here)
    assert ss["AUCTAU"] == pytest.approx(200.0, rel=1e-12)
    assert single["AUCIFO"] == pytest.approx(200.0, rel=1e-12)


def test_superposition_of_single_oral_dose_reproduces_the_simulated_steady_state():
    tau = 12.0
    t = np.concatenate([np.arange(0.0, 4.0, 0.25), np.arange(4.0, 72.0 + 1e-9, 1.0)])
    single = analyse_profile(t, oral(t), dose=DOSE, volume_factor=1.0)
    grid, css = superpose(single, tau)
    np.testing.assert_allclose(css, oral(grid, tau), rtol=2e-3)
    ss = analyse_profile(grid, css, dose=DOSE, tau=tau, volume_factor=1.0)
    # AUCτ,ss = AUC(0-∞) of one dose = D/(Vk) = 20; Cavg = 20/12
    assert ss["AUCTAU"] == pytest.approx(DOSE / (V * K), rel=2e-3)
    assert ss["CAVG"] == pytest.approx(DOSE / (V * K) / tau, rel=2e-3)
    fine = np.linspace(0, tau, 20001)
    exact = oral(fine, tau)
    assert ss["CMAX"] == pytest.approx(exact.max(), rel=1e-2)
    assert ss["CMIN"] == pytest.approx(exact.min(), rel=2e-3)


def test_table_superposition_row_and_accumulation_match_the_closed_form():
    t = np.concatenate([np.arange(0.0, 4.0, 0.25), np.arange(4.0, 72.0 + 1e-9, 1.0)])
    subj = SubjectData(1, t, oral(t), np.zeros(t.size, bool), np.arange(1, t.size + 1),
                       np.array([0.0]), np.array([DOSE]), np.array([0.0]))
    from xposim.analysis.nca_data import NCAData

    res = run_nca(NCAData((subj,), {}), NCAOptions(superposition_tau=12.0, conc_unit="mg/L"))
    ss = res.frame[res.frame.KIND == "superposition"].iloc[0]
    # accumulation = AUCτ,ss / AUC(0-τ) of one dose = AUC(0-∞)/AUC(0-12)
    a = DOSE * KA / (V * (KA - K))
    auc_0_12 = a * ((1 - math.exp(-K * 12)) / K - (1 - math.exp(-KA * 12)) / KA)
    assert ss["ACCR"] == pytest.approx(DOSE / (V * K) / auc_0_12, rel=3e-3)


def test_multiple_dose_intervals_accumulate_as_the_closed_form():
    # three doses every 24 h (doses at 0, 24, 48), hourly samples to 96 h.
    # AUC over interval n = AUC(0, n·τ) of one dose (superposition), so
    # ACCR(n) = AUC1(0, nτ) / AUC1(0, τ).
    tau = 24.0
    t = np.arange(0.0, 96.0 + 1e-9, 0.25)
    conc = sum(np.where(t >= d, oral(np.clip(t - d, 0, None)), 0.0) for d in (0, 24, 48))
    subj = SubjectData(7, t, conc, np.zeros(t.size, bool), np.arange(1, t.size + 1),
                       np.array([0.0, 24.0, 48.0]), np.full(3, DOSE), np.zeros(3))
    from xposim.analysis.nca_data import NCAData

    res = run_nca(NCAData((subj,), {}, has_doses=True),
                  NCAOptions(conc_unit="mg/L", auc_method="linear-up-log-down"))
    f = res.frame
    assert list(f.INTERVAL) == [1, 2, 3] and list(f.TAU) == [24.0, 24.0, 24.0]
    a = DOSE * KA / (V * (KA - K))

    def auc1(T):
        return a * ((1 - math.exp(-K * T)) / K - (1 - math.exp(-KA * T)) / KA)

    for n in (2, 3):
        assert f.ACCR.iloc[n - 1] == pytest.approx(auc1(n * tau) / auc1(tau), rel=2e-3)
    assert f.AUCTAU.iloc[0] == pytest.approx(auc1(tau), rel=2e-3)
    assert f.CAVG.iloc[1] == pytest.approx(auc1(2 * tau) / tau, rel=2e-3)
    # the sample at 24 h is dose 2's pre-dose level and dose 1's trough
    assert f.CTROUGH.iloc[0] == pytest.approx(oral(np.array([24.0]))[0], rel=1e-12)


def _brute_force_lambda_z(t, c, include_tmax=False):
    """The previous implementation: one least-squares fit per candidate window."""
    i_max = int(np.argmax(c))
    idx = np.arange(t.size)
    usable = (idx >= i_max if include_tmax else idx > i_max) & (c > 0)
    tt, yy = t[usable], np.log(c[usable])
    fits = []
    for k in range(3, tt.size + 1):
        slope, icpt = np.polyfit(tt[-k:], yy[-k:], 1)
        resid = yy[-k:] - (slope * tt[-k:] + icpt)
        r2 = 1 - np.sum(resid**2) / np.sum((yy[-k:] - yy[-k:].mean()) ** 2)
        if slope < 0:
            fits.append((k, -slope, 1 - (1 - r2) * (k - 1) / (k - 2)))
    top = max(f[2] for f in fits)
    return [f for f in fits if f[2] >= top - 1e-4][-1]


def test_vectorised_lambda_z_chooses_what_a_fit_per_window_chooses():
    rng = np.random.default_rng(12)
    t = np.array([0, 0.25, 0.5, 1, 1.5, 2, 3, 4, 6, 8, 12, 16, 24, 36, 48, 72.0])
    for _ in range(200):
        k, ka = rng.uniform(0.02, 0.3), rng.uniform(0.5, 3.0)
        c = (np.exp(-k * t) - np.exp(-ka * t)) * np.exp(rng.normal(0, 0.08, t.size))
        c[0] = 0.0
        n, lam, adj = _brute_force_lambda_z(t, c)
        got = select_lambda_z(t, c)
        assert got.n_points == n
        assert got.lambda_z == pytest.approx(lam, rel=1e-9)
        assert got.adj_r_squared == pytest.approx(adj, rel=1e-9, abs=1e-12)


def test_blq_rule_follows_pknca_positions():
    # BLQ (True) at 0 h (first), 3 h (middle), 6 and 8 h (last)
    t = np.array([0.0, 1, 2, 3, 4, 6, 8])
    c = np.array([0.0, 5, 4, 0, 2, 0, 0])
    blq = c == 0
    from xposim.analysis.nca_data import apply_blq

    tt, cc = apply_blq(t, c, blq, BLQRule())  # PKNCA default: keep, drop, keep
    assert list(tt) == [0, 1, 2, 4, 6, 8] and list(cc) == [0, 5, 4, 2, 0, 0]
    tt, cc = apply_blq(t, c, blq, BLQRule.parse("first=drop,middle=0.5,last=drop"))
    assert list(tt) == [1, 2, 3, 4] and list(cc) == [5, 4, 0.5, 2]
    # AUCALL includes the trailing zeros (linear to the first zero), AUCLST stops at 4 h
    r = analyse_profile(*apply_blq(t, c, blq, BLQRule()), auc_method="linear")
    assert r["AUCLST"] == pytest.approx(2.5 + 4.5 + 2 * 3.0)
    assert r["AUCALL"] == pytest.approx(r["AUCLST"] + 0.5 * 2 * 2)
