"""NONMEM event semantics, each against a closed-form derivation written out here.

Every dataset is run through the closed-form (eigen/matrix-exponential) path AND the ODE
path (SciPy LSODA, rtol 1e-10); both must match the hand-derived formula to 1e-6
relative. Rules and sources: docs/nonmem-semantics.md (NONMEM 7 help pages for the EVID,
SS, ADDL, II, RATE data items; NONMEM Users Guide VI; nmusers cookbook for NOCB covariates;
mrgsolve issue #424 for additional doses before observations at the same time).

Notation: 1-compartment k = CL/V; a bolus D gives C(t) = D/V·e^{-kt}; an infusion at rate
R for T gives C = R/CL·(1 − e^{-kt}) while running and C(T)·e^{-k(t−T)} after.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from xposim.pharmacology.nonmem import nm_simulate

RTOL = 1e-6
CL, V, KA = 2.0, 10.0, 1.3
K = CL / V
METHODS = ["closed-form", "ode"]


def frame(*rows: dict) -> pd.DataFrame:
    cols = ["ID", "TIME", "AMT", "EVID", "CMT", "RATE", "II", "ADDL", "SS"]
    full = [{c: r.get(c, 1 if c == "ID" else 0) for c in cols} | {
        k: v for k, v in r.items() if k not in cols} for r in rows]
    return pd.DataFrame(full)


def obs(t: float, cmt: int = 1, **kw) -> dict:
    return {"TIME": t, "EVID": 0, "CMT": cmt, **kw}


def dose(t: float, amt: float, cmt: int = 1, **kw) -> dict:
    return {"TIME": t, "AMT": amt, "EVID": 1, "CMT": cmt, **kw}


def run(data: pd.DataFrame, method: str, model: str = "1cmt-iv", out: str = "A1/V",
        **params) -> np.ndarray:
    p = {"CL": CL, "V": V} | ({"KA": KA} if "oral" in model else {}) | params
    return nm_simulate(data, model, p, [f"C={out}"], method=method)["C"].to_numpy()


def close(got, want):
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=1e-12)


@pytest.mark.parametrize("method", METHODS)
def test_iv_bolus_and_addl_superposition(method):
    # doses of 100 at 0, 12, 24 (ADDL=2, II=12): C(t) = Σ_{t_i <= t} 100/V·e^{-k(t - t_i)}
    times = [0.5, 11.0, 12.0, 13.0, 30.0, 50.0]
    data = frame(dose(0, 100, II=12, ADDL=2), *[obs(t) for t in times])
    want = [sum(100 / V * math.exp(-K * (t - ti)) for ti in (0, 12, 24) if ti <= t)
            for t in times]
    # the dose record itself reports the amount just after the dose (100/V)
    close(run(data, method), [100 / V, *want])


@pytest.mark.parametrize("method", METHODS)
def test_oral_bateman_with_f_and_lag(method):
    # A2(t) = F·D·ka/(ka - k)·(e^{-k(t-L)} - e^{-ka(t-L)}) for t > L, 0 before
    f, lag = 0.7, 0.75
    times = [0.5, 0.75, 1.0, 4.0, 24.0]
    data = frame(dose(0, 100, 1), *[obs(t, 2) for t in times])
    want = [0.0 if t <= lag else f * 100 * KA / (KA - K)
            * (math.exp(-K * (t - lag)) - math.exp(-KA * (t - lag))) / V for t in times]
    got = run(data, method, "1cmt-oral", "A2/V", F1=f, ALAG1=lag)
    close(got[1:], want)


@pytest.mark.parametrize("method", METHODS)
def test_dose_into_central_of_an_oral_model_is_an_iv_bolus(method):
    data = frame(dose(0, 50, 2), obs(3.0, 2))
    close(run(data, method, "1cmt-oral", "A2/V")[1], 50 / V * math.exp(-K * 3))


@pytest.mark.parametrize("method", METHODS)
def test_ka_equal_k_degenerate_case(method):
    # ka = k: A2 = D·k·t·e^{-kt} (limit of the Bateman function; closed form falls back
    # to the matrix exponential for repeated eigenvalues)
    data = frame(dose(0, 100, 1), obs(3.0, 2))
    close(run(data, method, "1cmt-oral", "A2", KA=K)[1], 100 * K * 3 * math.exp(-K * 3))


def _inf(t: float, rate: float, dur: float) -> float:
    """1-cmt concentration at t after the start of an infusion (rate, dur)."""
    if t <= dur:
        return rate / CL * (1 - math.exp(-K * t))
    return rate / CL * (1 - math.exp(-K * dur)) * math.exp(-K * (t - dur))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(("rate", "extra", "want_rate", "want_dur"), [
    (20.0, {}, 20.0, 5.0),                        # RATE > 0: duration = AMT/RATE
    (-1.0, {"R1": 25.0}, 25.0, 4.0),              # RATE = -1: modelled rate R1
    (-2.0, {"D1": 8.0}, 12.5, 8.0),               # RATE = -2: modelled duration D1
    (20.0, {"F1": 0.5}, 20.0, 2.5),               # F shortens the infusion (rate kept)
    (-2.0, {"D1": 8.0, "F1": 0.5}, 6.25, 8.0),    # F lowers the rate (duration kept)
])
def test_infusions(method, rate, extra, want_rate, want_dur):
    times = [1.0, 2.5, 4.0, 8.0, 20.0]
    data = frame(dose(0, 100, RATE=rate), *[obs(t) for t in times])
    close(run(data, method, **extra)[1:], [_inf(t, want_rate, want_dur) for t in times])


@pytest.mark.parametrize("method", METHODS)
def test_infusion_with_lag_starts_late(method):
    data = frame(dose(0, 100, RATE=20), obs(1.0), obs(3.0), obs(10.0))
    close(run(data, method, ALAG1=2.0)[1:], [0.0, _inf(1.0, 20, 5), _inf(8.0, 20, 5)])


@pytest.mark.parametrize("method", METHODS)
def test_ss1_bolus_geometric_sum_and_reset_of_prior_doses(method):
    # SS=1: prior amounts zeroed; C(t) = D/V·e^{-kt}/(1 - e^{-kτ}) after the SS dose
    tau = 12.0
    data = frame(dose(0, 500), dose(5, 100, II=tau, SS=1), obs(5.0), obs(9.0), obs(17.0))
    g = 1 / (1 - math.exp(-K * tau))
    want = [100 / V * g, 100 / V * g, 100 / V * g * math.exp(-K * 4),
            100 / V * g * math.exp(-K * 12)]
    close(run(data, method)[1:], want)


@pytest.mark.parametrize("method", METHODS)
def test_ss2_adds_steady_state_to_the_current_state(method):
    tau = 12.0
    data = frame(dose(0, 500), dose(5, 100, II=tau, SS=2), obs(9.0))
    g = 1 / (1 - math.exp(-K * tau))
    close(run(data, method)[2], 500 / V * math.exp(-K * 9) + 100 / V * g * math.exp(-K * 4))


@pytest.mark.parametrize("method", METHODS)
def test_ss_bolus_with_lag_is_the_cycle_at_phase_ii_minus_alag(method):
    # NONMEM SS dose help: SS computed without ALAG, then advanced to phase II - ALAG
    tau, lag = 12.0, 2.0
    g = 1 / (1 - math.exp(-K * tau))
    data = frame(dose(0, 100, II=tau, SS=1), obs(1.0), obs(3.0))
    want = [100 / V * g * math.exp(-K * (tau - lag)),          # at the record
            100 / V * g * math.exp(-K * (tau - lag + 1)),      # before the lagged dose
            100 / V * g * math.exp(-K * 1)]                    # 1 h after it (t = 3)
    close(run(data, method, ALAG1=lag), want)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("lag", [12.0, 15.0, 30.0])
def test_ss_bolus_with_lag_at_least_ii_carries_the_peak(method, lag):
    # ALAG >= II: the phase II - ALAG is clamped at 0 (NONMEM 7.6.0, measured by
    # FeRx-NLME/ferx-core PR #1125: PRED at the record = (D/V)/(1 - e^{-k·II}), the
    # steady-state peak; docs/nonmem-semantics.md). The record's own dose arrives at ALAG,
    # its additional dose (ADDL=1) at ALAG + II.
    tau, d = 12.0, 100.0
    g = 1 / (1 - math.exp(-K * tau))
    times = [0.0, 5.0, lag - 0.5, lag + 1.0, lag + tau + 2.0]
    data = frame(dose(0, d, II=tau, SS=1, ADDL=1), *[obs(t) for t in times])

    def want(t: float) -> float:
        c = d / V * g * math.exp(-K * t)
        c += sum(d / V * math.exp(-K * (t - ta)) for ta in (lag, lag + tau) if ta <= t)
        return c

    close(run(data, method, ALAG1=lag), [want(0.0)] + [want(t) for t in times])


@pytest.mark.parametrize("method", METHODS)
def test_ss_infusion_with_lag_at_least_ii(method):
    # ALAG >= II: the record carries the un-lagged cycle at phase 0 (the trough as an
    # infusion starts); that implied infusion keeps running DUR + (ALAG - II) after the
    # record, as NONMEM 7.6.0 does (ferx-core PR #1125: "delivers T_inf + (ALAG − II)
    # hours of drug — not mass-balanced"); the record's own infusion starts at ALAG.
    tau, rate, dur, lag = 12.0, 20.0, 5.0, 14.0
    c0 = _periodic([(dur, rate), (tau - dur, 0.0)])
    end = dur + lag - tau                                     # 7 h after the record
    c_end = c0 * math.exp(-K * end) + _inf(end, rate, end)
    data = frame(dose(0, 100, RATE=rate, II=tau, SS=1), obs(3.0), obs(7.0), obs(10.0),
                 obs(16.0))
    want = [c0, c0 * math.exp(-K * 3) + _inf(3.0, rate, 99.0), c_end,
            c_end * math.exp(-K * 3),
            c_end * math.exp(-K * 9) + _inf(16.0 - lag, rate, dur)]
    close(run(data, method, ALAG1=lag), want)


def _periodic(pieces: list[tuple[float, float]]) -> float:
    """Trough c0 of a 1-cmt cycle with input rate r_i over lengths h_i: c0 = c(τ)."""
    num, decay = 0.0, 1.0
    for h, r in reversed(pieces):
        num += decay * r / CL * (1 - math.exp(-K * h))
        decay *= math.exp(-K * h)
    return num / (1 - decay)


@pytest.mark.parametrize("method", METHODS)
def test_ss_infusion_shorter_than_interval(method):
    tau, rate, dur = 12.0, 20.0, 5.0
    c0 = _periodic([(dur, rate), (tau - dur, 0.0)])
    data = frame(dose(0, 100, RATE=rate, II=tau, SS=1), obs(2.0), obs(8.0))
    want = [c0, c0 * math.exp(-K * 2) + _inf(2.0, rate, dur),
            c0 * math.exp(-K * 8) + _inf(8.0, rate, dur)]
    close(run(data, method), want)


@pytest.mark.parametrize("method", METHODS)
def test_ss_infusion_equal_to_interval_is_constant(method):
    # II == DUR: the input never stops, so C = R/CL at every time of the cycle
    data = frame(dose(0, 100, RATE=10, II=10, SS=1), obs(3.0), obs(9.99))
    close(run(data, method), [10 / CL] * 3)


@pytest.mark.parametrize("method", METHODS)
def test_ss_infusion_longer_than_interval_overlaps(method):
    # II = 4, DUR = 6: 2 infusions run during phase [0, 2), 1 during [2, 4); after the SS
    # record the implied dose started at t-4 keeps running until t+2 (no more doses).
    tau, rate = 4.0, 10.0  # AMT 60 at RATE 10: DUR 6
    c0 = _periodic([(2.0, 2 * rate), (2.0, rate)])
    c1 = c0 * math.exp(-K) + 2 * rate / CL * (1 - math.exp(-K))          # t = 1
    c2 = c0 * math.exp(-K * 2) + 2 * rate / CL * (1 - math.exp(-K * 2))  # t = 2
    c5 = c2 * math.exp(-K * 3) + rate / CL * (1 - math.exp(-K * 3))      # t = 5
    c8 = c5 * math.exp(-K * 1) + rate / CL * (1 - math.exp(-K * 1))      # t = 6: end
    c8 = c8 * math.exp(-K * 2)                                           # t = 8
    data = frame(dose(0, 60, RATE=rate, II=tau, SS=1), obs(1), obs(2), obs(5), obs(8))
    close(run(data, method), [c0, c1, c2, c5, c8])


@pytest.mark.parametrize("method", METHODS)
def test_ss_constant_infusion_ends_at_the_record(method):
    # SS=1, AMT=0, RATE=R, II=0: the record carries the infusion's steady state R/CL and
    # "the infusion terminates at the event time of the SS dose record" (NONMEM help, SS
    # dose event record): afterwards the system decays, C(t) = R/CL·e^{-k(t - t_rec)}
    data = frame(dose(10.0, 0, RATE=7.0, SS=1), obs(10.0), obs(15.0), obs(60.0))
    close(run(data, method), [7 / CL, 7 / CL, 7 / CL * math.exp(-K * 5),
                              7 / CL * math.exp(-K * 50)])


@pytest.mark.parametrize("method", METHODS)
def test_ss_oral_bolus_two_exponential_sum(method):
    # oral SS: A2 = F·D·ka/(ka-k)·[e^{-kt}/(1-e^{-kτ}) - e^{-ka t}/(1-e^{-ka τ})]
    tau, t = 24.0, 3.0
    data = frame(dose(0, 100, 1, II=tau, SS=1), obs(t, 2))
    want = 100 * KA / (KA - K) * (math.exp(-K * t) / (1 - math.exp(-K * tau))
                                  - math.exp(-KA * t) / (1 - math.exp(-KA * tau)))
    close(run(data, method, "1cmt-oral", "A2")[1], want)


@pytest.mark.parametrize("method", METHODS)
def test_ss1_cancels_pending_additional_doses(method):
    # ADDL doses at 12, 24, 36 are cancelled by the SS=1 record at 18 (NONMEM SS help)
    tau = 12.0
    g = 1 / (1 - math.exp(-K * tau))
    data = frame(dose(0, 100, II=tau, ADDL=3), dose(18, 50, II=tau, SS=1), obs(26.0))
    close(run(data, method)[2], 50 / V * g * math.exp(-K * 8))


@pytest.mark.parametrize("method", METHODS)
def test_reset_and_reset_dose(method):
    data = frame(dose(0, 100), obs(5.0), {"TIME": 6.0, "EVID": 3}, obs(7.0),
                 dose(8.0, 40, EVID=4), obs(9.0))
    want = [10.0, 10 * math.exp(-K * 5), 0.0, 0.0, 4.0, 4.0 * math.exp(-K)]
    close(run(data, method), want)


@pytest.mark.parametrize("method", METHODS)
def test_record_order_at_equal_times(method):
    # observation before the dose record sees the pre-dose state, after it the post-dose
    # state; an ADDL dose at an observation time is given first (mrgsolve issue #424)
    pre = 100 / V * math.exp(-K * 12)
    data = frame(dose(0, 100), obs(12.0), dose(12.0, 100), obs(12.0))
    close(run(data, method)[1:], [pre, pre + 10, pre + 10])
    data = frame(dose(0, 100, II=12, ADDL=1), obs(12.0))
    close(run(data, method)[1], pre + 10)


@pytest.mark.parametrize("method", METHODS)
def test_covariates_are_next_record_carried_backward(method):
    # NONMEM advances (t_j, t_{j+1}] with the parameters of record j+1 (nmusers cookbook
    # "time-varying covariates"): CL1 is never used, CL2 over (0,5], CL3 over (5,10]
    data = frame(dose(0, 100, CLX=1.0), {"TIME": 5.0, "EVID": 2, "CLX": 3.0},
                 obs(10.0, CLX=0.5))
    out = nm_simulate(data, "1cmt-iv", {"CL": "@CLX", "V": V}, ["C=A1/V"],
                      method=method)["C"].to_numpy()
    want5 = 10 * math.exp(-3.0 / V * 5)
    close(out, [10.0, want5, want5 * math.exp(-0.5 / V * 5)])


@pytest.mark.parametrize("method", METHODS)
def test_mdv_does_not_change_predictions(method):
    data = frame(dose(0, 100), obs(2.0, MDV=1), obs(2.0, MDV=0))
    got = run(data, method)
    assert got[1] == got[2]
    close(got[1], 10 * math.exp(-2 * K))


def _two_cmt_bolus(t: float, dose_: float, cl: float, v1: float, q: float, v2: float):
    k10, k12, k21 = cl / v1, q / v1, q / v2
    s = k10 + k12 + k21
    alpha = (s + math.sqrt(s * s - 4 * k10 * k21)) / 2
    beta = (s - math.sqrt(s * s - 4 * k10 * k21)) / 2
    return dose_ / v1 * ((alpha - k21) / (alpha - beta) * math.exp(-alpha * t)
                         + (k21 - beta) / (alpha - beta) * math.exp(-beta * t))


@pytest.mark.parametrize("method", METHODS)
def test_two_compartment_iv_biexponential(method):
    times = [0.25, 1.0, 6.0, 48.0]
    data = frame(dose(0, 100), *[obs(t) for t in times])
    got = nm_simulate(data, "2cmt-iv", {"CL": 3, "V1": 12, "Q": 5, "V2": 40}, ["C=A1/V1"],
                      method=method)["C"].to_numpy()
    close(got[1:], [_two_cmt_bolus(t, 100, 3, 12, 5, 40) for t in times])


def test_three_compartment_oral_closed_form_equals_ode():
    data = frame(dose(0, 100, 1, II=12, ADDL=3), obs(0.5, 2), obs(5, 2), obs(13, 2),
                 obs(40, 2), dose(60, 50, 2, RATE=25), obs(61, 2), dose(80, 30, 1, II=8, SS=2),
                 obs(90, 2))
    p = {"CL": 3, "V2": 12, "Q3": 5, "V3": 40, "Q4": 1, "V4": 100, "KA": 0.9, "ALAG1": 0.4}
    a = nm_simulate(data, "3cmt-oral", p, ["C=A2/V2"], method="closed-form")["C"]
    b = nm_simulate(data, "3cmt-oral", p, ["C=A2/V2"], method="ode")["C"]
    close(a.to_numpy(), b.to_numpy())


@pytest.mark.parametrize("method", METHODS)
def test_ss_infusion_with_lag_and_bioavailability(method):
    # F = 0.5 on AMT 100 at RATE 20: DUR 2.5; ALAG 1: the record sits at phase II - ALAG = 11
    # of the cycle, the dose starts at t = 1. c0 = trough at the start of an infusion.
    tau, rate, dur, lag = 12.0, 20.0, 2.5, 1.0
    c0 = _periodic([(dur, rate), (tau - dur, 0.0)])
    peak = c0 * math.exp(-K * dur) + rate / CL * (1 - math.exp(-K * dur))
    at_record = peak * math.exp(-K * (tau - lag - dur))
    after = c0 * math.exp(-K * 1.0) + rate / CL * (1 - math.exp(-K * 1.0))   # t = 2
    data = frame(dose(0, 100, RATE=rate, II=tau, SS=1), obs(2.0))
    close(run(data, method, F1=0.5, ALAG1=lag), [at_record, after])


@pytest.mark.parametrize("method", METHODS)
def test_a_lag_below_the_time_resolution_is_no_lag(method):
    # Regression (Hypothesis found it): ALAG = 5e-324 made the ODE path hand solve_ivp a
    # zero-length interval, which it loops on until memory runs out. Such a lag is no lag:
    # the Bateman curve of the undelayed dose, as in test_oral_bateman_with_f_and_lag.
    times = [1.0, 4.0]
    data = frame(dose(0, 100, 1, II=12, ADDL=2), *[obs(t, 2) for t in times])
    want = [100 * KA / (KA - K) * (math.exp(-K * t) - math.exp(-KA * t)) / V for t in times]
    close(run(data, method, "1cmt-oral", "A2/V", ALAG1=5e-324)[1:], want)


def test_ode_steady_state_stops_at_the_integrators_noise_floor():
    # Regression: a 1e-12 steady-state tolerance sat below LSODA's rtol (1e-10), so the
    # cycle iteration never met it and ran 100,000 cycles. SS=1 short infusion (F changes
    # the duration): the pre-dose steady state is the geometric sum of one cycle's decay,
    # C_ss(0) = R/(k·V)·(1 - e^{-k·D})·e^{-k(τ-D)}/(1 - e^{-kτ}), then advanced 2 h.
    cl, f, amt, rate, tau = 4.922247165504788, 0.454694613704521, 104.68457386013078, \
        193.115912515088, 2.0
    k, dur = cl / V, f * amt / rate
    data = frame(dose(0, amt, 1, RATE=rate, II=tau, SS=1), obs(1.0))
    got = run(data, "ode", "1cmt-iv", "A1/V", CL=cl, F1=f)
    pre = rate / (k * V) * (1 - math.exp(-k * dur)) * math.exp(-k * (tau - dur)) \
        / (1 - math.exp(-k * tau))
    # at t = 1 h (> D): the pre-dose level decayed 1 h plus this dose's infusion decayed
    want = pre * math.exp(-k * 1.0) + rate / (k * V) * (1 - math.exp(-k * dur)) \
        * math.exp(-k * (1.0 - dur))
    close(got[1], want)
