"""Record semantics: a validated dataset -> per-subject sequences of state-changing steps.

The "system" (closed form or ODE) only has to advance the amounts between steps and apply
five kinds of step: record an output, add a bolus, change an infusion rate, reset, and add
a steady-state state. Every NONMEM rule lives here, once, for both systems; the rules and
their sources are listed in docs/nonmem-semantics.md.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np
import pandas as pd

from xposim.errors import InputError

OUT, BOLUS, RATE, RESET, SS = 0, 1, 2, 3, 4
NOOP = -1


@dataclass(frozen=True)
class SteadyState:
    """An implied infinite dose train before a record (doses at t + lag - k·ii, k >= 1).

    ``kind``: "bolus" (``amount`` into ``cmt``), "infusion" (``rate`` for ``duration``)
    or "constant" (a never-ending infusion at ``rate``; ii unused). ``cmt`` is 0-based.
    """

    kind: str
    cmt: int
    amount: float
    rate: float
    duration: float
    ii: float
    lag: float
    row: int


@dataclass
class Steps:
    """Padded step arrays, shape (subjects, max steps); ``NOOP`` pads."""

    time: np.ndarray
    kind: np.ndarray
    cmt: np.ndarray
    value: np.ndarray
    prow: np.ndarray
    ref: np.ndarray
    ss: list[SteadyState]
    subject_rows: list[np.ndarray]


def _dose_shape(row: int, amt: float, rate: float, f: float, r_mod: float, d_mod: float
                ) -> tuple[float, float, float]:
    """(amount actually given, infusion rate, duration); rate 0 = bolus. NONMEM UG VI:
    F scales the amount; with RATE > 0 or R<n> the rate is kept and the duration follows,
    with D<n> the duration is kept and the rate follows."""
    given = amt * f
    if f < 0:
        raise InputError(f"row {row + 1}", "bioavailability F must be >= 0", got=f)
    if rate == 0:
        return given, 0.0, 0.0
    if rate > 0:
        return given, rate, given / rate
    if rate == -1:
        if not r_mod > 0:
            raise InputError(f"row {row + 1}", "RATE=-1 needs the modelled rate R<CMT> > 0 "
                             "(give --param R<n>=...)", got=r_mod)
        return given, r_mod, given / r_mod
    if not d_mod > 0:
        raise InputError(f"row {row + 1}", "RATE=-2 needs the modelled duration D<CMT> > 0 "
                         "(give --param D<n>=...)", got=d_mod)
    return given, given / d_mod, d_mod


def build_steps(data: pd.DataFrame, n_cmt: int, f: np.ndarray, lag: np.ndarray,
                r_mod: np.ndarray, d_mod: np.ndarray) -> Steps:
    """Expand every subject's records into steps (ADDL, lag, F, infusions, SS, resets).

    ``f``, ``lag``, ``r_mod``, ``d_mod``: (rows, n_cmt) dose parameters of each record;
    implied doses (ADDL, lagged doses) use the values of their initiating record (NONMEM
    ADDL help: "exactly like the present ('initiating') dose").
    """
    ident = data["ID"].to_numpy()
    # plain Python lists: the record loop is scalar work, much faster than numpy indexing
    t_all = data["TIME"].to_numpy(dtype=float).tolist()
    amt_all = data["AMT"].to_numpy(dtype=float).tolist()
    evid_all = data["EVID"].to_numpy().tolist()
    cmt_raw = data["CMT"].to_numpy(dtype=float, na_value=np.nan).tolist()
    rate_all = data["RATE"].to_numpy(dtype=float).tolist()
    ii_all = data["II"].to_numpy(dtype=float).tolist()
    addl_all = data["ADDL"].to_numpy().tolist()
    ss_all = data["SS"].to_numpy().tolist()
    f_l, lag_l, r_l, d_l = f.tolist(), lag.tolist(), r_mod.tolist(), d_mod.tolist()
    starts = np.flatnonzero(np.r_[True, ident[1:] != ident[:-1]])
    bounds = np.r_[starts, len(data)].tolist()
    per_subject: list[list[tuple[float, int, int, float, int, int]]] = []
    ss_specs: list[SteadyState] = []
    subject_rows: list[np.ndarray] = []
    for s in range(len(starts)):
        subject_rows.append(np.arange(bounds[s], bounds[s + 1]))
        steps: list[tuple[float, int, int, float, int, int]] = []
        pending: list[tuple[float, int, int, int, float]] = []  # time, seq, kind, cmt, value
        seq = 0
        for k in range(bounds[s], bounds[s + 1]):
            t = t_all[k]
            while pending and pending[0][0] <= t:
                # implied events at or before this record's time come first (NONMEM gives
                # ADDL doses before an observation at the same time, mrgsolve issue #424)
                pt, _, kind, c, v = heapq.heappop(pending)
                steps.append((pt, kind, c, v, k, -1))
            e = evid_all[k]
            if e in (3, 4):
                steps.append((t, RESET, 0, 0.0, k, -1))
                pending.clear()
            if e in (1, 4):
                c = int(cmt_raw[k]) - 1 if cmt_raw[k] == cmt_raw[k] else -1
                if not 0 <= c < n_cmt:
                    raise InputError(f"row {k + 1}", f"CMT of a dose must be 1..{n_cmt} for "
                                     "this model (negative CMT, turning a compartment off, is "
                                     "not supported)", got=int(cmt_raw[k]))
                amt, rate, ii = amt_all[k], rate_all[k], ii_all[k]
                ssv = ss_all[k]
                given, r, dur = _dose_shape(k, amt, rate, f_l[k][c], r_l[k][c], d_l[k][c])
                lg = lag_l[k][c]
                if lg < 0:
                    raise InputError(f"row {k + 1}", "absorption lag ALAG must be >= 0", got=lg)
                const = ssv > 0 and amt == 0 and rate > 0
                if ssv == 1:
                    # SS=1: amounts from prior doses zeroed, infusions in progress and pending
                    # additional doses cancelled (NONMEM help, SS data item)
                    steps.append((t, RESET, 0, 0.0, k, -1))
                    pending.clear()
                if ssv > 0:
                    if const:
                        spec = SteadyState("constant", c, 0.0, rate, np.inf, 0.0, 0.0, k)
                    else:
                        if lg >= ii:
                            raise InputError(f"row {k + 1}", "steady-state dose needs ALAG < "
                                             "II (the implied doses would follow the record)",
                                             got=f"ALAG {lg:g}, II {ii:g}")
                        spec = SteadyState("infusion" if r > 0 else "bolus", c, given, r, dur,
                                           ii, lg, k)
                    steps.append((t, SS, c, 0.0, k, len(ss_specs)))
                    ss_specs.append(spec)
                    if const:
                        steps.append((t, RATE, c, rate, k, -1))
                    elif r > 0:
                        # implied infusions still running at t (II < DUR, or lag)
                        j = 1
                        while j * ii - lg < dur:
                            left = dur - (j * ii - lg)
                            steps.append((t, RATE, c, r, k, -1))
                            heapq.heappush(pending, (t + left, seq, RATE, c, -r))
                            seq += 1
                            j += 1
                if not const:
                    for j in range(addl_all[k] + 1):
                        t0 = t + j * ii + lg
                        if given <= 0:
                            break
                        if r == 0:
                            if t0 == t:
                                steps.append((t, BOLUS, c, given, k, -1))
                            else:
                                heapq.heappush(pending, (t0, seq, BOLUS, c, given))
                                seq += 1
                        else:
                            if t0 == t:
                                steps.append((t, RATE, c, r, k, -1))
                            else:
                                heapq.heappush(pending, (t0, seq, RATE, c, r))
                                seq += 1
                            heapq.heappush(pending, (t0 + dur, seq, RATE, c, -r))
                            seq += 1
            steps.append((t, OUT, 0, 0.0, k, k))
        per_subject.append(steps)
    width = max(len(x) for x in per_subject)
    n_sub = len(per_subject)
    time = np.zeros((n_sub, width))
    kind = np.full((n_sub, width), NOOP, dtype=np.int64)
    cmt = np.zeros((n_sub, width), dtype=np.int64)
    value = np.zeros((n_sub, width))
    prow = np.zeros((n_sub, width), dtype=np.int64)
    ref = np.full((n_sub, width), -1, dtype=np.int64)
    for s, steps in enumerate(per_subject):
        m = len(steps)
        arr = np.array(steps, dtype=float).reshape(m, 6)
        time[s, :m] = arr[:, 0]
        kind[s, :m] = arr[:, 1]
        cmt[s, :m] = arr[:, 2]
        value[s, :m] = arr[:, 3]
        prow[s, :m] = arr[:, 4]
        ref[s, :m] = arr[:, 5]
        time[s, m:] = arr[-1, 0]
        prow[s, m:] = arr[-1, 4]
    return Steps(time, kind, cmt, value, prow, ref, ss_specs, subject_rows)
