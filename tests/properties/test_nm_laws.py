"""Laws of NONMEM event handling (Hypothesis).

- ADDL is shorthand: a dose with ADDL=n, II=τ equals n+1 explicit dose records (NONMEM ADDL
  help: "additional doses, exactly like the present dose"), for bolus and infusion, with
  lag and bioavailability.
- An SS=1 dose is the limit of a long train of identical doses (NONMEM SS dose help: "the
  last of a series of implied doses ... leading to steady state"). With ALAG >= II, as
  NONMEM computes it (steady state without lag, phase II - ALAG clamped at 0), an SS=1
  bolus is the limit of an un-lagged train whose last dose is at the record, followed by
  the record's own dose at ALAG (and its ADDL doses every II after that).
- The closed-form path and the ODE path agree; a dataset written and read back is the same.

XPOSIM_HYPOTHESIS_EXAMPLES raises the number of examples (25 by default).
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings, strategies as st

from xposim import read_dataset, write_dataset
from xposim.pharmacology.nonmem import nm_simulate

FAST = settings(max_examples=int(os.environ.get("XPOSIM_HYPOTHESIS_EXAMPLES", "25")),
                deadline=None, suppress_health_check=[HealthCheck.too_slow])

COLS = ["ID", "TIME", "AMT", "EVID", "CMT", "RATE", "II", "ADDL", "SS"]


def _frame(rows: list[dict], extra: tuple[str, ...] = ()) -> pd.DataFrame:
    return pd.DataFrame([{c: r.get(c, 1 if c == "ID" else 0) for c in (*COLS, *extra)}
                         for r in rows])


dose_shapes = st.fixed_dictionaries({
    "amt": st.floats(1.0, 500.0),
    "ii": st.floats(2.0, 48.0),
    "addl": st.integers(0, 6),
    "rate": st.one_of(st.just(0.0), st.floats(5.0, 200.0)),
    "cmt": st.sampled_from([1, 2]),
    "lag": st.floats(0.0, 1.5),
    "f": st.floats(0.2, 1.0),
    "cl": st.floats(0.5, 5.0),
    "ka": st.floats(0.3, 3.0),
})


def _params(d: dict) -> dict:
    return {"CL": d["cl"], "V": 20.0, "KA": d["ka"], f"ALAG{d['cmt']}": d["lag"],
            f"F{d['cmt']}": d["f"]}


@FAST
@given(dose_shapes, st.lists(st.floats(0.0, 400.0), min_size=1, max_size=8))
def test_addl_equals_explicit_records(d, obs_times):
    obs = [{"TIME": t, "EVID": 0, "CMT": 2} for t in sorted(obs_times)]
    one = {"AMT": d["amt"], "EVID": 1, "CMT": d["cmt"], "RATE": d["rate"]}
    addl = _frame(sorted([{"TIME": 0.0, **one, "II": d["ii"], "ADDL": d["addl"]}, *obs],
                         key=lambda r: r["TIME"]))
    explicit_rows = [{"TIME": j * d["ii"], **one} for j in range(d["addl"] + 1)]
    # explicit doses first at equal times (ADDL doses precede observations, mrgsolve #424)
    explicit = _frame(sorted([*explicit_rows, *obs], key=lambda r: (r["TIME"], r["EVID"] == 0)))
    a = nm_simulate(addl, "1cmt-oral", _params(d), ["C=A2/V"])
    b = nm_simulate(explicit, "1cmt-oral", _params(d), ["C=A2/V"])
    ca = a.loc[a["EVID"] == 0, "C"].to_numpy()
    cb = b.loc[b["EVID"] == 0, "C"].to_numpy()
    np.testing.assert_allclose(ca, cb, rtol=1e-9, atol=1e-12 * max(1.0, float(np.max(cb))))


@FAST
@given(dose_shapes, st.lists(st.floats(0.0, 100.0), min_size=1, max_size=6))
def test_ss1_is_the_limit_of_a_long_dose_train(d, obs_after):
    k_min = min(d["cl"] / 20.0, d["ka"])
    n = math.ceil(40.0 / (k_min * d["ii"]))  # e^{-k n τ} < 1e-17: train converged
    t_ss = n * d["ii"]
    one = {"AMT": d["amt"], "EVID": 1, "CMT": d["cmt"], "RATE": d["rate"], "II": d["ii"]}
    obs = [{"TIME": t_ss + t, "EVID": 0, "CMT": 2} for t in sorted(obs_after)]
    ss = _frame([{"TIME": t_ss, **one, "SS": 1}, *obs])
    train = _frame([{"TIME": 0.0, **one, "ADDL": n}, *obs])
    a = nm_simulate(ss, "1cmt-oral", _params(d), ["C=A2/V"])
    b = nm_simulate(train, "1cmt-oral", _params(d), ["C=A2/V"])
    ca = a.loc[a["EVID"] == 0, "C"].to_numpy()
    cb = b.loc[b["EVID"] == 0, "C"].to_numpy()
    np.testing.assert_allclose(ca, cb, rtol=1e-7, atol=1e-10 * max(1.0, float(np.max(cb))))


@FAST
@given(dose_shapes, st.floats(1.0, 3.0), st.integers(0, 3),
       st.lists(st.floats(0.0, 150.0), min_size=1, max_size=6))
def test_ss1_bolus_with_lag_at_least_ii_is_a_train_then_the_lagged_dose(d, lag_ii, addl,
                                                                         obs_after):
    lag = lag_ii * d["ii"]
    k_min = min(d["cl"] / 20.0, d["ka"])
    n = math.ceil(40.0 / (k_min * d["ii"]))
    t_ss = n * d["ii"]
    one = {"AMT": d["amt"], "EVID": 1, "CMT": d["cmt"], "II": d["ii"]}
    obs = [{"TIME": t_ss + t, "EVID": 0, "CMT": 2, "LAG": 0.0} for t in sorted(obs_after)]
    # ALAG from a column: the train's doses have none, the record's own dose has ALAG
    ss = _frame([{"TIME": t_ss, **one, "SS": 1, "ADDL": addl, "LAG": lag}, *obs], ("LAG",))
    train = _frame([{"TIME": 0.0, **one, "ADDL": n, "LAG": 0.0},
                    {"TIME": t_ss, **one, "ADDL": addl, "LAG": lag}, *obs], ("LAG",))
    p = _params(d) | {f"ALAG{d['cmt']}": "@LAG"}
    a = nm_simulate(ss, "1cmt-oral", p, ["C=A2/V"])
    b = nm_simulate(train, "1cmt-oral", p, ["C=A2/V"])
    ca = a.loc[a["EVID"] == 0, "C"].to_numpy()
    cb = b.loc[b["EVID"] == 0, "C"].to_numpy()
    np.testing.assert_allclose(ca, cb, rtol=1e-7, atol=1e-10 * max(1.0, float(np.max(cb))))


@settings(max_examples=max(5, int(os.environ.get("XPOSIM_HYPOTHESIS_EXAMPLES", "25")) // 5),
          deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dose_shapes, st.sampled_from([0, 1, 2]), st.floats(0.0, 2.5),
       st.sampled_from(["dose", "constant"]))
def test_closed_form_equals_ode(d, ss, lag_ii, second):
    # lags up to 2.5 II (ALAG >= II included) and steady-state constant infusions
    d = d | {"lag": lag_ii * d["ii"]}
    one = {"AMT": d["amt"], "EVID": 1, "CMT": d["cmt"], "RATE": d["rate"], "II": d["ii"],
           "ADDL": d["addl"]}
    if second == "constant":
        again = {"AMT": 0.0, "EVID": 1, "CMT": d["cmt"], "RATE": d["rate"] or 10.0,
                 "SS": ss or 1}
    else:
        again = {**one, "SS": ss}
    rows = [{"TIME": 0.0, **one}, *[{"TIME": t, "EVID": 0, "CMT": 2} for t in (1, 5, 30)],
            {"TIME": 40.0, **again}, *[{"TIME": t, "EVID": 0, "CMT": 2} for t in (41, 45, 90)]]
    data = _frame(rows)
    a = nm_simulate(data, "1cmt-oral", _params(d), ["C=A2/V"])["C"].to_numpy()
    b = nm_simulate(data, "1cmt-oral", _params(d), ["C=A2/V"], method="ode")["C"].to_numpy()
    np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9 * max(1.0, float(np.max(a))))


finite = st.floats(-1e6, 1e6, allow_nan=False).filter(lambda x: abs(x) > 1e-300 or x == 0)


@FAST
@given(st.lists(st.tuples(st.floats(0.0, 1e4), st.floats(0.0, 1e3), finite), min_size=1,
                max_size=8))
def test_write_then_read_is_identity(rows):
    times = sorted(r[0] for r in rows)
    df = pd.DataFrame({"ID": 1, "TIME": times, "AMT": [r[1] for r in rows],
                       "DV": [r[2] for r in rows], "WT": [r[2] / 7 for r in rows]})
    df.loc[df["AMT"] == 0, "AMT"] = 1.0
    data = read_dataset(df)
    with tempfile.TemporaryDirectory() as tmp:
        back = read_dataset(write_dataset(data, Path(tmp) / "d.csv"))
    pd.testing.assert_frame_equal(back, data)
